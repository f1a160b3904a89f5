// One job: its progress while it renders, then the player. The sentence being spoken is highlighted in the
// text as the audio plays (from marks.json, when the job made subtitles); a click on a sentence seeks
// there; chapters (titled, from marks.json; else numbered, from the chapter files) jump to their start;
// every artifact downloads from its presigned URL, named after the job's title.

import { api, describeError } from "../api.js";
import { fill, h } from "../dom.js";
import { duration, percent, size, utc } from "../format.js";
import { chapterStarts, chaptersOf, sentenceAt, sentencesOf } from "../marks.js";
import { notify } from "../notice.js";
import { poll } from "../poll.js";

const ARTIFACT_NAMES = {
  audio: "Audio",
  chapter_audio: "Chapter",
  subtitles: "Subtitles",
  marks: "Sentence timings",
  manifest: "Manifest",
};

export function renderJob(root, jobId) {
  const heading = h("h1", { lang: "bn" }, `Job ${jobId}`);
  const facts = h("dl", { class: "facts" });
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Progress" });
  const figure = h("span", { class: "figure" });
  const cancel = h("button", { type: "button", class: "quiet", hidden: true }, "Cancel job");
  const problem = h("div", { class: "error", role: "alert", hidden: true });
  const warnings = h("section", { class: "warnings", hidden: true });
  const player = h("section", { class: "player", hidden: true, "aria-label": "Listen" });
  const early = h("section", { class: "early", hidden: true, "aria-label": "Finished chapters" });
  root.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/jobs" }, "← Jobs")),
    heading,
    h("div", { class: "progress-line" }, bar, figure, cancel),
    problem,
    facts,
    warnings,
    early,
    player,
  );
  const listenEarly = finishedChapters(early, jobId);

  let stopPlayer = () => {};
  let loadedResult = false;
  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      const job = await api(`/v1/jobs/${jobId}/cancel`, { method: "POST" });
      show(job);
      notify(job.status === "cancelled" ? "Job cancelled." : "The job stops at its next chunk.");
    } catch (error) {
      notify(describeError(error));
      cancel.disabled = false;
    }
  });

  function show(job) {
    fill(heading, job.title || `Job ${job.id}`);
    document.title = `${job.title || job.id} · kontho studio`;
    const done = job.status === "completed";
    bar.value = done ? 100 : job.progress.percent;
    bar.hidden = job.status === "failed" || job.status === "cancelled";
    const eta = job.status === "running" && job.progress.eta_seconds !== null ? ` · ETA ${duration(job.progress.eta_seconds)}` : "";
    fill(figure, `${job.status} · ${done ? "100 %" : percent(job.progress)}${eta}`);
    cancel.hidden = !(job.status === "queued" || job.status === "running");
    problem.hidden = !job.error;
    if (job.error) fill(problem, `${job.error.code}: ${job.error.message}`);
    showFacts(facts, job);
    showWarnings(warnings, job.warnings);
  }

  const stopPolling = poll(async () => {
    let job;
    try {
      job = await api(`/v1/jobs/${jobId}`);
    } catch (error) {
      fill(problem, describeError(error));
      problem.hidden = false;
      if (error.status === 404) return false;
      throw error;
    }
    show(job);
    if (job.status === "running") await listenEarly(job);
    if (job.status === "completed" && !loadedResult) {
      loadedResult = true;
      early.hidden = true;
      for (const audio of early.querySelectorAll("audio")) audio.pause();
      const result = await api(`/v1/jobs/${jobId}/result`);
      stopPlayer = await showPlayer(player, job, result);
    }
    return !["completed", "failed", "cancelled"].includes(job.status);
  }, 1000);

  return () => {
    stopPolling();
    stopPlayer();
    for (const audio of early.querySelectorAll("audio")) audio.pause();
  };
}

/**
 * Listen while it renders: a running job with chapter files offers each chapter once it is finished (the
 * final file, cut at its sample with the programme's gain). Asked again only when the job has moved on to
 * another chapter; a chapter already shown keeps its player, so one being listened to plays on.
 */
function finishedChapters(section, jobId) {
  const list = h("ol", {});
  const shown = new Set();
  let asked = 1;
  fill(section, h("h2", {}, "Finished chapters"), h("p", { class: "hint" }, "Listen while the rest renders: each is the final file."), list);
  return async (job) => {
    if (!job.chapter_files || job.progress.chapter <= asked) return;
    asked = job.progress.chapter;
    let result;
    try {
      result = await api(`/v1/jobs/${jobId}/result`);
    } catch (error) {
      if (error.status === 409) return; // nothing finished yet
      throw error;
    }
    for (const a of result.artifacts.filter((x) => x.kind === "chapter_audio" && !shown.has(x.chapter))) {
      shown.add(a.chapter);
      list.append(
        h(
          "li",
          { dataset: { chapter: String(a.chapter) } },
          h("span", {}, `Chapter ${a.chapter} · ${duration(a.duration_seconds)}`),
          h("audio", { controls: true, preload: "none", src: a.url, "aria-label": `Chapter ${a.chapter}` }),
        ),
      );
    }
    section.hidden = shown.size === 0;
  };
}

function showFacts(facts, job) {
  const rows = [
    ["Status", job.status],
    ["Voice", job.voice],
    ["Format", job.format],
    ["Submitted", utc(job.created_at)],
    ["Finished", utc(job.finished_at)],
    ["Characters", job.usage.characters.toLocaleString("en")],
    ["Synthesized", job.usage.characters_synthesized.toLocaleString("en")],
    ["Audio", duration(job.usage.audio_seconds)],
    ["Compute", duration(job.usage.compute_seconds)],
    ["Stored", size(job.usage.bytes_stored)],
  ];
  fill(facts, rows.map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))));
}

function showWarnings(section, list) {
  section.hidden = !list.length;
  fill(
    section,
    h("h2", {}, "Warnings"),
    h("ul", {}, list.map((w) => h("li", {}, h("strong", {}, w.kind), ": ", w.message || "", w.examples.length ? h("span", { lang: "bn" }, ` (${w.examples.join(" ")})`) : null))),
  );
}

async function showPlayer(section, job, result) {
  const audio = h("audio", { controls: true, preload: "metadata", src: result.audio.url });
  const text = h("div", { class: "read-along", lang: "bn" });
  // Titled chapters come with the sentence timings; until they load (or without them) the chapter files
  // give numbered ones.
  const chapters = h("div", { class: "chapter-nav" }, chapterNav(chapterStarts(result.artifacts), audio));
  section.hidden = false;
  fill(
    section,
    h("h2", {}, "Listen"),
    audio,
    chapters,
    text,
    h("h2", {}, "Downloads"),
    downloads(result.artifacts),
  );

  const marks = result.artifacts.find((a) => a.kind === "marks");
  if (!marks) {
    fill(text, h("p", { class: "hint" }, "This job made no sentence timings, so the text cannot follow the audio. Submit with “Sentence timings” on to read along."));
    return () => audio.pause();
  }
  let sentences;
  try {
    const response = await fetch(marks.url, { cache: "no-store", referrerPolicy: "no-referrer" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const entries = await response.json();
    sentences = sentencesOf(entries);
    const titled = chaptersOf(entries);
    if (titled.length) fill(chapters, chapterNav(titled, audio));
  } catch (error) {
    fill(text, h("p", { class: "error" }, `The sentence timings could not be loaded (${error.message}).`));
    return () => audio.pause();
  }
  const spans = sentences.map((s, index) =>
    h(
      "button",
      {
        type: "button",
        class: "sentence",
        dataset: { index: String(index), startMs: String(s.start_ms) },
        title: `Play from ${duration(s.start_ms / 1000)}`,
        onclick: () => {
          audio.currentTime = s.start_ms / 1000;
          audio.play().catch(() => {});
        },
      },
      s.speaker ? h("span", { class: "speaker" }, `${s.speaker}: `) : null,
      s.text,
    ),
  );
  fill(text, h("p", {}, spans.flatMap((span) => [span, " "])));

  let current = -1;
  const follow = () => {
    const index = sentenceAt(sentences, audio.currentTime * 1000);
    if (index === current) return;
    spans[current]?.classList.remove("speaking");
    spans[current]?.removeAttribute("aria-current");
    current = index;
    const span = spans[current];
    if (span) {
      span.classList.add("speaking");
      span.setAttribute("aria-current", "true");
      if (!audio.paused) span.scrollIntoView({ block: "nearest" });
    }
    text.dataset.current = String(current);
  };
  audio.addEventListener("timeupdate", follow);
  audio.addEventListener("seeked", follow);
  follow();
  return () => audio.pause();
}

function chapterNav(starts, audio) {
  if (starts.length < 2) return null;
  return h(
    "nav",
    { class: "chapters", "aria-label": "Chapters" },
    h("h3", {}, "Chapters"),
    h(
      "ol",
      {},
      starts.map((c) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "quiet",
              onclick: () => {
                audio.currentTime = c.start;
                audio.play().catch(() => {});
              },
            },
            c.title ? h("span", { lang: "bn" }, c.title) : `Chapter ${c.chapter}`,
            ` · ${duration(c.start)}`,
          ),
        ),
      ),
    ),
  );
}

function downloads(artifacts) {
  return h(
    "ul",
    { class: "downloads" },
    artifacts.map((a) =>
      h(
        "li",
        { dataset: { kind: a.kind, format: a.format } },
        h("a", { href: a.url, rel: "noreferrer", download: "" }, `${ARTIFACT_NAMES[a.kind] || a.kind}${a.chapter ? ` ${a.chapter}` : ""} (${a.format.toUpperCase()})`),
        h("span", { class: "figure" }, ` ${size(a.bytes)}${a.duration_seconds ? ` · ${duration(a.duration_seconds)}` : ""}`),
      ),
    ),
  );
}
