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
    """The characters the voice can read; None for an engine with its own text rules.

    A model that reads phonemes has None here: its phonemizer reads the written text.
    """
    reads_phonemes: bool
    """Whether phoneme strings inside a text (``kontho.text.inline_phonemes``) reach the model as written."""
    phoneme_symbols: frozenset[str] | None
    """The phoneme characters the model knows; None when it reads no phonemes."""
    fingerprint: str
    """Engine, version and model: what, besides the text and parameters, decides a chunk's audio."""

    def load(self) -> None:
        """Load weights or check the binary; called once per process, before the first job."""

    def synthesize(self, texts: Sequence[str], rates: Sequence[float] | None = None) -> Iterator[Audio]:
        """Yield one array per text, in order. Lazy, so a caller can checkpoint between items.

        ``rates[i]`` multiplies text i's speaking rate: 1.0 normal, 0.5 half speed, 2.0 double; None is
        all 1.0. Phoneme spans in a text are read as phonemes where ``reads_phonemes``, else left out.
        """
        ...
