"""Models loaded once per process and device, shared by every voice that names them.

A multi-speaker VITS serves one voice per speaker, an XTTS checkpoint every voice cloned on it: each kind
keeps one registry of loaded models by folder and device, and reloads a model only when its fingerprint
(config, checkpoint, the cache's marker) changed on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
import torch

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    model: Any
    folder: Path
    device: torch.device
    fingerprint: str


class ModelRegistry:
    """One loaded model per folder and device; ``load`` reads one, ``fingerprint`` tells a changed one."""

    def __init__(
        self, kind: str, load: Callable[[Path, torch.device], Any], fingerprint: Callable[[Path], str]
    ) -> None:
        self.kind = kind
        self._load = load
        self._fingerprint = fingerprint
        self._lock = threading.Lock()
        self._models: dict[tuple[Path, str], LoadedModel] = {}
        self.loads = 0
        """How many times a model was read from disk: the measure that voices share one."""

    def get(self, folder: Path, device: torch.device) -> LoadedModel:
        key = (folder.resolve(), str(device))
        fingerprint = self._fingerprint(folder)
        with self._lock:  # two voices of one model asked for at once still load it once
            loaded = self._models.get(key)
            if loaded is None or loaded.fingerprint != fingerprint:
                loaded = LoadedModel(self._load(folder, device), key[0], device, fingerprint)
                self._models[key] = loaded
                self.loads += 1
                log.info(
                    f"{self.kind}_model_loaded", folder=str(key[0]), device=key[1], models=len(self._models)
                )
            return loaded

    def loaded(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._models.values())

    def clear(self) -> None:
        """Forget every model (they are freed once no voice holds them)."""
        with self._lock:
            self._models.clear()
