"""The Bangla text front-end: submitted text in, the chunks a voice will read out, and what it could not.

Markdown to plain text → normalize Unicode → paragraphs → sentences → verbalize (numbers, dates …
become words) → repair broken Bangla → drop and count what the voice cannot say → pack chunks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kontho.schemas import TextWarning
from kontho.settings import Settings
from kontho.text.chapters import chapters_at, split_chapters
from kontho.text.chunking import Boundary, Chunk, as_written, plan_chunks
from kontho.text.markdown import to_plain
from kontho.text.unicode import repair_bangla
from kontho.text.verbalize import verbalize
from kontho.voices import VoiceParams

# What any voice may see besides its letters: spaces and the punctuation that shapes prosody.
PROSODY_PUNCTUATION = frozenset(" ,;:!?।॥-—–.'\"“”‘’()")
_BANGLA = frozenset(chr(c) for c in range(0x0980, 0x0A00)) | frozenset("\u200c\u200d")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
DEFAULT_VOCABULARY = _BANGLA | _LATIN | PROSODY_PUNCTUATION
"""What a voice without a declared character set (espeak-ng) can read."""

_SPACES = re.compile(r"\s{2,}")
_MAX_EXAMPLES = 10


@dataclass(frozen=True)
class ChapterPlan:
    title: str | None
    first_chunk: int


@dataclass(frozen=True)
class PreparedText:
    chunks: list[Chunk]
    warnings: list[TextWarning]
    chapters: list[ChapterPlan] = field(default_factory=list)

    @property
    def characters(self) -> int:
        return sum(len(c.text) for c in self.chunks)


def _drop_unsupported(text: str, vocabulary: frozenset[str], dropped: Counter[str]) -> str:
    kept = []
    for ch in text:
        if ch in vocabulary or ch.isspace():
            kept.append(ch)
        else:
            dropped[ch] += 1
    return _SPACES.sub(" ", "".join(kept)).strip()


def speakable(sentence: str, vocabulary: frozenset[str], dropped: Counter[str]) -> str:
    """One sentence as the voice will read it; empty when nothing in it can be said aloud."""
    spoken = _drop_unsupported(repair_bangla(verbalize(as_written(sentence))), vocabulary, dropped)
    return spoken if any(ch.isalpha() for ch in spoken) else ""


def prepare(
    text: str,
    max_chars: int,
    vocabulary: Iterable[str] | None = None,
    *,
    sentence_per_chunk: bool = False,
    markdown: bool = False,
    read_titles: bool = True,
) -> PreparedText:
    """The chunks a voice will read, chapter by chapter, and what it cannot read.

    A chapter's heading is read as its first paragraph unless ``read_titles`` is false. Markdown is read
    as the plain text kontho/text/markdown.py makes of it, no mark said aloud; chunk spans still point
    into ``text``.
    """
    allowed = frozenset(vocabulary) | PROSODY_PUNCTUATION if vocabulary is not None else DEFAULT_VOCABULARY
    dropped: Counter[str] = Counter()

    def speak(sentence: str) -> str:
        return speakable(sentence, allowed, dropped)

    plain = to_plain(text) if markdown else None
    if plain is not None:
        body = plain.text
        chapter_spans = chapters_at(body, [(h.title, h.plain_start, h.plain_end) for h in plain.headings])
    else:
        body, chapter_spans = text, split_chapters(text)
    chunks: list[Chunk] = []
    chapters: list[ChapterPlan] = []
    sentences = 0
    for chapter in chapter_spans:
        start = chapter.start if read_titles else chapter.heading_end
        planned = plan_chunks(
            body[start : chapter.end], max_chars, speak, sentence_per_chunk=sentence_per_chunk, offset=start
        )
        if not planned:
            continue
        chapters.append(ChapterPlan(chapter.title, len(chunks)))
        for c in planned:
            # Spans into what was read (the plain text of Markdown) become spans into what was submitted.
            span = (plain.source_start(c.start), plain.source_end(c.end)) if plain else (c.start, c.end)
            chunks.append(
                replace(
                    c,
                    index=len(chunks),
                    start=span[0],
                    end=span[1],
                    sentence=c.sentence + sentences,
                    chapter=len(chapters) - 1,
                    boundary=Boundary.CHAPTER if c.boundary is Boundary.END else c.boundary,
                )
            )
        sentences = chunks[-1].sentence + 1
    if chunks:
        chunks[-1] = replace(chunks[-1], boundary=Boundary.END)
    warnings = []
    if dropped:
        examples = [ch for ch, _ in dropped.most_common(_MAX_EXAMPLES)]
        listed = " ".join(f"{ch!r} (U+{ord(ch):04X}) ×{n}" for ch, n in dropped.most_common(_MAX_EXAMPLES))
        warnings.append(
            TextWarning(
                kind="unsupported_characters",
                count=sum(dropped.values()),
                examples=examples,
                message=f"{sum(dropped.values())} characters the voice cannot read were left out: {listed}",
            )
        )
    return PreparedText(chunks=chunks, warnings=warnings, chapters=chapters)


def pause_after(boundary: Boundary, sentence_ms: int, paragraph_ms: int) -> int:
    """Silence after a chunk, by what ends it; a chapter ends with three paragraph pauses."""
    return {
        Boundary.CHAPTER: 3 * paragraph_ms,
        Boundary.WORD: 0,
        Boundary.CLAUSE: sentence_ms // 2,
        Boundary.SENTENCE: sentence_ms,
        Boundary.PARAGRAPH: paragraph_ms,
        Boundary.END: 0,
    }[boundary]


def pauses_for(params: VoiceParams, settings: Settings) -> tuple[int, int]:
    """Sentence and paragraph pauses in milliseconds: the voice's own, else the settings'."""
    sentence = settings.sentence_pause_ms if params.sentence_pause_ms is None else params.sentence_pause_ms
    paragraph = (
        settings.paragraph_pause_ms if params.paragraph_pause_ms is None else params.paragraph_pause_ms
    )
    return sentence, paragraph
