"""The Bangla text front-end: submitted text in, the chunks a voice will read out, and what it could not.

Markdown to plain text, or SSML to text and events → chapters → runs between SSML events (breaks,
marks, rate changes) → paragraphs → sentences → read each sentence (kontho/text/reading.py: SSML
replacements, lexicon entries, then numbers, dates … as words, Bangla repair, and what the voice cannot
say dropped and counted) → pack chunks.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from kontho.schemas import TextWarning
from kontho.settings import Settings
from kontho.text.chapters import Chapter, chapters_at, split_chapters
from kontho.text.chunking import Boundary, Chunk, plan_chunks
from kontho.text.markdown import to_plain
from kontho.text.reading import Reader, ReadingLog, Replacement, speakable
from kontho.text.speakers import Turn, paragraph_turns, ssml_turns, voice_of
from kontho.text.ssml import SsmlDocument, parse_ssml
from kontho.voices import VoiceParams

if TYPE_CHECKING:
    from kontho.lexicon import LexiconSet

__all__ = ["DEFAULT_VOCABULARY", "PreparedText", "prepare", "silence_after", "speakable"]

# What any voice may see besides its letters: spaces and the punctuation that shapes prosody.
PROSODY_PUNCTUATION = frozenset(" ,;:!?।॥-—–.'\"“”‘’()")
_BANGLA = frozenset(chr(c) for c in range(0x0980, 0x0A00)) | frozenset("\u200c\u200d")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
DEFAULT_VOCABULARY = _BANGLA | _LATIN | PROSODY_PUNCTUATION
"""What a voice without a declared character set (espeak-ng) can read."""

_MAX_EXAMPLES = 10
_SENTENCE_END = frozenset("।॥?!.")

TextFormat = Literal["plain", "markdown", "ssml"]


@dataclass(frozen=True)
class VoiceReading:
    """What a dialogue speaker's voice can read: its characters (None: any), and whether phonemes."""

    vocabulary: Iterable[str] | None
    reads_phonemes: bool = False


@dataclass(frozen=True)
class ChapterPlan:
    title: str | None
    first_chunk: int
    number: int = 0
    """Its place among the text's chapters, from 1: what a job's ``chapters`` selection names."""


@dataclass(frozen=True)
class PreparedText:
    chunks: list[Chunk]
    warnings: list[TextWarning]
    chapters: list[ChapterPlan] = field(default_factory=list)

    @property
    def characters(self) -> int:
        return sum(len(c.text) for c in self.chunks)


@dataclass
class _Events:
    """Where an SSML document asks for something between words: silence, a mark, a new rate, an end."""

    breaks: dict[int, int] = field(default_factory=dict)
    marks: dict[int, list[str]] = field(default_factory=dict)
    sentence_ends: frozenset[int] = frozenset()
    rates: list[tuple[int, int, float]] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)

    @classmethod
    def of(cls, doc: SsmlDocument) -> _Events:
        events = cls(sentence_ends=frozenset(doc.sentence_ends))
        for b in doc.breaks:
            events.breaks[b.at] = events.breaks.get(b.at, 0) + b.ms
        for m in doc.marks:
            events.marks.setdefault(m.at, []).append(m.name)
        events.rates = [(r.start, r.end, r.rate) for r in doc.rates]
        return events

    def cuts(self, start: int, end: int) -> list[int]:
        """Where chunks must end inside [start, end), so each event falls between two chunks."""
        places = {*self.breaks, *self.marks, *self.sentence_ends}
        places.update(p for s, e, _ in self.rates for p in (s, e))
        places.update(p for t in self.turns for p in (t.label_start, t.start, t.end))
        return sorted(p for p in places if start < p < end)

    def turn_at(self, at: int) -> Turn | None:
        return next((t for t in self.turns if t.start <= at < t.end), None)

    def is_label(self, start: int, end: int) -> bool:
        """Whether [start, end) is a speaker's label, which is not read."""
        return any(t.label_start <= start and end <= t.start for t in self.turns)

    def rate_at(self, at: int) -> float:
        """The innermost rate span's rate at ``at`` (spans carry their nesting already multiplied)."""
        inside = [(e - s, rate) for s, e, rate in self.rates if s <= at < e]
        return min(inside)[1] if inside else 1.0


class _Assembly:
    """Chunks of consecutive runs of text put together, with the events between the runs."""

    def __init__(self, body: str, events: _Events, speakers: Mapping[str, str]) -> None:
        self.body = body
        self.speakers = speakers
        self.events = events
        self.chunks: list[Chunk] = []
        self.chapters: list[ChapterPlan] = []
        self._sentences = 0
        self._paragraph = -1
        self._pause_before = 0
        self._marks: list[str] = []
        self._places_done: set[int] = set()
        self.chapter_number = 0

    def _events_at(self, place: int) -> tuple[int, list[str]]:
        """The silence and marks at ``place``, once: a place ends one run and starts the next."""
        if place in self._places_done:
            return 0, []
        self._places_done.add(place)
        return self.events.breaks.get(place, 0), self.events.marks.get(place, [])

    def add_run(self, start: int, end: int, planned: list[Chunk], chapter: Chapter, opens: bool) -> None:
        pause, marks = self._events_at(start)
        self._pause_before += pause
        self._marks += marks
        if planned:
            self._add_chunks(start, end, planned, chapter, opens)
        pause, marks = self._events_at(end)
        self._marks += marks  # for the next chunk, or after the last
        if pause and self.chunks:
            last = self.chunks[-1]
            self.chunks[-1] = replace(last, pause_ms=(last.pause_ms or 0) + pause)
        elif pause:  # nothing said yet: silence before the first words
            self._pause_before += pause

    def _add_chunks(self, start: int, end: int, planned: list[Chunk], chapter: Chapter, opens: bool) -> None:
        if opens:
            self.chapters.append(ChapterPlan(chapter.title, len(self.chunks), self.chapter_number))
            self._paragraph = -1
        starts_paragraph = opens or "\n" in self.body[self.chunks[-1].end : planned[0].start]
        base = self._paragraph + 1 if starts_paragraph else self._paragraph
        rate = self.events.rate_at(start)
        turn = self.events.turn_at(start)
        speaker = turn.speaker if turn else None
        voice = voice_of(speaker, self.speakers) if speaker else None
        for c in planned:
            self.chunks.append(
                replace(
                    c,
                    index=len(self.chunks),
                    paragraph=base + c.paragraph,
                    sentence=c.sentence + self._sentences,
                    chapter=len(self.chapters) - 1,
                    rate=rate,
                    speaker=speaker,
                    voice=voice,
                    marks=tuple(self._marks),
                    pause_before_ms=self._pause_before,
                )
            )
            self._marks, self._pause_before = [], 0
        last = self.chunks[-1]
        self._paragraph, self._sentences = last.paragraph, last.sentence + 1
        if end == chapter.end:
            boundary = Boundary.CHAPTER
        elif "\n" in self.body[last.end : end + 1]:  # a run may end right at its line's end
            boundary = Boundary.PARAGRAPH
        elif end in self.events.sentence_ends or last.text.rstrip("\"'”’)]")[-1:] in _SENTENCE_END:
            boundary = Boundary.SENTENCE
        else:  # a mark, a break or a new rate inside a sentence
            boundary = Boundary.WORD
        self.chunks[-1] = replace(last, boundary=boundary)

    def finish(self) -> None:
        for i, (this, following) in enumerate(itertools.pairwise(self.chunks)):
            turned = this.speaker != following.speaker and this.boundary is not Boundary.CHAPTER
            if turned and this.boundary in (Boundary.SENTENCE, Boundary.PARAGRAPH, Boundary.CLAUSE):
                self.chunks[i] = replace(this, boundary=Boundary.TURN)
        if self.chunks:
            last = self.chunks[-1]
            self.chunks[-1] = replace(last, boundary=Boundary.END, marks_after=tuple(self._marks))


def chapter_count(text: str, text_format: TextFormat) -> int:
    """How many chapters ``text`` has, numbered as ``prepare`` and the preview number them."""
    if text_format == "ssml":
        return 1
    return len(split_chapters(text, markdown=text_format == "markdown"))


def prepare(
    text: str,
    max_chars: int,
    vocabulary: Iterable[str] | None = None,
    *,
    sentence_per_chunk: bool = False,
    text_format: TextFormat = "plain",
    read_titles: bool = True,
    lexicons: LexiconSet | None = None,
    reads_phonemes: bool = False,
    speakers: Mapping[str, str] | None = None,
    speaker_mark: str = ":",
    speaker_voices: Mapping[str, VoiceReading] | None = None,
    chapters: Collection[int] | None = None,
) -> PreparedText:
    """The chunks a voice will read, chapter by chapter, and what it cannot read.

    A chapter's heading is read as its first paragraph unless ``read_titles`` is false. Markdown is read
    as the plain text kontho/text/markdown.py makes of it, no mark said aloud; chunk spans still point
    into ``text``. SSML is read as kontho/text/ssml.py parses it (``SsmlInvalid`` when it cannot be);
    its chunk spans point into the document's text content. ``lexicons`` are applied to every sentence.
    ``speakers`` (name → voice id) makes labelled paragraphs, or SSML ``<voice>`` spans, dialogue turns
    (kontho/text/speakers.py): their chunks carry the speaker and the voice, and are read for that voice
    (``speaker_voices``, by voice id; the job's voice's ``vocabulary`` where a voice is not there).
    ``chapters`` (numbers from 1, in the text's order) reads only those chapters.
    """
    speakers = speakers or {}
    doc = parse_ssml(text) if text_format == "ssml" else None
    plain = to_plain(text) if text_format == "markdown" else None
    replacements: list[Replacement] = []
    events = _Events()
    if doc is not None:
        body = doc.text
        chapter_spans = chapters_at(body, []) if body.strip() else []
        replacements = [Replacement(s.start, s.end, s.kind, s.value, s.detail) for s in doc.substitutions]
        events = _Events.of(doc)
        events.turns = ssml_turns(doc.voices, speakers)
    elif plain is not None:
        body = plain.text
        chapter_spans = chapters_at(body, [(h.title, h.plain_start, h.plain_end) for h in plain.headings])
    else:
        body, chapter_spans = text, split_chapters(text)
    if doc is None:
        events.turns = paragraph_turns(body, speakers, speaker_mark)
    log = ReadingLog()
    readers: dict[str | None, Reader] = {}

    def reader_for(voice: str | None) -> Reader:
        if voice not in readers:
            reading = (speaker_voices or {}).get(voice or "") or VoiceReading(vocabulary, reads_phonemes)
            readers[voice] = Reader(
                _allowed(reading.vocabulary),
                lexicons=lexicons,
                reads_phonemes=reading.reads_phonemes,
                replacements=replacements,
                log=log,
            )
        return readers[voice]

    assembly = _Assembly(body, events, speakers)
    for number, chapter in enumerate(chapter_spans, start=1):
        if chapters is not None and number not in chapters:
            continue
        assembly.chapter_number = number
        start = chapter.start if read_titles else chapter.heading_end
        places = [start, *events.cuts(start, chapter.end), chapter.end]
        opened = False
        for run_start, run_end in itertools.pairwise(places):
            if events.is_label(run_start, run_end):
                continue
            turn = events.turn_at(run_start)
            reader = reader_for(voice_of(turn.speaker, speakers) if turn else None)
            planned = plan_chunks(
                body[run_start:run_end],
                max_chars,
                reader.speak,
                sentence_per_chunk=sentence_per_chunk,
                offset=run_start,
            )
            assembly.add_run(run_start, run_end, planned, chapter, opens=bool(planned) and not opened)
            opened = opened or bool(planned)
    assembly.finish()
    chunks = _with_lexicon_uses(assembly.chunks, log)
    if plain is not None:
        # Spans into what was read (the plain text of Markdown) become spans into what was submitted.
        chunks = [replace(c, start=plain.source_start(c.start), end=plain.source_end(c.end)) for c in chunks]
    warnings = _warnings(log, doc)
    return PreparedText(chunks=chunks, warnings=warnings, chapters=assembly.chapters)


def _allowed(vocabulary: Iterable[str] | None) -> frozenset[str]:
    return frozenset(vocabulary) | PROSODY_PUNCTUATION if vocabulary is not None else DEFAULT_VOCABULARY


def _with_lexicon_uses(chunks: list[Chunk], log: ReadingLog) -> list[Chunk]:
    if not log.applied:
        return chunks
    applied = sorted(log.applied, key=lambda a: a[0])
    offsets = [at for at, _ in applied]
    out = []
    for c in chunks:
        lo, hi = bisect.bisect_left(offsets, c.start), bisect.bisect_left(offsets, c.end)
        uses = tuple(dict.fromkeys(use for _, use in applied[lo:hi]))
        out.append(replace(c, lexicon=uses) if uses else c)
    return out


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _warnings(log: ReadingLog, doc: SsmlDocument | None) -> list[TextWarning]:
    warnings = []
    if log.dropped:
        total = sum(log.dropped.values())
        common = log.dropped.most_common(_MAX_EXAMPLES)
        listed = " ".join(f"{ch!r} (U+{ord(ch):04X}) ×{n}" for ch, n in common)
        warnings.append(
            TextWarning(
                kind="unsupported_characters",
                count=total,
                examples=[ch for ch, _ in log.dropped.most_common(_MAX_EXAMPLES)],
                message=f"{_plural(total, 'character', 'characters')} the voice cannot read "
                f"{'was' if total == 1 else 'were'} left out: {listed}",
            )
        )
    if log.phonemes_unread:
        warnings.append(
            _counted(
                "phonemes_not_read",
                log.phonemes_unread,
                "this voice does not read phonemes, so these were read as written (give the lexicon "
                "entry an alias, or choose a voice whose model reads phonemes)",
            )
        )
    if log.say_as_unread:
        warnings.append(_counted("say_as_not_read", log.say_as_unread, "read as written instead"))
    if doc is not None and doc.notes:
        examples = [n.message for n in doc.notes[:_MAX_EXAMPLES]]  # each names its line
        warnings.append(
            TextWarning(
                kind="ssml_not_honoured",
                count=len(doc.notes),
                examples=examples,
                message=f"{_plural(len(doc.notes), 'SSML instruction', 'SSML instructions')} "
                f"kontho does not honour: {'; '.join(examples)}",
            )
        )
    return warnings


def _counted(kind: str, counts: Counter[str], what: str) -> TextWarning:
    total = sum(counts.values())
    examples = [text for text, _ in counts.most_common(_MAX_EXAMPLES)]
    return TextWarning(
        kind=kind,
        count=total,
        examples=examples,
        message=f"{_plural(total, 'place', 'places')}: {what}: {', '.join(examples)}",
    )


def pause_after(boundary: Boundary, sentence_ms: int, paragraph_ms: int) -> int:
    """Silence after a chunk, by what ends it; a chapter ends with three paragraph pauses."""
    return {
        Boundary.CHAPTER: 3 * paragraph_ms,
        Boundary.TURN: sentence_ms,
        Boundary.WORD: 0,
        Boundary.CLAUSE: sentence_ms // 2,
        Boundary.SENTENCE: sentence_ms,
        Boundary.PARAGRAPH: paragraph_ms,
        Boundary.END: 0,
    }[boundary]


def silence_after(chunk: Chunk, sentence_ms: int, paragraph_ms: int) -> int:
    """Milliseconds of silence after ``chunk``: an SSML break's own length, else its boundary's pause."""
    if chunk.pause_ms is not None:
        return chunk.pause_ms
    return pause_after(chunk.boundary, sentence_ms, paragraph_ms)


def pauses_for(params: VoiceParams, settings: Settings) -> tuple[int, int]:
    """Sentence and paragraph pauses in milliseconds: the voice's own, else the settings'."""
    sentence = settings.sentence_pause_ms if params.sentence_pause_ms is None else params.sentence_pause_ms
    paragraph = (
        settings.paragraph_pause_ms if params.paragraph_pause_ms is None else params.paragraph_pause_ms
    )
    return sentence, paragraph
