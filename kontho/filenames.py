"""File names for what a job produced, made from its title: ``শকুন্তলা.m4b``, never ``../../etc``.

The API names its downloads with these (the Content-Disposition of each presigned URL) and the kontho
command names the files it saves with them, so a browser and the command save the same names.

A title is whatever a user typed (or an EPUB's metadata said), so it is made safe for any file system:
path separators and characters Windows refuses become spaces, control and invisible formatting characters
(a right-to-left override could disguise an extension) are dropped, but ZWJ and ZWNJ, which shape Bangla
conjuncts (``র‍্যাব``), stay; the name is bounded in bytes, since file systems bound names in bytes (ext4:
255) and a Bangla letter takes three, cut between characters and never after a dangling vowel sign or
virama; an empty result falls back to the job id.
"""

from __future__ import annotations

import unicodedata

MAX_STEM_BYTES = 150
"""UTF-8 bytes of a name before its suffixes: file systems allow 255, and Bangla takes 3 a character."""

_SHAPING_JOINERS = {"\u200c", "\u200d"}
_REPLACED = set('/\\:*?"<>|')
_DROPPED_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}


def _kept(ch: str) -> str:
    category = unicodedata.category(ch)
    if ch in _REPLACED or ch.isspace() or category.startswith("Z"):
        return " "
    if category in _DROPPED_CATEGORIES or (category == "Cf" and ch not in _SHAPING_JOINERS):
        return ""
    return ch


def _bounded(name: str, max_bytes: int) -> str:
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    cut = name.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    # A cut after a vowel sign's consonant or before a virama's next letter leaves a broken cluster.
    while cut and (unicodedata.category(cut[-1]).startswith("M") or cut[-1] in _SHAPING_JOINERS):
        cut = cut[:-1]
    return cut


def safe_stem(title: str | None, fallback: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """``title`` as a file name without suffix, or ``fallback`` when nothing of it is usable."""
    text = "".join(_kept(ch) for ch in unicodedata.normalize("NFC", title or ""))
    # Leading dots would hide the file (or make it "..") and trailing dots and spaces vanish on Windows.
    text = " ".join(text.split()).strip(". ")
    text = _bounded(text, max_bytes).strip(". ")
    return text or fallback


def artifact_file_name(stem: str, kind: str, extension: str, chapter: int | None, stored_name: str) -> str:
    """What one artifact of a job is saved as: ``শকুন্তলা.m4b`` for the audio, ``শকুন্তলা - chapter
    0001.m4b`` for a chapter's, and the stored name after the stem for the rest (``শকুন্তলা -
    subtitles.srt``, ``শকুন্তলা - manifest.json``)."""
    if kind == "audio":
        return f"{stem}.{extension}"
    if kind == "chapter_audio" and chapter is not None:
        return f"{stem} - chapter {chapter:04d}.{extension}"
    return f"{stem} - {safe_stem(stored_name, fallback=f'{kind}.{extension}')}"
