"""Chunks: the units a synthesis engine renders in one call.

Whole sentences are packed into a chunk up to ``max_chars``. A sentence longer than that is split at
clause punctuation, and a clause still too long at spaces. A single word longer than the limit (a run of
text with no spaces, as hostile or broken input has) is cut between letters, never between a letter and
its vowel sign, virama or joiner, so no chunk ever exceeds the limit an engine was sized for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from kontho.text.segment import paragraphs_with_spans
from kontho.text.unicode import normalize_unicode

_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s*")


class Boundary(StrEnum):
    """What follows a chunk, which decides the pause inserted after it."""

    WORD = "word"
    CLAUSE = "clause"
    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"
    CHAPTER = "chapter"
    TURN = "turn"
    """The next chunk has another speaker."""
    END = "end"


@dataclass(frozen=True)
class LexiconUse:
    """A lexicon entry that changed how a chunk is read."""

    lexicon: str
    grapheme: str
    reads: str
    """What was read instead: the alias, or the phoneme string."""


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    paragraph: int
    boundary: Boundary
    start: int = 0
    """Code point offset, in the submitted text, of the first sentence the chunk reads."""
    end: int = 0
    """Code point offset just past the last sentence the chunk reads (or part of)."""
    sentence: int = 0
    """Index of the chunk's first sentence among the text's sentences."""
    chapter: int = 0
    written: str = ""
    """The sentences it reads as written (normalized, without markup): what subtitles show. A piece of a
    sentence longer than a chunk carries the whole sentence."""
    pause_ms: int | None = None
    """Silence after it when the text says how long (an SSML break); else its boundary decides."""
    pause_before_ms: int = 0
    """Silence before it: a break before anything was said."""
    rate: float = 1.0
    """Speaking rate: 1.0 is the voice's own, 0.5 half as fast."""
    marks: tuple[str, ...] = ()
    """SSML marks at its start."""
    marks_after: tuple[str, ...] = ()
    """SSML marks after it with nothing spoken after them (only on the last chunk)."""
    lexicon: tuple[LexiconUse, ...] = ()
    """The lexicon entries applied in the sentences it reads."""
    speaker: str | None = None
    """The dialogue speaker who reads it; None for the narrator (the job's voice)."""
    voice: str | None = None
    """The voice id that reads it; None for the job's voice."""


def _joins_previous(word: str, i: int) -> bool:
    """Whether ``word[i]`` belongs to the same written cluster as ``word[i - 1]``."""
    return (
        unicodedata.category(word[i]).startswith("M") or word[i] in "\u200c\u200d" or word[i - 1] == "\u09cd"
    )


def _cut_word(word: str, max_chars: int) -> list[str]:
    pieces = []
    start = 0
    while len(word) - start > max_chars:
        cut = start + max_chars
        while cut > start + 1 and _joins_previous(word, cut):
            cut -= 1
        if cut == start + 1:  # one cluster longer than the limit: cut it anyway
            cut = start + max_chars
        pieces.append(word[start:cut])
        start = cut
    pieces.append(word[start:])
    return pieces


def _split_words(text: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for word in (piece for whole in text.split(" ") for piece in _cut_word(whole, max_chars)):
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) > max_chars:
            pieces.append(current)
            current = word
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _split_long(sentence: str, max_chars: int) -> list[tuple[str, Boundary]]:
    """Pieces of an over-long sentence, each tagged with the boundary that ends it."""
    clauses = [c for c in _CLAUSE_END.split(sentence) if c.strip()]
    pieces: list[tuple[str, Boundary]] = []
    current = ""
    for clause in clauses:
        clause = clause.strip()
        candidate = f"{current} {clause}" if current else clause
        if len(candidate) <= max_chars:
            current = candidate
            continue
        if current:
            pieces.append((current, Boundary.CLAUSE))
        if len(clause) <= max_chars:
            current = clause
        else:
            words = _split_words(clause, max_chars)
            pieces.extend((w, Boundary.WORD) for w in words[:-1])
            pieces.append((words[-1], Boundary.CLAUSE))
            current = ""
    if current:
        pieces.append((current, Boundary.CLAUSE))
    return pieces


def as_written(sentence: str) -> str:
    """The sentence normalized (Unicode, whitespace) but otherwise as written."""
    return " ".join(normalize_unicode(sentence).split())


@dataclass
class _Open:
    """A chunk being packed."""

    text: str
    start: int
    end: int
    sentence: int
    paragraph: int
    boundary: Boundary
    written: str


def _as_written_at(sentence: str, _start: int) -> str:
    return as_written(sentence)


def plan_chunks(
    text: str,
    max_chars: int,
    speak: Callable[[str, int], str] = _as_written_at,
    *,
    sentence_per_chunk: bool = False,
    offset: int = 0,
) -> list[Chunk]:
    """Split ``text`` into chunks of at most ``max_chars`` characters (a lone longer word excepted).

    ``speak`` turns each sentence as written, and where it starts in the whole (``offset`` added), into
    what is read aloud, before packing (the front-end's reader); a sentence it leaves empty is
    skipped. With ``sentence_per_chunk`` no two sentences
    share a chunk, so each sentence's time in the audio is exact (subtitles need that). ``offset`` is
    where ``text`` starts in the submitted text, so that chunk spans point into the whole.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    raw: list[_Open] = []
    sentence_index = 0
    for p_index, sentences in enumerate(paragraphs_with_spans(text)):
        current: _Open | None = None
        for sentence in sentences:
            spoken = speak(sentence.text, sentence.start + offset)
            if not spoken:
                continue
            sid, sentence_index = sentence_index, sentence_index + 1
            written = as_written(sentence.text)
            too_long = len(spoken) > max_chars
            if current and (
                too_long or sentence_per_chunk or len(current.text) + 1 + len(spoken) > max_chars
            ):
                raw.append(current)
                current = None
            if too_long:
                pieces = _split_long(spoken, max_chars)
                raw.extend(
                    _Open(t, sentence.start, sentence.end, sid, p_index, b, written) for t, b in pieces[:-1]
                )
                raw.append(
                    _Open(
                        pieces[-1][0], sentence.start, sentence.end, sid, p_index, Boundary.SENTENCE, written
                    )
                )
            elif current:
                current.text, current.end = f"{current.text} {spoken}", sentence.end
                current.written = f"{current.written} {written}"
            else:
                current = _Open(
                    spoken, sentence.start, sentence.end, sid, p_index, Boundary.SENTENCE, written
                )
        if current:
            raw.append(current)
        if raw and raw[-1].paragraph == p_index:
            raw[-1].boundary = Boundary.PARAGRAPH
    final = len(raw) - 1
    return [
        Chunk(
            i,
            o.text,
            o.paragraph,
            Boundary.END if i == final else o.boundary,
            o.start + offset,
            o.end + offset,
            o.sentence,
            written=o.written,
        )
        for i, o in enumerate(raw)
    ]
