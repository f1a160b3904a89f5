"""What every engine offers: load once, then turn a batch of texts into audio, one array per text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Audio = npt.NDArray[np.int16]
"""Mono 16-bit PCM at the engine's ``sample_rate``."""


class Engine(Protocol):
    name: str
    sample_rate: int
    vocabulary: frozenset[str] | None
    """The characters the voice can read; None for an engine with its own text rules."""
    fingerprint: str
    """Engine, version and model: what, besides the text and parameters, decides a chunk's audio."""

    def load(self) -> None:
        """Load weights or check the binary; called once per process, before the first job."""

    def synthesize(self, texts: Sequence[str]) -> Iterator[Audio]:
        """Yield one array per text, in order. Lazy, so a caller can checkpoint between items."""
        ...
