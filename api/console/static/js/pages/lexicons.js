// Pronunciation lexicons (/v1/lexicons): the list, and an editor that sends the whole lexicon back with
// PUT, as the API takes it. "Try a sentence" previews how a sentence is read with the lexicon applied
// (POST /v1/text/preview), showing the entries that matched; "Hear it" renders it as a voice sample with
// the lexicon (POST /v1/voices/{id}/sample).

import { api, describeError } from "../api.js";
import { field, fill, h } from "../dom.js";
import { utc } from "../format.js";
import { notify } from "../notice.js";
import { playSample } from "../sample.js";

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function renderLexicons(root) {
  const list = h("div", { class: "table-wrap" }, h("p", { class: "hint" }, "Loading…"));
  const name = h("input", { type: "text", spellcheck: "false", autocomplete: "off", pattern: NAME.source });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const create = h(
    "form",
    { class: "inline-form", novalidate: true },
    field("New lexicon", name, "1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit."),
    h("button", { type: "submit" }, "Create"),
  );
  create.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = name.value.trim();
    if (!NAME.test(value)) {
      error.textContent = "A lexicon's name is 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.";
      error.hidden = false;
      name.setAttribute("aria-invalid", "true");
      name.focus();
      return;
    }
    location.hash = `#/lexicons/${value}`;
  });
  root.append(h("h1", {}, "Lexicons"), h("p", { class: "hint" }, "How names, places and words are read: a job names up to five lexicons."), list, create, error);

  api("/v1/lexicons")
    .then(({ lexicons }) => {
      if (!lexicons.length) {
        fill(list, h("p", { class: "empty" }, "No lexicons yet."));
        return;
      }
      fill(
        list,
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, ["Name", "Entries", "Updated"].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            lexicons.map((l) =>
              h("tr", {}, h("td", {}, h("a", { href: `#/lexicons/${l.name}` }, l.name)), h("td", {}, l.entry_count), h("td", {}, utc(l.updated_at))),
            ),
          ),
        ),
      );
    })
    .catch((problem) => fill(list, h("p", { class: "error", role: "alert" }, describeError(problem))));
  return null;
}

export function renderLexicon(root, name) {
  const rows = h("tbody");
  const error = h("div", { class: "error", role: "alert", hidden: true });
  const save = h("button", { type: "submit" }, "Save");
  const add = h("button", { type: "button", class: "secondary" }, "Add an entry");
  const remove = h("button", { type: "button", class: "quiet" }, "Delete this lexicon");
  const trial = h("input", { type: "text", lang: "bn" });
  const tryIt = h("button", { type: "button", class: "secondary" }, "Preview the reading");
  const reading = h("div", { class: "trial", "aria-live": "polite" });
  const voice = h("select", {});
  const hear = h("button", { type: "button", class: "secondary" }, "Hear it");
  const spoken = h("audio", { controls: true, hidden: true, "aria-label": "Heard with this lexicon" });
  const stops = [];
  const form = h(
    "form",
    { novalidate: true },
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "entries" },
        h("caption", { class: "visually-hidden" }, `Entries of ${name}, in order: the earlier entry wins a tie`),
        h("thead", {}, h("tr", {}, ["Written", "Read as", "Phonemes (IPA)", "Whole word", "Match case", ""].map((t) => h("th", { scope: "col" }, t)))),
        rows,
      ),
    ),
    h("div", { class: "actions" }, add, save, remove),
    error,
  );
  root.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/lexicons" }, "← Lexicons")),
    h("h1", {}, name),
    form,
    h("h2", {}, "Try a sentence"),
    h("div", { class: "with-action" }, field("Sentence", trial), tryIt),
    reading,
    h("div", { class: "with-action" }, field("Voice", voice), hear, spoken),
  );
  api("/v1/voices")
    .then((voices) => fill(voice, voices.map((v) => h("option", { value: v.id, selected: v.default }, v.id))))
    .catch(showError);

  let saved = false;
  load().catch((problem) => {
    showError(problem);
    rows.append(entryRow({}));
  });

  // The list says whether the lexicon exists, so a new one is not first asked for and answered 404.
  async function load() {
    const { lexicons } = await api("/v1/lexicons");
    if (!lexicons.some((l) => l.name === name)) {
      rows.append(entryRow({}));
      return;
    }
    const lexicon = await api(`/v1/lexicons/${encodeURIComponent(name)}`);
    saved = true;
    for (const entry of lexicon.entries) rows.append(entryRow(entry));
  }

  add.addEventListener("click", () => {
    const row = entryRow({});
    rows.append(row);
    row.querySelector("input").focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    save.disabled = true;
    try {
      await api(`/v1/lexicons/${encodeURIComponent(name)}`, { method: "PUT", body: { entries: entries(rows) } });
      saved = true;
      notify(`${name} is saved.`);
    } catch (problem) {
      showError(problem);
    } finally {
      save.disabled = false;
    }
  });

  // Two steps instead of a confirm() dialog: the first click asks, the second deletes.
  remove.addEventListener("click", async () => {
    if (!saved) {
      location.hash = "#/lexicons";
      return;
    }
    if (remove.dataset.armed !== "true") {
      remove.dataset.armed = "true";
      fill(remove, "Click again to delete it");
      return;
    }
    try {
      await api(`/v1/lexicons/${encodeURIComponent(name)}`, { method: "DELETE" });
      notify(`${name} is deleted.`);
      location.hash = "#/lexicons";
    } catch (problem) {
      showError(problem);
    }
  });

  tryIt.addEventListener("click", async () => {
    if (!trial.value.trim()) return;
    try {
      const answer = await api("/v1/text/preview", { method: "POST", body: { text: trial.value, lexicons: saved ? [name] : [] } });
      const used = answer.chunks.flatMap((c) => c.lexicon_entries);
      fill(
        reading,
        h("p", { lang: "bn" }, h("strong", {}, "Read aloud: "), answer.chunks.map((c) => c.text).join(" ")),
        used.length
          ? h("ul", {}, used.map((u) => h("li", { lang: "bn" }, `${u.grapheme} → ${u.reads}`)))
          : h("p", { class: "hint" }, saved ? "No entry of this lexicon matched." : "Save the lexicon first to try it."),
      );
    } catch (problem) {
      fill(reading, h("p", { class: "error", role: "alert" }, describeError(problem)));
    }
  });

  hear.addEventListener("click", async () => {
    if (!trial.value.trim() || !voice.value) return;
    if (!saved) {
      fill(reading, h("p", { class: "hint" }, "Save the lexicon first to hear it."));
      return;
    }
    hear.disabled = true;
    fill(hear, "Rendering…");
    const finished = (problem) => {
      if (problem) fill(reading, h("p", { class: "error", role: "alert" }, describeError(problem)));
      hear.disabled = false;
      fill(hear, "Hear it");
    };
    try {
      stops.push(await playSample(voice.value, { text: trial.value, lexicons: [name] }, spoken, finished));
    } catch (problem) {
      finished(problem);
    }
  });

  function showError(problem) {
    fill(error, describeError(problem));
    error.hidden = false;
  }
  return () => {
    for (const stop of stops) stop();
    spoken.pause();
  };
}

function entryRow(entry) {
  const cell = (control, label) => {
    control.setAttribute("aria-label", label);
    return h("td", {}, control);
  };
  const row = h(
    "tr",
    { class: "entry" },
    cell(h("input", { type: "text", name: "grapheme", value: entry.grapheme || "", lang: "bn" }), "Written"),
    cell(h("input", { type: "text", name: "alias", value: entry.alias || "", lang: "bn" }), "Read as"),
    cell(h("input", { type: "text", name: "phoneme", value: entry.phoneme || "" }), "Phonemes"),
    cell(h("input", { type: "checkbox", name: "whole_word", checked: entry.whole_word ?? true }), "Whole word"),
    cell(h("input", { type: "checkbox", name: "case_sensitive", checked: entry.case_sensitive ?? false }), "Match case"),
    h("td", {}, h("button", { type: "button", class: "quiet", onclick: () => row.remove() }, "Remove")),
  );
  return row;
}

function entries(rows) {
  return [...rows.querySelectorAll("tr.entry")]
    .map((row) => {
      const value = (name) => row.querySelector(`[name="${name}"]`);
      const entry = {
        grapheme: value("grapheme").value.trim(),
        whole_word: value("whole_word").checked,
        case_sensitive: value("case_sensitive").checked,
      };
      if (value("alias").value.trim()) entry.alias = value("alias").value.trim();
      if (value("phoneme").value.trim()) entry.phoneme = value("phoneme").value.trim();
      return entry;
    })
    .filter((entry) => entry.grapheme);
}
