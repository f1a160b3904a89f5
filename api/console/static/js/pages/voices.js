// Voices (/v1/voices): every voice the tenant may use, each to hear, and the tenant's cloned voices to
// delete. Where the catalog has an XTTS voice to clone with, a form makes a new one from reference clips
// (uploaded straight to storage, as manuscripts are) on the speaker's stated consent; without one the
// form is not shown at all.

import { api, describeError } from "../api.js";
import { field, fill, h } from "../dom.js";
import { duration, utc } from "../format.js";
import { notify } from "../notice.js";
import { playSample } from "../sample.js";
import { CLIPS, uploadFile } from "../upload.js";

const MAX_CLIPS = 5;

export function renderVoices(root) {
  const list = h("div", { class: "table-wrap" }, h("p", { class: "hint" }, "Loading…"));
  const clone = h("section", { class: "clone", hidden: true, "aria-labelledby": "clone-heading" });
  const stops = [];
  root.append(
    h("h1", {}, "Voices"),
    h("p", { class: "hint" }, "The voices your jobs, dialogues and samples may name."),
    list,
    clone,
  );

  const load = () =>
    api("/v1/voices")
      .then((voices) => {
        fill(list, voiceTable(voices, stops, load));
        const bases = voices.filter((v) => v.engine === "xtts" && !v.cloned);
        clone.hidden = bases.length === 0;
        if (bases.length && !clone.firstChild) fill(clone, cloneForm(bases, load));
      })
      .catch((problem) => fill(list, h("p", { class: "error", role: "alert" }, describeError(problem))));
  load();
  return () => {
    for (const stop of stops) stop();
    for (const audio of root.querySelectorAll("audio")) audio.pause();
  };
}

function voiceTable(voices, stops, reload) {
  return h(
    "table",
    { class: "voices" },
    h("caption", { class: "visually-hidden" }, "Voices you may use"),
    h("thead", {}, h("tr", {}, ["Voice", "Engine", "About", ""].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, voices.map((v) => voiceRow(v, stops, reload))),
  );
}

function voiceRow(voice, stops, reload) {
  const audio = h("audio", { controls: true, hidden: true, "aria-label": `Sample of ${voice.name || voice.id}` });
  const hear = h("button", { type: "button", class: "secondary" }, "Hear it");
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  hear.addEventListener("click", async () => {
    hear.disabled = true;
    problem.hidden = true;
    const finished = (error) => {
      if (error) {
        fill(problem, describeError(error));
        problem.hidden = false;
      }
      hear.disabled = false;
    };
    try {
      stops.push(await playSample(voice.id, {}, audio, finished));
    } catch (error) {
      finished(error);
    }
  });
  const about = voice.cloned
    ? [
        `Cloned from ${voice.base_voice} · ${voice.clips.length} clip${voice.clips.length === 1 ? "" : "s"}, `,
        `${duration(voice.clips.reduce((sum, c) => sum + (c.seconds || 0), 0))} · ${utc(voice.created_at)}`,
      ]
    : [voice.description, voice.default ? " (the default)" : ""];
  return h(
    "tr",
    { dataset: { voiceId: voice.id, cloned: String(voice.cloned) } },
    h("td", { lang: "bn" }, h("strong", {}, voice.name || voice.id), voice.name ? h("span", { class: "hint" }, ` ${voice.id}`) : null),
    h("td", {}, voice.engine),
    h("td", {}, about),
    h("td", {}, h("div", { class: "actions" }, hear, voice.cloned ? deleteButton(voice, reload) : null), audio, problem),
  );
}

// Two steps instead of a confirm() dialog: the first click asks, the second deletes.
function deleteButton(voice, reload) {
  const label = voice.name || voice.id;
  const button = h("button", { type: "button", class: "quiet", "aria-label": `Delete ${label}` }, "Delete");
  button.addEventListener("click", async () => {
    if (button.dataset.armed !== "true") {
      button.dataset.armed = "true";
      fill(button, "Click again to delete it");
      return;
    }
    button.disabled = true;
    try {
      await api(`/v1/voices/${encodeURIComponent(voice.id)}`, { method: "DELETE" });
      notify(`${label} is deleted, with its clips.`);
      reload();
    } catch (problem) {
      notify(describeError(problem));
      button.disabled = false;
    }
  });
  return button;
}

function cloneForm(bases, reload) {
  const name = h("input", { type: "text", maxlength: 100, lang: "bn", autocomplete: "off" });
  const base = h("select", {}, bases.map((v) => h("option", { value: v.id }, `${v.id}: ${v.description}`)));
  const clips = h("input", { type: "file", multiple: true, accept: Object.keys(CLIPS.types).join(",") });
  const progress = h("progress", { max: 100, value: 0, hidden: true, "aria-label": "Clips uploaded" });
  const consented = h("input", { type: "checkbox", id: "consented" });
  const statement = h("textarea", { rows: 3, maxlength: 2000, lang: "bn" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, "Clone the voice");
  const form = h(
    "form",
    { novalidate: true },
    h("div", { class: "options" }, field("Name", name), field("Base voice", base, "The XTTS model the clone speaks with.")),
    field("Reference clips", clips, `1–${MAX_CLIPS} recordings of the speaker alone (WAV, MP3 or FLAC), each 3–30 seconds.`),
    progress,
    h("div", { class: "check" }, consented, h("label", { for: "consented" }, "The speaker agreed to have their voice cloned")),
    field("Consent statement", statement, "Who agreed, to what, and how: it is kept with the voice."),
    error,
    submit,
  );
  const controls = { name, base_voice: base, clips, consent: statement, "consent.speaker_consented": consented, "consent.statement": statement };

  const showError = (problem, at) => {
    for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
    // The API names a refused clip by its place and upload id; the producer knows it by its file name.
    const clip = /^clips\.(\d+)$/.exec(problem.field || "");
    const file = clip ? clips.files[Number(clip[1])] : null;
    const said = describeError(problem);
    fill(error, file ? `${file.name}: ${said.replace(/^clips\.\d+ \(upload '[^']*'\): /, "")}` : said);
    error.hidden = false;
    const fieldName = at || problem.field || "";
    const control = controls[fieldName] || (fieldName.startsWith("clips") ? clips : null);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.focus();
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const files = [...clips.files];
    if (!files.length || files.length > MAX_CLIPS) {
      showError(new Error(`choose 1 to ${MAX_CLIPS} reference clips`), "clips");
      return;
    }
    submit.disabled = true;
    try {
      // One bar for all the clips: their bytes together.
      const total = files.reduce((sum, f) => sum + f.size, 0);
      let before = 0;
      progress.hidden = false;
      const uploads = [];
      for (const file of files) {
        const upload = await uploadFile(file, (sent) => { progress.value = (100 * (before + sent)) / total; }, CLIPS);
        before += file.size;
        uploads.push(upload.id);
      }
      const voice = await api("/v1/voices", {
        method: "POST",
        body: {
          name: name.value.trim(),
          base_voice: base.value,
          clips: uploads,
          consent: { speaker_consented: consented.checked, statement: statement.value.trim() },
        },
      });
      notify(`${voice.name || voice.id} is ready to use.`);
      form.reset();
      for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
      progress.hidden = true;
      reload();
    } catch (problem) {
      showError(problem);
    } finally {
      submit.disabled = false;
    }
  });
  return [h("h2", { id: "clone-heading" }, "Clone a voice"), form];
}
