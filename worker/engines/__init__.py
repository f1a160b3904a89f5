"""Synthesis engines: one module per engine, each loaded once per process."""

from __future__ import annotations

from collections.abc import Iterable

from kontho.errors import EngineUnavailable
from kontho.settings import Settings
from kontho.voices import Voice
from worker.engines.base import Engine
from worker.engines.espeak import EspeakEngine

__all__ = ["Engine", "EspeakEngine", "chunk_limit", "load_engine"]


def load_engine(voice: Voice, settings: Settings) -> Engine:
    """The voice's engine, loaded and ready to synthesize."""
    engine: Engine
    if voice.engine == "espeak":
        engine = EspeakEngine(voice)
    elif voice.engine == "vits":
        # Imported here so a worker that only speaks espeak-ng never imports torch.
        from worker.engines.vits import VitsEngine

        engine = VitsEngine(voice, settings)
    elif voice.engine == "xtts":
        from worker.engines.xtts import XttsEngine

        engine = XttsEngine(voice, settings)
    else:
        raise EngineUnavailable(
            f"voice {voice.id!r} needs engine {voice.engine!r}, which this worker does not have"
        )
    engine.load()
    return engine


def chunk_limit(configured: int, engines: Iterable[Engine]) -> int:
    """The longest chunk of a job: ``configured`` (the voice's or the setting's), and no longer than any
    of the job's engines reads in one call (``max_chunk_chars``: XTTS's per-language limit)."""
    return min([configured, *(getattr(engine, "max_chunk_chars", configured) for engine in engines)])
