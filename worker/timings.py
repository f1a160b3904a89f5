"""Sentence timings from the actual sample offsets: SRT and WebVTT subtitles and JSON marks (sentences,
chapters, and the places an SSML document marks with `<mark name>`).

Written to disk cue by cue as the programme is assembled, so a book's timings never sit in memory. Each
cue spans the sentence's audio, from the first sample of its first chunk to the last sample of its last
(a sentence longer than a chunk spans several); the final cue therefore ends where the audio ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from kontho.text.chunking import Chunk


@dataclass
class _Cue:
    sentence: int
    start_sample: int
    end_sample: int
    start_char: int
    end_char: int
    text: str
    """The sentence as written, without markup: what a listener reads along."""
    speaker: str | None = None


def _vtt_escape(text: str) -> str:
    """WebVTT cue text: &, < and > are markup there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clock(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


class TimingWriter:
    def __init__(self, folder: Path, sample_rate: int) -> None:
        self.srt = folder / "subtitles.srt"
        self.vtt = folder / "subtitles.vtt"
        self.marks = folder / "marks.json"
        self._rate = sample_rate
        self._open: _Cue | None = None
        self._count = 0
        self._entries = 0
        self.named_marks = 0
        """SSML ``<mark>``s written to marks.json."""
        self._files: list[IO[str]] = []

    def __enter__(self) -> TimingWriter:
        self._srt = self.srt.open("w", encoding="utf-8")
        self._vtt = self.vtt.open("w", encoding="utf-8")
        self._json = self.marks.open("w", encoding="utf-8")
        self._files = [self._srt, self._vtt, self._json]
        self._vtt.write("WEBVTT\n\n")
        self._json.write("[")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for f in self._files:
            f.close()

    def add(self, chunk: Chunk, start_sample: int, end_sample: int) -> None:
        """Record that ``chunk``'s speech occupies samples [start, end) of the programme."""
        if self._open is not None and self._open.sentence == chunk.sentence:
            self._open.end_sample = end_sample
            return
        self._emit()
        self._open = _Cue(
            chunk.sentence, start_sample, end_sample, chunk.start, chunk.end, chunk.written, chunk.speaker
        )

    def mark(self, name: str, sample: int) -> None:
        """An SSML ``<mark name>`` reached at ``sample``; the sentence cue open now is written first."""
        self._emit()
        self.named_marks += 1
        self._write_json({"type": "ssml", "name": name, "time_ms": self._ms(sample)})

    def chapter(self, index: int, title: str, sample: int) -> None:
        """Chapter ``index`` (from 0), titled as the programme's chapter list titles it, starts at ``sample``.

        Players and the console build their chapter navigation from these, so a job without chapter files
        still has titled chapters to jump to.
        """
        self._emit()
        self._write_json({"type": "chapter", "index": index, "title": title, "start_ms": self._ms(sample)})

    def _write_json(self, entry: dict[str, object]) -> None:
        self._entries += 1
        self._json.write(("\n" if self._entries == 1 else ",\n") + json.dumps(entry, ensure_ascii=False))

    def close(self) -> int:
        """Write the last cue and finish the files; returns the number of cues."""
        self._emit()
        self._json.write("\n]\n")
        return self._count

    def _ms(self, sample: int) -> int:
        return round(sample * 1000 / self._rate)

    def _emit(self) -> None:
        cue, self._open = self._open, None
        if cue is None:
            return
        self._count += 1
        start, end = self._ms(cue.start_sample), self._ms(cue.end_sample)
        line = cue.text
        # SRT has no speaker tag, so the name leads the line; WebVTT names the voice with <v>.
        srt_line = f"{cue.speaker}: {line}" if cue.speaker else line
        vtt_line = f"<v {_vtt_escape(cue.speaker)}>{_vtt_escape(line)}" if cue.speaker else _vtt_escape(line)
        self._srt.write(f"{self._count}\n{_clock(start, ',')} --> {_clock(end, ',')}\n{srt_line}\n\n")
        self._vtt.write(f"{_clock(start, '.')} --> {_clock(end, '.')}\n{vtt_line}\n\n")
        mark: dict[str, object] = {
            "type": "sentence",
            "index": self._count - 1,
            "text": line,
            "start_ms": start,
            "end_ms": end,
            "start_char": cue.start_char,
            "end_char": cue.end_char,
        }
        if cue.speaker:
            mark["speaker"] = cue.speaker
        self._write_json(mark)
