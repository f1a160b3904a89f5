"""How one sentence is read aloud: replacements first (SSML, lexicons), then the reading rules.

A sentence is cut into pieces: spans an SSML document replaces (``<sub>``, ``<say-as>``, ``<phoneme>``),
then, in what is left, the written forms a job's lexicons match. Every other piece goes through the
reading rules (kontho/text/verbalize.py), Bangla repair and the voice's character set. Text outside the
replaced spans is never moved or lost: the pieces are read in order and joined with the spacing they
were written with.

For a voice whose model reads phonemes, a phoneme string (from a lexicon entry or ``<phoneme>``) goes
into the chunk between kontho/text/inline_phonemes.py's markers; any other voice reads the entry's alias,
or the words as written, and the job warns that the phonemes were not used.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from kontho.text import inline_phonemes
from kontho.text.chunking import LexiconUse, as_written
from kontho.text.say_as import SayAsError, read_as
from kontho.text.unicode import normalize_unicode, repair_bangla
from kontho.text.verbalize import verbalize

if TYPE_CHECKING:
    from kontho.lexicon import LexiconSet

_SPACES = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class Replacement:
    """A span of the text that is read as something else (from SSML)."""

    start: int
    end: int
    kind: Literal["sub", "say-as", "phoneme"]
    value: str
    detail: str | None = None


@dataclass
class ReadingLog:
    """What reading a text left behind: characters dropped, what was not honoured, entries applied."""

    dropped: Counter[str] = field(default_factory=Counter)
    phonemes_unread: Counter[str] = field(default_factory=Counter)
    say_as_unread: Counter[str] = field(default_factory=Counter)
    applied: list[tuple[int, LexiconUse]] = field(default_factory=list)
    """(offset in the text, the entry): where each lexicon entry was applied."""


def drop_unsupported(text: str, vocabulary: frozenset[str], dropped: Counter[str]) -> str:
    kept = []
    for ch in text:
        if ch in vocabulary or ch.isspace():
            kept.append(ch)
        else:
            dropped[ch] += 1
    return _SPACES.sub(" ", "".join(kept)).strip()


def read_piece(text: str, vocabulary: frozenset[str], dropped: Counter[str]) -> str:
    """Text as the voice will read it: the rules, Bangla repair, and only the voice's characters."""
    clean = inline_phonemes.strip(text)
    return drop_unsupported(repair_bangla(verbalize(as_written(clean))), vocabulary, dropped)


def speakable(sentence: str, vocabulary: frozenset[str], dropped: Counter[str]) -> str:
    """A sentence as the voice will read it; empty when nothing in it can be said aloud."""
    spoken = read_piece(sentence, vocabulary, dropped)
    return spoken if any(ch.isalpha() for ch in spoken) else ""


class Reader:
    """Reads sentences of one text for one voice; ``speak`` is what kontho/text/chunking.py calls."""

    def __init__(
        self,
        vocabulary: frozenset[str],
        *,
        lexicons: LexiconSet | None = None,
        reads_phonemes: bool = False,
        replacements: Sequence[Replacement] = (),
        log: ReadingLog | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.lexicons = lexicons
        self.reads_phonemes = reads_phonemes
        self.log = log or ReadingLog()
        self._replacements = sorted(replacements, key=lambda r: r.start)
        self._ends = [r.end for r in self._replacements]

    def speak(self, sentence: str, start: int) -> str:
        """``sentence``, which starts at ``start`` in the whole text, as the voice will read it."""
        end = start + len(sentence)
        pieces: list[tuple[str, str]] = []  # (spoken, as written)
        at = start
        first = bisect.bisect_right(self._ends, start)
        for r in self._replacements[first:]:
            if r.start >= end:
                break
            if r.start < start:  # began in an earlier sentence, which read it whole
                at = max(at, min(r.end, end))
                continue
            if r.start > at:
                pieces += self._plain(sentence[at - start : r.start - start], at)
            written = sentence[r.start - start : min(r.end, end) - start]
            pieces.append((self._replaced(r, written), written))
            at = min(r.end, end)
        if at < end:
            pieces += self._plain(sentence[at - start :], at)
        spoken = _join(pieces)
        has_phonemes = inline_phonemes.OPEN in spoken
        return spoken if has_phonemes or any(ch.isalpha() for ch in spoken) else ""

    def _read(self, text: str) -> str:
        return read_piece(text, self.vocabulary, self.log.dropped)

    def _plain(self, text: str, at: int) -> list[tuple[str, str]]:
        """A piece with no SSML replacement: lexicon entries where they match, the rules elsewhere."""
        if self.lexicons is None or not text.strip():
            return [(self._read(text), text)]
        normalized = normalize_unicode(text)
        pieces: list[tuple[str, str]] = []
        done = 0
        for match in self.lexicons.find(normalized):
            if match.start > done:
                piece = normalized[done : match.start]
                pieces.append((self._read(piece), piece))
            written = normalized[match.start : match.end]
            entry = match.entry
            if entry.phoneme and self.reads_phonemes:
                spoken, reads = inline_phonemes.wrap(entry.phoneme), entry.phoneme
            elif entry.alias:
                spoken, reads = self._read(entry.alias), entry.alias
            else:  # phonemes only, and a voice that cannot read them
                self.log.phonemes_unread[written] += 1
                spoken, reads = self._read(written), written
            self.log.applied.append((at + match.start, LexiconUse(match.lexicon, entry.grapheme, reads)))
            pieces.append((spoken, written))
            done = match.end
        if done < len(normalized):
            piece = normalized[done:]
            pieces.append((self._read(piece), piece))
        return pieces

    def _replaced(self, r: Replacement, written: str) -> str:
        if r.kind == "sub":
            return self._read(r.value)
        if r.kind == "phoneme":
            if self.reads_phonemes:
                return inline_phonemes.wrap(r.value)
            self.log.phonemes_unread[written] += 1
            return self._read(written)
        try:
            return self._read(read_as(written, r.value, r.detail))
        except SayAsError as exc:
            self.log.say_as_unread[f"{written} ({r.value}: {exc})"] += 1
            return self._read(written)


def _join(pieces: list[tuple[str, str]]) -> str:
    """Spoken pieces in order, a space between two where the written text had one (or a piece is empty)."""
    out = ""
    previous = ""
    for spoken, written in pieces:
        if not spoken:
            previous = written
            continue
        if out and (not written[:1].strip() or not previous[-1:].strip() or _needs_space(out, spoken)):
            out += " "
        out += spoken
        previous = written
    return _SPACES.sub(" ", out).strip()


def _needs_space(before: str, after: str) -> bool:
    # Between a phoneme span and a word, or two words that were glued in writing but read as separate
    # replacements, the voice needs a word break.
    return before.endswith(inline_phonemes.CLOSE) or after.startswith(inline_phonemes.OPEN)
