// A new job: paste text or drop a manuscript (uploaded straight to storage), choose how it is read, see the
// text as the voice will read it (POST /v1/text/preview) and submit. Every field maps to one field of
// POST /v1/jobs; what the form leaves out takes the API's default.

import { api, describeError } from "../api.js";
import { field, fill, h } from "../dom.js";
import { wordDiff } from "../diff.js";
import { duration, size } from "../format.js";
import { playSample } from "../sample.js";
import { ACCEPT, uploadFile } from "../upload.js";

const FORMATS = [
  ["mp3", "MP3"],
  ["m4b", "M4B audiobook (AAC, chapters)"],
  ["ogg", "Ogg Opus"],
  ["flac", "FLAC"],
  ["wav", "WAV"],
];
const LOUDNESS = [
  ["audiobook", "Audiobook (−18 LUFS)"],
  ["podcast", "Podcast (−16 LUFS)"],
  ["off", "Off"],
];

export function renderNewJob(root) {
  const state = { upload: null, preview: null, previewText: null };
  const stops = [];

  // The text: pasted, or a file.
  const text = h("textarea", { rows: 10, lang: "bn", spellcheck: "false" });
  // Hidden and out of the tab order: "Choose a file" opens it, and dropping a file works anywhere here.
  const fileInput = h("input", { type: "file", accept: ACCEPT, class: "visually-hidden", tabindex: "-1", "aria-label": "Manuscript file" });
  const uploadBar = h("progress", { max: 100, value: 0, hidden: true, "aria-label": "Upload progress" });
  const uploadStatus = h("p", { class: "hint", "aria-live": "polite" });
  const removeFile = h("button", { type: "button", class: "quiet", hidden: true }, "Remove the file");
  const chooseFile = h("button", { type: "button", class: "quiet" }, "Choose a file");
  const drop = h(
    "div",
    { class: "drop-zone" },
    h("p", {}, "Or drop an EPUB, Markdown or text file here. "),
    chooseFile,
    fileInput,
    uploadBar,
    uploadStatus,
    removeFile,
  );

  // How it is read.
  const title = h("input", { type: "text", maxlength: 300, lang: "bn" });
  const author = h("input", { type: "text", maxlength: 300, lang: "bn" });
  const voice = h("select", {});
  const hear = h("button", { type: "button", class: "quiet" }, "Hear this voice");
  const sample = h("audio", { controls: true, hidden: true, "aria-label": "Voice sample" });
  const speed = h("input", { type: "number", min: "0.8", max: "1.3", step: "0.05", value: "1" });
  const format = h("select", {}, FORMATS.map(([v, label]) => h("option", { value: v }, label)));
  const loudness = h("select", {}, LOUDNESS.map(([v, label]) => h("option", { value: v }, label)));
  const textFormat = h(
    "select",
    {},
    h("option", { value: "" }, "Detect"),
    h("option", { value: "plain" }, "Plain text"),
    h("option", { value: "markdown" }, "Markdown"),
    h("option", { value: "ssml" }, "SSML"),
  );
  const lexicons = h("fieldset", { class: "lexicon-choice", hidden: true }, h("legend", {}, "Lexicons (at most 5, in order of priority)"));
  const subtitles = h("input", { type: "checkbox", checked: true });
  const chapterFiles = h("input", { type: "checkbox" });

  const error = h("div", { class: "error", role: "alert", hidden: true });
  const previewButton = h("button", { type: "button", class: "secondary" }, "Preview the reading");
  const submit = h("button", { type: "submit" }, "Render");
  const preview = h("section", { class: "preview", hidden: true, "aria-label": "Preview" });

  const form = h(
    "form",
    { class: "new-job", novalidate: true },
    h(
      "fieldset",
      {},
      h("legend", {}, "Text"),
      field("Paste the text", text, "Lines are paragraphs; a line starting with অধ্যায় or a Markdown # heading starts a chapter."),
      drop,
    ),
    h(
      "fieldset",
      { class: "options" },
      h("legend", {}, "Reading"),
      field("Title", title),
      field("Author", author),
      h("div", { class: "with-action" }, field("Voice", voice), hear, sample),
      field("Speed", speed, "0.8 (slower) to 1.3 (faster)."),
      field("Format", format),
      field("Loudness", loudness),
      field("Text format", textFormat),
      h("div", { class: "check" }, subtitles, h("label", { for: (subtitles.id = "subtitles") }, "Sentence timings: subtitles, and the text follows the audio as it plays")),
      h("div", { class: "check" }, chapterFiles, h("label", { for: (chapterFiles.id = "chapter-files") }, "One file per chapter as well")),
      lexicons,
    ),
    error,
    h("div", { class: "actions" }, previewButton, submit),
    preview,
  );
  root.append(h("h1", {}, "New job"), form);

  loadVoices(voice).catch((e) => showError(e));
  loadLexicons(lexicons, resetPreview).catch((e) => showError(e));

  // Files: picked or dropped, uploaded at once so the preview and the job can name the upload.
  chooseFile.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => fileInput.files[0] && takeFile(fileInput.files[0]));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("dragging");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("dragging");
    const file = event.dataTransfer?.files?.[0];
    if (file) takeFile(file);
  });
  removeFile.addEventListener("click", () => {
    state.upload = null;
    fileInput.value = "";
    text.disabled = false;
    removeFile.hidden = true;
    uploadBar.hidden = true;
    fill(uploadStatus, "");
    resetPreview();
  });

  async function takeFile(file) {
    clearError();
    resetPreview();
    state.upload = null;
    uploadBar.hidden = false;
    uploadBar.value = 0;
    fill(uploadStatus, `Uploading ${file.name} (${size(file.size)})…`);
    try {
      const upload = await uploadFile(file, (sent, total) => {
        uploadBar.value = total ? Math.round((100 * sent) / total) : 0;
      });
      state.upload = { id: upload.id, name: file.name };
      text.disabled = true;
      removeFile.hidden = false;
      fill(uploadStatus, `${file.name} is uploaded (${size(file.size)}). The job reads the file instead of the box above.`);
    } catch (problem) {
      uploadBar.hidden = true;
      fill(uploadStatus, "");
      fileInput.value = "";
      showError(problem);
    }
  }

  hear.addEventListener("click", async () => {
    clearError();
    hear.disabled = true;
    fill(hear, "Rendering a sample…");
    try {
      stops.push(await playSample(voice.value, { speed: speedValue() }, sample, (problem) => {
        if (problem) showError(problem);
        hear.disabled = false;
        fill(hear, "Hear this voice");
      }));
    } catch (problem) {
      showError(problem);
      hear.disabled = false;
      fill(hear, "Hear this voice");
    }
  });

  for (const control of [text, voice, speed, textFormat, subtitles]) control.addEventListener("change", resetPreview);

  previewButton.addEventListener("click", async () => {
    clearError();
    const source = sourceOrError();
    if (!source) return;
    previewButton.disabled = true;
    try {
      const answer = await api("/v1/text/preview", {
        method: "POST",
        body: {
          ...source,
          voice: voice.value || undefined,
          speed: speedValue(),
          subtitles: subtitles.checked,
          text_format: textFormat.value || undefined,
          lexicons: chosenLexicons(lexicons),
        },
      });
      state.preview = answer;
      state.previewText = source.text ?? null;
      showPreview(preview, answer, state.previewText);
    } catch (problem) {
      showError(problem);
    } finally {
      previewButton.disabled = false;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    const source = sourceOrError();
    if (!source) return;
    const body = {
      ...source,
      voice: voice.value || undefined,
      speed: speedValue(),
      format: format.value,
      loudness: loudness.value,
      subtitles: subtitles.checked,
      chapter_files: chapterFiles.checked,
      text_format: textFormat.value || undefined,
      title: title.value.trim() || undefined,
      author: author.value.trim() || undefined,
      chapters: chosenChapters(preview),
      lexicons: chosenLexicons(lexicons),
    };
    submit.disabled = true;
    try {
      // One key per click: a retried request never makes a second job.
      const job = await api("/v1/jobs", { method: "POST", body, headers: { "Idempotency-Key": crypto.randomUUID() } });
      location.hash = `#/jobs/${job.id}`;
    } catch (problem) {
      showError(problem);
    } finally {
      submit.disabled = false;
    }
  });

  function sourceOrError() {
    if (state.upload) return { upload: state.upload.id };
    if (text.value.trim()) return { text: text.value };
    showError(new Error("Paste some text or choose a file first."), text);
    return null;
  }

  function speedValue() {
    const value = Number(speed.value);
    return Number.isFinite(value) && value > 0 ? value : 1;
  }

  function resetPreview() {
    state.preview = null;
    preview.hidden = true;
    preview.replaceChildren();
  }

  const controls = { text, upload: fileInput, file: fileInput, title, author, voice, speed, format, loudness, text_format: textFormat };

  function showError(problem, control) {
    for (const el of Object.values(controls)) el.removeAttribute("aria-invalid");
    const target = control || controls[problem?.field];
    target?.setAttribute("aria-invalid", "true");
    fill(error, problem?.status !== undefined ? describeError(problem) : problem?.message || String(problem));
    error.hidden = false;
    if (target && target !== fileInput) target.focus();
  }

  function clearError() {
    error.hidden = true;
    for (const el of Object.values(controls)) el.removeAttribute("aria-invalid");
  }

  return () => {
    for (const stop of stops) stop();
    sample.pause();
  };
}

async function loadVoices(select) {
  const voices = await api("/v1/voices");
  fill(
    select,
    voices.map((v) => h("option", { value: v.id, selected: v.default }, v.description ? `${v.id}: ${v.description}` : v.id)),
  );
}

/** The tenant's lexicons as checkboxes; the fieldset stays hidden while there are none. */
async function loadLexicons(fieldset, onChange) {
  const { lexicons } = await api("/v1/lexicons");
  for (const lexicon of lexicons) {
    const box = h("input", { type: "checkbox", id: `lexicon-${lexicon.name}`, dataset: { lexicon: lexicon.name }, onchange: onChange });
    fieldset.append(h("div", { class: "check" }, box, h("label", { for: box.id }, `${lexicon.name} (${lexicon.entry_count} entries)`)));
  }
  fieldset.hidden = lexicons.length === 0;
}

function chosenLexicons(fieldset) {
  const names = [...fieldset.querySelectorAll("input[data-lexicon]:checked")].map((b) => b.dataset.lexicon);
  return names.length ? names : undefined;
}

/** The chapters the producer kept ticked, when they did not keep them all; undefined means every one. */
function chosenChapters(preview) {
  const boxes = [...preview.querySelectorAll("input[data-chapter]")];
  const ticked = boxes.filter((b) => b.checked).map((b) => Number(b.dataset.chapter));
  return boxes.length && ticked.length < boxes.length ? ticked : undefined;
}

/** One row per written span: the chunks of a sentence too long for one chunk share its span. */
function sentences(chunks) {
  const rows = [];
  for (const chunk of chunks) {
    const last = rows[rows.length - 1];
    if (last && last.start === chunk.start && last.end === chunk.end) last.text += ` ${chunk.text.trim()}`;
    else rows.push({ start: chunk.start, end: chunk.end, text: chunk.text.trim() });
  }
  return rows;
}

const sameText = (a, b) => a.normalize("NFD") === b.normalize("NFD");

/** The pieces of a diff, the changed words in <mark>. */
function marked(pieces) {
  return pieces.map((p) => (p.changed ? h("mark", {}, p.text) : p.text));
}

function showPreview(section, answer, original) {
  const summary = h(
    "dl",
    { class: "facts" },
    [
      ["Characters", answer.characters.toLocaleString("en")],
      ["Read aloud", answer.spoken_characters.toLocaleString("en")],
      ["Estimated length", duration(answer.estimated_seconds)],
      ["Chunks", answer.chunks_total.toLocaleString("en")],
    ].map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))),
  );
  const warnings = answer.warnings.length
    ? h("div", { class: "warnings" }, h("h3", {}, "Warnings"), h("ul", {}, answer.warnings.map((w) => h("li", {}, h("strong", {}, w.kind), `: ${w.message}`))))
    : h("p", { class: "hint" }, "No warnings: the voice can read every character.");
  const chapters = answer.chapters.length > 1
    ? h(
        "fieldset",
        { class: "chapters" },
        h("legend", {}, "Chapters to render"),
        answer.chapters.map((c) => {
          const box = h("input", { type: "checkbox", checked: true, dataset: { chapter: String(c.number) }, id: `chapter-${c.number}` });
          return h("div", { class: "check" }, box, h("label", { for: box.id, lang: "bn" }, `${c.number}. ${c.title || "(untitled)"} · ${c.characters.toLocaleString("en")} characters`));
        }),
      )
    : null;
  // Offsets are code points (Python's), so the original is sliced as code points, not UTF-16 units.
  const points = original === null ? null : Array.from(original);
  const rows = sentences(answer.chunks).map(({ start, end, text }) => {
    if (!points) return h("tr", {}, h("td", { lang: "bn" }, text));
    const written = points.slice(start, end).join("").trim();
    const diff = wordDiff(written, text);
    const changed = diff ? [...diff.written, ...diff.spoken].some((p) => p.changed) : !sameText(written, text);
    return h(
      "tr",
      { class: changed ? "changed" : null },
      h("td", { lang: "bn" }, diff ? marked(diff.written) : written),
      h("td", { lang: "bn" }, diff ? marked(diff.spoken) : text),
    );
  });
  const reading = h(
    "table",
    { class: "reading" },
    h("caption", {}, "How the voice reads it", answer.chunks.length < answer.chunks_total ? ` (the first ${answer.chunks.length} of ${answer.chunks_total} chunks)` : ""),
    h("thead", {}, h("tr", {}, points ? h("th", { scope: "col" }, "Written") : null, h("th", { scope: "col" }, "Read aloud"))),
    h("tbody", {}, rows),
  );
  fill(section, h("h2", {}, "Preview"), summary, warnings, chapters, h("div", { class: "table-wrap" }, reading));
  section.hidden = false;
}
