"""The tests' tiny random-weight Bangla XTTS v2 (see ``devstack.xtts_models``) and reference clips."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile  # type: ignore[import-untyped]

from devstack.xtts_models import build_xtts


def build_tiny_xtts(folder: Path, *, seed: int = 0, languages: Sequence[str] = ("bn",)) -> Path:
    """One GPT layer of 32 channels; at most 13 audio tokens (0.6 s) a chunk: random weights seldom stop."""
    return build_xtts(folder, tiny=True, seed=seed, languages=languages)


def reference_clip(seconds: float = 3.0, *, seed: int = 0, sample_rate: int = 22_050) -> bytes:
    """A mono 16-bit WAV of a voice-like signal: a gliding harmonic tone with some noise, never silent."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    pitch = 120 + 30 * seed + 20 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 6)) * 0.2 + rng.normal(0, 0.01, t.size)
    buffer = io.BytesIO()
    soundfile.write(buffer, wave.astype(np.float32), sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
