"""File names for downloads: after the job's title, as the kontho command saves them (kontho.filenames)."""

from __future__ import annotations

from kontho.filenames import artifact_file_name, safe_stem
from kontho.schemas import Artifact


def download_name(title: str | None, job_id: str, suffix: str) -> str:
    """``শকুন্তলা.m4b`` for a title, the job id where there is none (or nothing safe is left of it).
    ``suffix`` follows the stem as given: ``.m4b``, `` - subtitles.srt``."""
    return f"{safe_stem(title, fallback=job_id)}{suffix}"


def artifact_download_name(title: str | None, job_id: str, artifact: Artifact) -> str:
    """The name one of the job's artifacts downloads as."""
    stem = safe_stem(title, fallback=job_id)
    stored = artifact.key.rsplit("/", 1)[-1]
    return artifact_file_name(stem, artifact.kind, artifact.format, artifact.chapter, stored)
