"""Chunks: the units a synthesis engine renders in one call.

A chunk's audio is cached under a digest of its text, so a job re-rendering an edited book reuses every
chunk whose text did not change. Where a paragraph is cut therefore matters as much as how long its
chunks are: packing sentences greedily up to ``max_chars`` makes every later cut of the paragraph
depend on every earlier sentence, so one sentence inserted, changed or deleted shifts all the cuts
after it and the rest of the paragraph renders again.

So the cuts are chosen by the content. A paragraph (a chunk never spans two) that fits in ``max_chars``
is one chunk. A longer one is cut after the sentence whose digest ranks highest among the places that
leave at least a third of ``max_chars`` on each side, and each side is cut again the same way until
every piece fits. The digest is of the sentence's last three words as written: a lexicon entry or
another voice changes what is read, not where it is cut, and a word changed earlier in a sentence
leaves its rank alone. A range that holds no edit has the same highest-ranked place before and after
the edit, and so the same cuts: an edit re-renders the chunk holding it and, now and then, a
neighbour whose cut the edited sentence now outranks. The digest is BLAKE2 from hashlib, the same in
every process (Python's ``hash()`` of a string is salted per process and would move every cut on each
run). The minimum keeps chunks from being tiny, since each chunk costs a synthesis call: chunks come
out a few percent shorter than greedy packing made them.

A sentence longer than ``max_chars`` is a chunk boundary of its own and is split at clause
punctuation, and a clause still too long at spaces. A single word longer than the limit (a run of
text with no spaces, as hostile or broken input has) is cut between letters, never between a letter
and its vowel sign, virama or joiner, so no chunk ever exceeds the limit an engine was sized for.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from kontho.text.segment import paragraphs_with_spans
from kontho.text.unicode import normalize_unicode

_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s*")

_SHORTEST_SHARE = 3
"""A cut the content chooses leaves at least ``max_chars // 3`` characters on each side."""
_RANKED_WORDS = 3
"""How many of a sentence's last words rank the place after it."""
_BALANCED_ABOVE = 16
"""A range longer than this many times ``max_chars`` is cut only where each side keeps a quarter of it,
so that text whose sentences were picked to rank in order cannot make planning quadratic."""


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


@dataclass(frozen=True)
class _Read:
    """A sentence of a paragraph as it will be read, with the rank that decides whether a cut follows it."""

    start: int
    end: int
    sentence: int
    spoken: str
    written: str
    rank: int


def _as_written_at(sentence: str, _start: int) -> str:
    return as_written(sentence)


def _rank_key(written: str) -> str:
    """What ranks the place after a sentence: its last words, so a word changed earlier in it moves no cut."""
    return " ".join(written.split()[-_RANKED_WORDS:])


def _cut_rank(key: str, earlier: int) -> int:
    """A stable pseudo-random rank of the place after a sentence whose ``_rank_key`` is ``key``.

    ``earlier`` counts the sentences before it in the paragraph with the same key, so they rank apart.
    """
    digest = hashlib.blake2b(f"{earlier}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _most_even_cut(prefix: list[int], lo: int, hi: int) -> int:
    middle = (prefix[lo] + prefix[hi]) / 2
    near = bisect_left(prefix, middle, lo + 1, hi - 1)
    options = [c for c in (near - 1, near) if lo < c < hi]
    return min(options, key=lambda c: max(prefix[c] - prefix[lo], prefix[hi] - prefix[c]))


def _cuts(lengths: list[int], ranks: list[int], max_chars: int) -> list[int]:
    """Where a run of sentences (each at most ``max_chars`` long) is cut: the sentences that start a chunk.

    ``ranks[i]`` ranks the place after sentence ``i``; a range longer than ``max_chars`` is cut at its
    highest-ranked place that leaves enough on either side (the most even place where none does).
    """
    prefix = [0, *itertools.accumulate(n + 1 for n in lengths)]  # a space between two sentences
    shortest = max_chars // _SHORTEST_SHARE
    cuts = []
    ranges = [(0, len(lengths))]
    while ranges:
        lo, hi = ranges.pop()
        size = prefix[hi] - prefix[lo] - 1
        if size <= max_chars:
            continue
        least = max(shortest, size // 4) if size > _BALANCED_ABOVE * max_chars else shortest
        # Cut c (sentences lo..c-1 | c..hi-1) leaves prefix[c] - prefix[lo] - 1 characters before it.
        first = bisect_left(prefix, prefix[lo] + 1 + least, lo + 1, hi)
        last = bisect_right(prefix, prefix[hi] - 1 - least, lo + 1, hi) - 1
        if first <= last:
            eligible = ranks[first - 1 : last]
            cut = first + eligible.index(max(eligible))
        else:
            cut = _most_even_cut(prefix, lo, hi)
        cuts.append(cut)
        ranges += [(lo, cut), (cut, hi)]
    return sorted(cuts)


def _packed(run: list[_Read], paragraph: int, max_chars: int) -> list[_Open]:
    """Consecutive sentences of one paragraph, none longer than ``max_chars``, as chunks."""
    if not run:
        return []
    cuts = _cuts([len(r.spoken) for r in run], [r.rank for r in run], max_chars)
    return [
        _Open(
            " ".join(r.spoken for r in group),
            group[0].start,
            group[-1].end,
            group[0].sentence,
            paragraph,
            Boundary.SENTENCE,
            " ".join(r.written for r in group),
        )
        for group in (run[a:b] for a, b in itertools.pairwise([0, *cuts, len(run)]))
    ]


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
    where ``text`` starts in the submitted text, so that chunk spans point into the whole. Where a
    paragraph is cut is chosen by its sentences (the module's docstring says why).
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    raw: list[_Open] = []
    sentence_index = 0
    for p_index, sentences in enumerate(paragraphs_with_spans(text)):
        run: list[_Read] = []
        seen: Counter[str] = Counter()
        for sentence in sentences:
            spoken = speak(sentence.text, sentence.start + offset)
            if not spoken:
                continue
            sid, sentence_index = sentence_index, sentence_index + 1
            written = as_written(sentence.text)
            key = _rank_key(written)
            rank, seen[key] = _cut_rank(key, seen[key]), seen[key] + 1
            read = _Read(sentence.start, sentence.end, sid, spoken, written, rank)
            if len(spoken) <= max_chars:
                run.append(read)
                if not sentence_per_chunk:
                    continue
            raw += _packed(run, p_index, max_chars)
            run = []
            if len(spoken) > max_chars:
                pieces = _split_long(spoken, max_chars)
                raw.extend(_Open(t, read.start, read.end, sid, p_index, b, written) for t, b in pieces[:-1])
                raw.append(
                    _Open(pieces[-1][0], read.start, read.end, sid, p_index, Boundary.SENTENCE, written)
                )
        raw += _packed(run, p_index, max_chars)
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
