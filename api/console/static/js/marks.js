// marks.json (a job with subtitles): one entry per sentence with its start and end in the audio, one per
// chapter with its title and start, plus SSML <mark> entries. The player highlights the sentence whose start the audio has passed last, so a pause
// between sentences keeps the one just spoken lit.

export function sentencesOf(marks) {
  return (Array.isArray(marks) ? marks : []).filter((m) => m.type === "sentence");
}

/** Index of the sentence being spoken at ``ms`` (sentences sorted by start_ms); -1 before the first. */
export function sentenceAt(sentences, ms) {
  let low = 0;
  let high = sentences.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (sentences[middle].start_ms <= ms) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** The chapters marks.json names, as the chapter navigation shows them: title and start in seconds. */
export function chaptersOf(marks) {
  return (Array.isArray(marks) ? marks : [])
    .filter((m) => m.type === "chapter")
    .map((m) => ({ chapter: m.index + 1, title: m.title, start: m.start_ms / 1000 }));
}

/**
 * Where each chapter starts, from the chapter files' durations: they are cut from the programme back to
 * back, so their running sum is the chapter's offset in the whole.
 */
export function chapterStarts(artifacts) {
  const chapters = artifacts
    .filter((a) => a.kind === "chapter_audio" && a.chapter !== null)
    .sort((a, b) => a.chapter - b.chapter);
  let offset = 0;
  return chapters.map((a) => {
    const start = offset;
    offset += a.duration_seconds || 0;
    return { chapter: a.chapter, start, duration: a.duration_seconds };
  });
}
