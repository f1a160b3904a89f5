"""Synthesis engines: one module per engine, each loaded once per process."""

from __future__ import annotations

from kontho.errors import EngineUnavailable
from kontho.settings import Settings
from kontho.voices import Voice
from worker.engines.base import Engine
from worker.engines.espeak import EspeakEngine

__all__ = ["Engine", "EspeakEngine", "engine_for"]


def engine_for(voice: Voice, settings: Settings) -> Engine:
    if voice.engine == "espeak":
        return EspeakEngine(voice)
    if voice.engine == "vits":
        # Imported here so a worker that only speaks espeak-ng never imports torch.
        from worker.engines.vits import VitsEngine

        return VitsEngine(voice, settings)
    raise EngineUnavailable(
        f"voice {voice.id!r} needs engine {voice.engine!r}, which this worker does not have"
    )
