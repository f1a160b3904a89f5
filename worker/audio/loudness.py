"""Loudness normalization of the whole programme (EBU R128).

The streaming meter (``worker/audio/meter.py``) measures the programme's opening while it is assembled;
encoding (``worker/audio/master.py``) then applies one gain to the whole programme, so every chapter
keeps its level relative to the others, and a limiter (``worker/audio/limiter.py``) holds the true-peak
ceiling. ``measure`` runs ffmpeg's
ebur128 filter on a file: the independent reference the tests and benchmarks check results against.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kontho.errors import EncodeFailed
from worker.audio.limiter import Gain

_QUIETEST_LUFS = -70.0  # EBU R128's absolute gate


@dataclass(frozen=True)
class LoudnessTarget:
    integrated_lufs: float
    true_peak_dbtp: float


PRESETS = {
    "audiobook": LoudnessTarget(integrated_lufs=-18.0, true_peak_dbtp=-1.5),
    "podcast": LoudnessTarget(integrated_lufs=-16.0, true_peak_dbtp=-1.5),
}


@dataclass(frozen=True)
class Measurement:
    integrated_lufs: float
    true_peak_dbtp: float


def measure(path: Path) -> Measurement:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise EncodeFailed("ffmpeg is not installed (Debian: apt-get install ffmpeg)")
    done = subprocess.run(
        [ffmpeg, "-nostdin", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    integrated = re.findall(r"I:\s+(-?[\d.]+|-inf) LUFS", done.stderr)
    peak = re.findall(r"Peak:\s+(-?[\d.]+|-inf) dBFS", done.stderr)
    if done.returncode != 0 or not integrated or not peak:
        raise EncodeFailed(f"ffmpeg could not measure loudness: {done.stderr[-400:]}")
    return Measurement(integrated_lufs=float(integrated[-1]), true_peak_dbtp=float(peak[-1]))


def gain_for(target: LoudnessTarget, integrated_lufs: float) -> Gain | None:
    """The gain and ceiling that bring the programme to ``target``; None when there is nothing to measure.

    A programme too quiet to gate (silence, or below -70 LUFS) has no level to correct.
    """
    if not math.isfinite(integrated_lufs) or integrated_lufs < _QUIETEST_LUFS:
        return None
    # Speech often peaks 15-20 dB above its loudness: the limiter holds the ceiling, with half a dB of
    # room for peaks between samples. It is always applied because the gain may be decided before the
    # loudest passage has been heard; below the ceiling it changes nothing.
    ceiling = 10 ** ((target.true_peak_dbtp - 0.5) / 20)
    return Gain(gain_db=round(target.integrated_lufs - integrated_lufs, 2), ceiling=ceiling)
