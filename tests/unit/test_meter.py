"""The streaming loudness meter against ffmpeg's own EBU R128 measurement."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from worker.audio.assemble import WavAssembler
from worker.audio.loudness import PRESETS, gain_for, measure
from worker.audio.meter import LoudnessMeter


def _speechlike(seconds: float, rate: int) -> np.ndarray:
    """Bursts of a harmonic tone at changing levels with gaps, like phrases and pauses."""
    t = np.arange(int(seconds * rate)) / rate
    tone = (
        np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 660 * t) + 0.25 * np.sin(2 * np.pi * 1900 * t)
    )
    envelope = (np.sin(2 * np.pi * 0.7 * t) > -0.3) * (0.2 + 0.6 * np.abs(np.sin(2 * np.pi * 0.13 * t)))
    return (tone * envelope * 9000).astype(np.int16)


@pytest.mark.parametrize("rate", [22_050, 24_000])
def test_meter_agrees_with_ffmpeg(tmp_path: Path, rate: int) -> None:
    audio = _speechlike(20.0, rate)
    meter = LoudnessMeter(rate)
    for start in range(0, audio.size, 4321):  # fed in uneven pieces, as chunks arrive
        meter.feed(audio[start : start + 4321])
    meter.feed_silence(rate)
    wav = tmp_path / "x.wav"
    with WavAssembler(wav, rate) as out:
        out.write(audio)
        out.pause(1000)
    reference = measure(wav)
    assert meter.integrated_lufs == pytest.approx(reference.integrated_lufs, abs=0.3)
    assert meter.true_peak_dbtp == pytest.approx(reference.true_peak_dbtp, abs=0.3)


def test_silence_has_no_loudness_and_asks_for_no_gain() -> None:
    meter = LoudnessMeter(22_050)
    meter.feed_silence(22_050 * 3)
    assert meter.integrated_lufs == -math.inf
    assert gain_for(PRESETS["audiobook"], meter.integrated_lufs) is None


def test_gain_is_the_distance_to_the_target_with_a_limiter_at_the_ceiling() -> None:
    podcast = gain_for(PRESETS["podcast"], -20.0)
    assert podcast is not None
    assert podcast.gain_db == 4.0
    assert podcast.ceiling == pytest.approx(0.7943, abs=1e-4)  # -2 dBFS: -1.5 dBTP less 0.5 dB
    audiobook = gain_for(PRESETS["audiobook"], -14.5)
    assert audiobook is not None
    assert audiobook.gain_db == -3.5
