// The tenant's last 30 days (GET /v1/usage): characters accepted and hours of audio, per day and in
// total, as charts and as a table of the same numbers.

import { api, describeError } from "../api.js";
import { barChart } from "../chart.js";
import { fill, h } from "../dom.js";
import { duration, size } from "../format.js";

export function renderUsage(root) {
  const body = h("div", { class: "usage" }, h("p", { class: "hint" }, "Loading…"));
  root.append(h("h1", {}, "Usage"), body);
  api("/v1/usage")
    .then((usage) => show(body, usage))
    .catch((error) => fill(body, h("p", { class: "error", role: "alert" }, describeError(error))));
  return null;
}

function show(body, usage) {
  const days = usage.days.map((d) => ({ ...d, label: String(d.day).slice(5) }));
  const total = usage.total;
  fill(
    body,
    h("p", { class: "hint" }, `${usage.from} to ${usage.to}, UTC.`),
    h(
      "dl",
      { class: "facts" },
      [
        ["Jobs submitted", total.jobs_submitted.toLocaleString("en")],
        ["Completed", total.jobs_completed.toLocaleString("en")],
        ["Failed", total.jobs_failed.toLocaleString("en")],
        ["Characters", total.characters.toLocaleString("en")],
        ["Synthesized", total.characters_synthesized.toLocaleString("en")],
        ["Audio", duration(total.audio_seconds)],
        ["Compute", duration(total.compute_seconds)],
        ["Stored", size(total.bytes_stored)],
      ].map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))),
    ),
    h("h2", {}, "Characters per day"),
    barChart("Characters per day", days.map((d) => ({ label: d.label, value: d.characters })), (v) => `${v.toLocaleString("en")} characters`),
    h("h2", {}, "Audio per day"),
    barChart("Hours of audio per day", days.map((d) => ({ label: d.label, value: d.audio_seconds / 3600 })), (v) => `${duration(v * 3600)} of audio`),
    h(
      "details",
      {},
      h("summary", {}, "The numbers"),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, ["Day", "Jobs", "Characters", "Synthesized", "Audio", "Compute"].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            usage.days.map((d) =>
              h(
                "tr",
                {},
                h("td", {}, String(d.day)),
                h("td", {}, d.jobs_submitted),
                h("td", {}, d.characters.toLocaleString("en")),
                h("td", {}, d.characters_synthesized.toLocaleString("en")),
                h("td", {}, duration(d.audio_seconds)),
                h("td", {}, duration(d.compute_seconds)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
