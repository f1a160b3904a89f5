"""Streams chunk audio and pauses into one WAV file on disk, so memory never holds the programme."""

from __future__ import annotations

import wave
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from worker.engines.base import Audio

_SILENCE_BLOCK = 4096


class WavAssembler:
    """Append-only mono 16-bit WAV writer that counts what it wrote."""

    def __init__(self, path: Path, sample_rate: int) -> None:
        self.path = path
        self.sample_rate = sample_rate
        self.frames = 0
        self.data_offset = 0
        """Where the samples start in the file: a reader may follow the file while it grows."""
        self._file: BinaryIO | None = None
        self._wav: wave.Wave_write | None = None

    def __enter__(self) -> WavAssembler:
        self._file = self.path.open("wb")
        self._wav = wave.open(self._file, "wb")
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(self.sample_rate)
        self._wav.writeframesraw(b"")  # writes the header now, so the data offset is known
        self.data_offset = self._file.tell()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Finish the file (its header gets the final sizes); a second call does nothing."""
        if self._wav is not None:
            self._wav.close()
            self._wav = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def flush(self) -> int:
        """Push buffered samples to the file; returns the frames a reader of the file can now see."""
        if self._file is not None:
            self._file.flush()
        return self.frames

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    def write(self, audio: Audio) -> None:
        if self._wav is None:
            raise RuntimeError("WavAssembler must be used as a context manager")
        pcm = np.ascontiguousarray(audio, dtype="<i2")
        self._wav.writeframesraw(pcm.tobytes())
        self.frames += int(pcm.shape[0])

    def pause(self, milliseconds: int) -> None:
        remaining = self.sample_rate * milliseconds // 1000
        block = np.zeros(min(remaining, _SILENCE_BLOCK), dtype=np.int16)
        while remaining > 0:
            take = min(remaining, block.shape[0])
            self.write(block[:take])
            remaining -= take


def trim_silence(audio: Audio, threshold: int = 64) -> Audio:
    """Drop leading and trailing near-silence so kontho, not the engine, decides pause lengths."""
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > threshold)
    if loud.size == 0:
        return audio[:0]
    return audio[loud[0] : loud[-1] + 1]
