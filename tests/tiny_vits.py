"""The tests' tiny random-weight Bangla VITS (see ``devstack.vits_models``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from devstack.vits_models import build_vits


def build_tiny_vits(folder: Path, *, use_sdp: bool = True, seed: int = 0, phonemes: bool = False) -> Path:
    return build_vits(folder, tiny=True, use_sdp=use_sdp, seed=seed, phonemes=phonemes)


def build_tiny_phoneme_vits(folder: Path, *, seed: int = 0) -> Path:
    """Reads phonemes through Coqui's Bangla phonemizer, as Coqui's own Bangla voices do."""
    return build_vits(folder, tiny=True, seed=seed, phonemes=True)


def build_tiny_multispeaker_vits(
    folder: Path, speakers: Sequence[str] = ("rahim", "karim"), *, seed: int = 0
) -> Path:
    """One model, several speakers: ``speakers.pth`` beside the checkpoint, as Coqui's trainer saves it."""
    return build_vits(folder, tiny=True, seed=seed, speakers=speakers)
