"""Encoding that runs behind synthesis: ffmpeg follows the programme WAV while it is still being written.

Synthesis appends to the WAV on local disk; a feeder thread reads what has been committed and pipes it
to one ffmpeg process. The file itself is the buffer between the two, so memory stays constant however
far the encoder falls behind, and a slow codec (Opus, AAC) costs only the time it needs beyond synthesis.
On its way the feeder measures the programme's loudness (before the gain, so the caller can check the
gain it chose without reading the audio again) and applies the gain and limiter itself: ffmpeg is left
with its codec alone, and the feeder's work runs on another core beside it. Lossy codecs are slow enough
to be spread over several encoders (``worker.audio.segments``); FLAC and WAV go to one ffmpeg through a
pipe.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np
import structlog

from kontho.errors import EncodeFailed
from kontho.jobspec import AudioFormat
from worker.audio.encode import codec_args, pcm_encoder_args
from worker.audio.limiter import Gain, PeakLimiter
from worker.audio.meter import LoudnessMeter
from worker.audio.segments import SegmentSink, frame_samples

log = structlog.get_logger(__name__)

_READ_BYTES = 1 << 19
_PIPE_BYTES = 1 << 20
_IDLE_WAIT_SECONDS = 0.2
_LIVENESS_SECONDS = 5.0


class StreamingEncoder:
    """One ffmpeg encode of a growing mono 16-bit WAV; ``advance`` says how far the file is written."""

    def __init__(
        self,
        source: Path,
        data_offset: int,
        sample_rate: int,
        out_path: Path,
        fmt: AudioFormat,
        mp3_bitrate: str = "128k",
        gain: Gain | None = None,
        title: str | None = None,
        measure: bool = True,
        processes: int = 1,
    ) -> None:
        self.out_path = out_path
        self._source = source
        self._data_offset = data_offset
        self._committed = 0
        self._closed = False
        self._failure: BaseException | None = None
        self._finished = False
        self._more = threading.Condition()
        # Measured before the gain: the programme's own loudness, which decides the gain it needs.
        self._meter = LoudnessMeter(sample_rate, true_peak=False) if measure else None
        self._limiter = PeakLimiter(gain, sample_rate) if gain is not None else None
        frame = frame_samples(fmt, sample_rate)
        self._sink: SegmentSink | _PipeSink
        if frame is not None:
            self._sink = SegmentSink(out_path, fmt, sample_rate, frame, processes, mp3_bitrate, title)
        else:
            self._sink = _PipeSink(out_path, fmt, sample_rate, mp3_bitrate, title)
        self._feeder = threading.Thread(target=self._feed, name="encoder-feed", daemon=True)
        self._feeder.start()

    def __enter__(self) -> StreamingEncoder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is not None or not self._finished:
            self.abort()

    def advance(self, frames: int) -> None:
        """The source now holds ``frames`` frames on disk (flushed); the feeder may read up to there."""
        with self._more:
            self._committed = frames * 2
            self._more.notify()

    def finish(self, while_waiting: Callable[[], None] | None = None) -> float | None:
        """Wait for the encoder to take everything committed; returns the programme's integrated loudness.

        ``while_waiting`` is called every few seconds meanwhile: the tail of a long book can take minutes to
        encode, and the worker's liveness must not mistake that for a hang.
        """
        with self._more:
            self._closed = True
            self._more.notify()
        while self._feeder.is_alive():
            self._feeder.join(timeout=_LIVENESS_SECONDS)
            if while_waiting is not None:
                while_waiting()
        if self._failure is not None:
            # The encoder's own words about why, where it has any; else what the feeder met.
            try:
                self._sink.finish(while_waiting)
            except EncodeFailed as exc:
                raise exc from self._failure
            finally:
                self._finished = True
            raise EncodeFailed(f"the programme could not be encoded: {self._failure}") from self._failure
        self._sink.finish(while_waiting)
        self._finished = True
        if self._meter is None:
            return None
        lufs = self._meter.integrated_lufs
        return lufs if math.isfinite(lufs) else None

    def abort(self) -> None:
        with self._more:
            self._closed = True
            self._more.notify()
        self._sink.abort()
        self._feeder.join(timeout=5)
        self._finished = True

    def _master(self, samples: np.ndarray) -> bytes:
        if self._meter is not None:
            self._meter.feed(samples)
        if self._limiter is None:
            return samples.tobytes()
        return self._limiter.process(samples).astype("<i2").tobytes()

    def _feed(self) -> None:
        position = 0
        try:
            with self._source.open("rb") as source:
                source.seek(self._data_offset)
                while True:
                    with self._more:
                        while position >= self._committed and not self._closed:
                            self._more.wait(_IDLE_WAIT_SECONDS)
                        committed, closed = self._committed, self._closed
                    if position >= committed and closed:
                        break
                    data = source.read(min(committed - position, _READ_BYTES))
                    if not data:
                        if closed:
                            raise OSError(f"{self._source.name} ended before the frames said to be written")
                        continue
                    position += len(data)
                    self._sink.write(self._master(np.frombuffer(data, dtype="<i2")))
                if self._limiter is not None:
                    self._sink.write(self._limiter.flush().astype("<i2").tobytes())
        except (OSError, ValueError, EncodeFailed) as exc:
            # The encoder died, the disk is full, or an abort closed the sink under the feeder; finish()
            # reports it.
            self._failure = exc
            log.warning("encoder_feed_failed", error=str(exc))


class _PipeSink:
    """One ffmpeg process, fed through a pipe."""

    def __init__(
        self, out_path: Path, fmt: AudioFormat, sample_rate: int, mp3_bitrate: str, title: str | None
    ) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process it records
        args = pcm_encoder_args("pipe:0", sample_rate, codec_args(fmt, mp3_bitrate), title, out_path)
        self._process = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=self._stderr)
        _widen_pipe(self._process.stdin)

    def write(self, data: bytes) -> None:
        if self._process.stdin is None:  # pragma: no cover - Popen was asked for a pipe
            raise OSError("ffmpeg has no input pipe")
        self._process.stdin.write(data)

    def finish(self, while_waiting: Callable[[], None] | None = None) -> None:
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        while True:
            try:
                code = self._process.wait(timeout=_LIVENESS_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if while_waiting is not None:
                    while_waiting()
        self._stderr.seek(0)
        report = self._stderr.read().decode(errors="replace")
        self._stderr.close()
        if code != 0:
            raise EncodeFailed(f"ffmpeg could not encode the programme: {report[-500:]}")

    def abort(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        self._stderr.close()


def _widen_pipe(pipe: IO[bytes] | None) -> None:
    """Let the pipe hold two blocks: the feeder masters the next block while ffmpeg encodes the last one,
    where Linux's default 64 KiB would make each wait for the other."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        if pipe is not None:
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
