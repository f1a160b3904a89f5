from __future__ import annotations

import numpy as np
import pytest

from worker.audio.limiter import Gain, PeakLimiter

RATE = 22_050


def _speech_like(seconds: float, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    envelope = np.abs(np.sin(np.arange(n) / RATE * 2 * np.pi * 3.0)) ** 3
    bursts = rng.normal(0, 4000, n) * envelope
    bursts[rng.integers(0, n, 40)] = 30_000  # sharp peaks far above the rest
    audio: np.ndarray = np.clip(bursts, -32768, 32767).astype(np.int16)
    return audio


def _run(limiter: PeakLimiter, audio: np.ndarray, cuts: list[int]) -> np.ndarray:
    pieces = np.split(audio, cuts)
    return np.concatenate([*(limiter.process(p) for p in pieces), limiter.flush()])


def test_no_sample_leaves_above_the_ceiling_and_the_rest_is_only_scaled() -> None:
    audio = _speech_like(5)
    gain = Gain(gain_db=6.0, ceiling=10 ** (-2.0 / 20))
    out = _run(PeakLimiter(gain, RATE), audio, [])
    assert out.size == audio.size
    assert np.abs(out.astype(np.int32)).max() <= gain.ceiling * 32768 + 1
    scaled = audio.astype(np.float32) * np.float32(10 ** (6 / 20))
    quiet = np.abs(scaled) < 2000  # far from any peak's reach, audio is the gain and nothing else
    far = np.convolve(np.abs(scaled) > gain.ceiling * 32768, np.ones(2 * 1300), mode="same") == 0
    assert np.array_equal(out[quiet & far], np.rint(scaled[quiet & far]).astype(np.int16))


@pytest.mark.parametrize("cuts", [[1], [7, 500, 501, 90_000], list(range(1000, 110_000, 3333))])
def test_the_output_does_not_depend_on_how_the_audio_is_cut(cuts: list[int]) -> None:
    audio = _speech_like(5)
    gain = Gain(gain_db=9.0, ceiling=10 ** (-2.0 / 20))
    whole = _run(PeakLimiter(gain, RATE), audio, [])
    assert np.array_equal(_run(PeakLimiter(gain, RATE), audio, cuts), whole)


def test_a_programme_below_the_ceiling_is_scaled_and_rounded_only() -> None:
    audio = (np.sin(np.arange(RATE) / 5) * 3000).astype(np.int16)
    out = _run(PeakLimiter(Gain(gain_db=-3.0, ceiling=0.8), RATE), audio, [4000])
    assert np.array_equal(
        out, np.rint(audio.astype(np.float32) * np.float32(10 ** (-3 / 20))).astype(np.int16)
    )
