"""Loudness normalization of the whole programme with ffmpeg's two-pass loudnorm (EBU R128).

The first pass measures the assembled WAV, streaming from disk; the second applies one linear gain to
the whole programme while encoding, so every chapter keeps its level relative to the others.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kontho.errors import EncodeFailed

_LRA = 11.0
_QUIETEST_LUFS = -70.0  # EBU R128's absolute gate
_JSON_BLOCK = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.DOTALL)


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
    lra: float
    threshold: float
    offset: float


def _loudnorm(target: LoudnessTarget) -> str:
    return f"loudnorm=I={target.integrated_lufs}:TP={target.true_peak_dbtp}:LRA={_LRA}"


def measure(wav: Path, target: LoudnessTarget) -> Measurement:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise EncodeFailed("ffmpeg is not installed (Debian: apt-get install ffmpeg)")
    done = subprocess.run(
        [
            ffmpeg,
            "-nostdin",
            "-hide_banner",
            "-i",
            str(wav),
            "-af",
            f"{_loudnorm(target)}:print_format=json",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    found = _JSON_BLOCK.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise EncodeFailed(f"ffmpeg could not measure loudness: {done.stderr[-400:]}")
    values = json.loads(found.group(0))
    return Measurement(
        integrated_lufs=float(values["input_i"]),
        true_peak_dbtp=float(values["input_tp"]),
        lra=float(values["input_lra"]),
        threshold=float(values["input_thresh"]),
        offset=float(values["target_offset"]),
    )


def normalize_filter(target: LoudnessTarget, measured: Measurement, sample_rate: int) -> str | None:
    """The second pass: one linear gain for the whole programme, back at the programme's sample rate.

    None for a programme too quiet to measure (silence, or below the gating threshold): there is no
    level to correct, and loudnorm refuses infinite measurements.
    """
    values = (
        measured.integrated_lufs,
        measured.true_peak_dbtp,
        measured.lra,
        measured.threshold,
        measured.offset,
    )
    if not all(math.isfinite(v) for v in values) or measured.integrated_lufs < _QUIETEST_LUFS:
        return None
    return (
        f"{_loudnorm(target)}:measured_I={measured.integrated_lufs}:measured_TP={measured.true_peak_dbtp}"
        f":measured_LRA={measured.lra}:measured_thresh={measured.threshold}:offset={measured.offset}"
        f":linear=true,aresample={sample_rate},aformat=channel_layouts=mono"
    )
