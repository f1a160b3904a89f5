"""Synthesis engines: one module per engine, each loaded once per process."""

from __future__ import annotations

from kontho.voices import Voice
from worker.engines.base import Engine
from worker.engines.espeak import EspeakEngine

__all__ = ["Engine", "EspeakEngine", "engine_for"]


def engine_for(voice: Voice) -> Engine:
    if voice.engine == "espeak":
        return EspeakEngine(voice)
    raise ValueError(f"voice {voice.id!r} names engine {voice.engine!r}, which this worker does not have")
