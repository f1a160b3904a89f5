"""The tests' tiny random-weight Bangla VITS (see ``devstack.vits_models``)."""

from __future__ import annotations

from pathlib import Path

from devstack.vits_models import build_vits


def build_tiny_vits(folder: Path, *, use_sdp: bool = True, seed: int = 0) -> Path:
    return build_vits(folder, tiny=True, use_sdp=use_sdp, seed=seed)
