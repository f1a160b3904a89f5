"""Coqui model-zoo names (``tts_models/<language>/<dataset>/<model>``) and where Coqui keeps each model.

Pure Python, so the ``kontho`` command and the catalog can tell a zoo name from a folder or an ``s3://``
prefix without importing torch or Coqui.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Coqui's own names use letters, digits, '_', '-' and '.' in each part ("zh-CN", "vits--neon", "v2.0.2").
_PART = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_ZOO_NAME = re.compile(rf"tts_models/(?P<language>{_PART})/(?P<dataset>{_PART})/(?P<model>{_PART})")


@dataclass(frozen=True)
class ZooName:
    language: str
    dataset: str
    model: str

    @property
    def name(self) -> str:
        return f"tts_models/{self.language}/{self.dataset}/{self.model}"

    @property
    def folder_name(self) -> str:
        """The folder Coqui's ModelManager downloads this model into, under ``{prefix}/tts/``."""
        return f"tts_models--{self.language}--{self.dataset}--{self.model}"

    def folder_under(self, zoo_dir: Path) -> Path:
        """Where the model lives when Coqui's ModelManager is given ``output_prefix=zoo_dir``."""
        return zoo_dir / "tts" / self.folder_name

    def __str__(self) -> str:
        return self.name


def parse_zoo_name(location: str) -> ZooName | None:
    """The zoo name ``location`` is, or None when it is something else (a folder, an s3:// prefix)."""
    found = _ZOO_NAME.fullmatch(location)
    if found is None or ".." in location:
        return None
    return ZooName(found["language"], found["dataset"], found["model"])


def zoo_dir(model_cache_dir: Path, setting: Path | None) -> Path:
    """``KONTHO_ZOO_DIR``, or a folder in the model cache that no S3 bucket's name can take ('_')."""
    return setting if setting is not None else model_cache_dir / "coqui_zoo"
