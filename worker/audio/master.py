"""Mastering one programme while it is assembled: decide its gain, encode behind synthesis, check the result.

The gain is decided from the programme's opening (``KONTHO_LOUDNESS_WINDOW_SECONDS`` of it, or all of a
shorter programme): a voice reading a book keeps a steady level, so its opening predicts the whole. From
then on ffmpeg encodes behind synthesis with that gain, and the feeder measures the whole programme as
it goes. When
the opening's gain would leave the whole further from the target than ``TOLERANCE_LU`` (a book whose first
minutes are much quieter or louder than the rest), it is encoded again from the WAV on disk with the gain
the whole programme asks for. The output is always within tolerance, and the second pass is paid only by
the rare programme that needs it. The opening is the same audio on every attempt, so a resumed job gets
the same gain as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import structlog

from kontho.jobspec import AudioFormat, Loudness
from worker.audio.assemble import WavAssembler
from worker.audio.limiter import Gain
from worker.audio.loudness import PRESETS, gain_for
from worker.audio.meter import LoudnessMeter
from worker.audio.stream import StreamingEncoder
from worker.engines.base import Audio

log = structlog.get_logger(__name__)

TOLERANCE_LU = 0.5


@dataclass(frozen=True)
class Mastered:
    path: Path
    loudness_lufs: float | None
    """Integrated loudness of the whole programme before its gain, measured on its way to the encoder."""
    gain: Gain | None
    """The gain and limiter applied, for cutting chapter files that match."""
    passes: int


class Master:
    def __init__(
        self,
        programme: WavAssembler,
        out_path: Path,
        fmt: AudioFormat,
        loudness: Loudness,
        window_seconds: float,
        mp3_bitrate: str,
        while_waiting: Callable[[], None] | None = None,
        processes: int = 1,
        title: str | None = None,
    ) -> None:
        self._processes = processes
        self._title = title
        self._while_waiting = while_waiting
        self._programme = programme
        self._out_path = out_path
        self._fmt = fmt
        self._target = None if loudness is Loudness.OFF else PRESETS[loudness.value]
        self._window_frames = round(window_seconds * programme.sample_rate)
        self._mp3_bitrate = mp3_bitrate
        self._meter = LoudnessMeter(programme.sample_rate)
        self._encoder: StreamingEncoder | None = None
        self._gain: Gain | None = None
        self._opening_lufs = float("-inf")
        self._decided = False

    def __enter__(self) -> Master:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._encoder is not None and exc is not None:
            self._encoder.abort()

    def wrote(self, audio: Audio | None = None, silence_frames: int = 0) -> None:
        """Call after each write to the programme: speech (``audio``) or a pause of ``silence_frames``."""
        if self._encoder is None:
            if self._target is not None:
                if audio is not None:
                    self._meter.feed(audio)
                if silence_frames:
                    self._meter.feed_silence(silence_frames)
            if self._target is None or self._programme.frames >= self._window_frames:
                self._start()
        self._advance()

    @property
    def gain_decided(self) -> bool:
        """Whether the programme's gain is known (its opening is measured, or loudness is off)."""
        return self._decided

    @property
    def gain(self) -> Gain | None:
        """The gain and limiter chosen so far; final unless ``finish`` encodes again."""
        return self._gain

    def finish(self) -> Mastered:
        """After the last write: wait for the encoder, and encode once more if the loudness missed."""
        if self._encoder is None:
            self._start()
        measured = self._drain()
        passes = 1
        if self._target is not None and self._gain is not None and measured is not None:
            miss = measured - self._opening_lufs
            if abs(miss) > TOLERANCE_LU:
                log.info(
                    "loudness_reencode",
                    programme_lufs=round(measured, 2),
                    opening_lufs=round(self._opening_lufs, 2),
                )
                self._start(measured)
                self._drain()
                passes = 2
        return Mastered(self._out_path, measured, self._gain, passes)

    def _drain(self) -> float | None:
        self._advance()
        encoder, self._encoder = self._encoder, None
        if encoder is None:
            raise RuntimeError("no encoder is running")
        with encoder:
            return encoder.finish(self._while_waiting)

    def _start(self, lufs: float | None = None) -> None:
        """Encode from the first frame with the gain ``lufs`` asks for (by default the opening's loudness)."""
        self._gain = None
        self._decided = True
        if self._target is not None:
            self._opening_lufs = self._meter.integrated_lufs if lufs is None else lufs
            self._gain = gain_for(self._target, self._opening_lufs)
        log.info(
            "encoding_started",
            after_seconds=round(self._programme.seconds, 1),
            mastering=self._gain.describe() if self._gain else None,
        )
        self._encoder = StreamingEncoder(
            self._programme.path,
            self._programme.data_offset,
            self._programme.sample_rate,
            self._out_path,
            self._fmt,
            mp3_bitrate=self._mp3_bitrate,
            gain=self._gain,
            processes=self._processes,
            title=self._title,
        )

    def _advance(self) -> None:
        if self._encoder is not None:
            self._encoder.advance(self._programme.flush())
