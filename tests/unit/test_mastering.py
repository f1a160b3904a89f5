"""Encoding behind synthesis: ffmpeg follows a growing WAV, and the loudness it delivers is checked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pydub import AudioSegment

from kontho.errors import EncodeFailed
from kontho.jobspec import AudioFormat, Loudness
from worker.audio.assemble import WavAssembler
from worker.audio.loudness import measure
from worker.audio.master import TOLERANCE_LU, Master
from worker.audio.stream import StreamingEncoder
from worker.prefetch import Ahead

RATE = 22_050


def _speechlike(seconds: float, amplitude: float, seed: int = 0) -> np.ndarray:
    """Noise shaped by a slow syllable-rate envelope: gated like speech, not a steady tone."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    envelope = 0.5 + 0.5 * np.sin(np.arange(n) * 2 * np.pi * 4 / RATE) ** 2
    return (rng.standard_normal(n) * envelope * amplitude * 8000).clip(-32767, 32767).astype(np.int16)


def test_the_encoder_follows_a_wav_that_is_still_being_written(tmp_path: Path) -> None:
    wav, out = tmp_path / "programme.wav", tmp_path / "out.mp3"
    pieces = [_speechlike(1.0, 0.5, seed) for seed in range(6)]
    with WavAssembler(wav, RATE) as programme:
        encoder = StreamingEncoder(wav, programme.data_offset, RATE, out, AudioFormat.MP3)
        with encoder:
            for piece in pieces:
                programme.write(piece)
                encoder.advance(programme.flush())
                time.sleep(0.05)  # the encoder catches up and waits for more
            programme.close()
            lufs = encoder.finish()
    decoded = AudioSegment.from_file(out)
    assert decoded.duration_seconds == pytest.approx(6.0, abs=0.1)
    assert lufs == pytest.approx(measure(wav).integrated_lufs, abs=0.2)


def test_an_encoder_that_fails_says_so(tmp_path: Path) -> None:
    wav = tmp_path / "programme.wav"
    with WavAssembler(wav, RATE) as programme:
        # A folder that does not exist: ffmpeg cannot open its output.
        encoder = StreamingEncoder(
            wav, programme.data_offset, RATE, tmp_path / "no" / "x.flac", AudioFormat.FLAC
        )
        with encoder:
            programme.write(_speechlike(0.5, 0.5))
            encoder.advance(programme.flush())
            with pytest.raises(EncodeFailed, match="ffmpeg"):
                encoder.finish()


def _master(tmp_path: Path, parts: list[np.ndarray], window: float) -> tuple[Path, int, float | None]:
    wav, out = tmp_path / "programme.wav", tmp_path / "out.flac"
    with (
        WavAssembler(wav, RATE) as programme,
        Master(programme, out, AudioFormat.FLAC, Loudness.AUDIOBOOK, window, "128k") as master,
    ):
        for part in parts:
            programme.write(part)
            master.wrote(audio=part)
            programme.pause(300)
            master.wrote(silence_frames=RATE * 300 // 1000)
        programme.close()
        mastered = master.finish()
    return mastered.path, mastered.passes, mastered.loudness_lufs


def test_a_steady_programme_is_encoded_once_from_its_opening(tmp_path: Path) -> None:
    parts = [_speechlike(2.0, 0.3, seed) for seed in range(8)]
    path, passes, lufs = _master(tmp_path, parts, window=4.0)
    assert passes == 1
    assert lufs == pytest.approx(measure(tmp_path / "programme.wav").integrated_lufs, abs=0.2)
    assert measure(path).integrated_lufs == pytest.approx(-18.0, abs=TOLERANCE_LU + 0.2)


def test_an_opening_unlike_the_rest_is_corrected_by_a_second_pass(tmp_path: Path) -> None:
    # A whispered opening, then a loud reading: the opening's gain would overshoot by far.
    parts = [_speechlike(2.0, 0.03, 1), _speechlike(2.0, 0.03, 2)] + [
        _speechlike(2.0, 0.4, seed) for seed in range(3, 12)
    ]
    path, passes, lufs = _master(tmp_path, parts, window=4.0)
    assert passes == 2
    assert lufs == pytest.approx(measure(tmp_path / "programme.wav").integrated_lufs, abs=0.2)
    reference = measure(path)
    assert reference.integrated_lufs == pytest.approx(-18.0, abs=1.0)
    assert reference.true_peak_dbtp <= -1.0


def test_ahead_yields_everything_in_order_and_reraises_errors() -> None:
    assert list(Ahead(lambda: iter(range(100)), depth=3)) == list(range(100))

    def failing() -> Iterator[int]:
        yield 1
        raise RuntimeError("engine fell over")

    items = iter(Ahead(failing))
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="engine fell over"):
        next(items)


def test_ahead_stops_its_producer_when_closed() -> None:
    produced: list[int] = []
    stopped = threading.Event()

    def endless() -> Iterator[int]:
        n = 0
        try:
            while True:
                produced.append(n)
                yield n
                n += 1
        finally:
            stopped.set()

    ahead = Ahead(endless, depth=2)
    assert next(iter(ahead)) == 0
    ahead.close()
    assert len(produced) <= 5  # bounded: it never ran far ahead
