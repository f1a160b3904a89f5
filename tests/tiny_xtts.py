"""The tests' tiny random-weight Bangla XTTS v2 (see ``devstack.xtts_models``) and reference clips."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from devstack.xtts_models import build_xtts, reference_clip

__all__ = ["build_tiny_xtts", "reference_clip"]


def build_tiny_xtts(folder: Path, *, seed: int = 0, languages: Sequence[str] = ("bn",)) -> Path:
    """One GPT layer of 32 channels; at most 13 audio tokens (0.6 s) a chunk: random weights seldom stop."""
    return build_xtts(folder, tiny=True, seed=seed, languages=languages)
