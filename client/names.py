"""File names for what a job produced, as the API names its downloads (kontho.filenames)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from kontho.filenames import MAX_STEM_BYTES, artifact_file_name, safe_stem

__all__ = ["MAX_STEM_BYTES", "artifact_name", "safe_stem"]


def artifact_name(artifact: dict[str, Any], stem: str) -> str:
    """The name the API gives ``artifact`` (an entry of a job's result) in its download URL."""
    stored = unquote(urlsplit(artifact.get("url", "")).path.rsplit("/", 1)[-1])
    return artifact_file_name(stem, artifact["kind"], artifact["format"], artifact.get("chapter"), stored)
