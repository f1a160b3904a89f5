// kontho studio: a single page with hash routes. Each page module exports render(root, params), which may
// return a function that stops what the page started (polling, playback) when the producer leaves it.

import { whenUnauthorized } from "./api.js";
import { fill } from "./dom.js";
import { notify } from "./notice.js";
import { renderJob } from "./pages/job.js";
import { renderJobs } from "./pages/jobs.js";
import { renderLexicon, renderLexicons } from "./pages/lexicons.js";
import { renderNewJob } from "./pages/new-job.js";
import { renderSignIn } from "./pages/signin.js";
import { renderUsage } from "./pages/usage.js";
import { renderVoices } from "./pages/voices.js";
import { apiKey, signOut } from "./session.js";

const ROUTES = [
  { pattern: /^#\/signin$/, render: renderSignIn, open: true },
  { pattern: /^#\/new$/, render: renderNewJob },
  { pattern: /^#\/jobs(?:\?status=([a-z]+))?$/, render: renderJobs },
  { pattern: /^#\/jobs\/([0-9a-zA-Z]{26})$/, render: renderJob },
  { pattern: /^#\/lexicons$/, render: renderLexicons },
  { pattern: /^#\/lexicons\/([a-z0-9][a-z0-9._-]{0,63})$/, render: renderLexicon },
  { pattern: /^#\/voices$/, render: renderVoices },
  { pattern: /^#\/usage$/, render: renderUsage },
];
const HOME = "#/jobs";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
let leave = null;

function route() {
  if (leave) leave();
  leave = null;
  const hash = location.hash || HOME;
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(hash) })).find((x) => x.m);
  if (!apiKey() && !(match && match.r.open)) {
    location.replace("#/signin");
    return;
  }
  if (!match) {
    location.replace(HOME);
    return;
  }
  nav.hidden = !apiKey();
  for (const link of nav.querySelectorAll("a")) {
    link.toggleAttribute("aria-current", hash.startsWith(link.getAttribute("href")));
  }
  const view = document.createElement("section");
  fill(main, view);
  leave = match.r.render(view, ...match.m.slice(1)) || null;
  // A new page: move focus to its heading, so screen readers announce it and Tab starts at the top.
  const heading = view.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
    document.title = `${heading.textContent} · kontho studio`;
  }
}

document.getElementById("sign-out").addEventListener("click", () => {
  signOut();
  notify("Signed out.");
  location.hash = "#/signin";
});

whenUnauthorized(() => {
  signOut();
  if (location.hash !== "#/signin") {
    notify("Your API key was refused. Sign in again.");
    location.hash = "#/signin";
  }
});

window.addEventListener("hashchange", route);
route();
