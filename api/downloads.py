"""File names for downloads: after the job's title, safe on every system a listener may save to."""

from __future__ import annotations

import re
import unicodedata

_MAX_STEM_CHARS = 120
# Path separators, characters Windows refuses, and every control or format character.
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def _safe_stem(title: str) -> str:
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in title)
    cleaned = _UNSAFE.sub(" ", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    return cleaned[:_MAX_STEM_CHARS].rstrip(" .")


def download_name(title: str | None, job_id: str, suffix: str) -> str:
    """``শকুন্তলা.m4b`` for a title, the job id where there is none (or nothing safe is left of it).
    ``suffix`` follows the stem as given: ``.m4b``, `` - subtitles.srt``."""
    stem = _safe_stem(unicodedata.normalize("NFC", title)) if title else ""
    return f"{stem or job_id}{suffix}"
