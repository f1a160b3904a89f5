"""An audiobook's tags in an M4B or MP3 that ordinary audiobook players read: cover, title, author,
narrator, language, year, genre and (MP3) chapter frames.

ffmpeg has already written the title, author and chapters (``encode.add_metadata``); these tags go on top
with mutagen, which edits the file's tag atoms or frames in place and leaves the audio and chapters alone.

Where each lands:
- M4B: cover ``covr``; title ``©nam`` and album ``©alb``; author ``©ART`` and ``aART``; narrator ``©wrt``
  (composer: what Audiobookshelf, Prologue and BookPlayer show as the narrator) and a freeform
  ``----:com.apple.iTunes:NARRATOR``; year ``©day``; genre ``©gen`` Audiobook; the language is the
  audio track's own (``ben``, set by ffmpeg), the only place MP4 has one.
- MP3 (ID3v2.4): cover APIC (front cover); TIT2 and TALB; TPE1 and TPE2; narrator TCOM and
  ``TXXX:narrator``; TLAN ``ben`` (ID3 takes ISO 639-2 codes); TDRC; TCON Audiobook; chapters as CHAP
  frames under one ordered CTOC, each with its title, when ffmpeg did not write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from mutagen.id3 import (
    APIC,
    CHAP,
    CTOC,
    ID3,
    TALB,
    TCOM,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TRCK,
    TXXX,
    CTOCFlags,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm, MP4Tags

from kontho.jobspec import AudioFormat
from worker.audio.encode import LANGUAGE

GENRE = "Audiobook"


@dataclass(frozen=True)
class Cover:
    data: bytes
    mime: str
    """image/jpeg or image/png."""


@dataclass(frozen=True)
class BookTags:
    title: str | None = None
    author: str | None = None
    narrator: str | None = None
    year: str | None = None
    cover: Cover | None = None
    chapters: list[tuple[str, int, int]] = field(default_factory=list)
    """(title, start ms, end ms) per chapter."""
    album: str | None = None
    """The book's title, where ``title`` is one chapter's (a chapter file); ``title`` when absent."""
    track: tuple[int, int] | None = None
    """A chapter file's number and the number of chapters."""


def tag_audiobook(path: Path, fmt: AudioFormat, tags: BookTags) -> None:
    """Write ``tags`` into the M4B or MP3 at ``path``; other formats are left as they are."""
    if fmt is AudioFormat.M4B:
        _tag_mp4(path, tags)
    elif fmt is AudioFormat.MP3:
        _tag_mp3(path, tags)


def _tag_mp4(path: Path, tags: BookTags) -> None:
    audio = MP4(path)
    if cast("MP4Tags | None", audio.tags) is None:  # a file ffmpeg wrote no tags to
        audio.add_tags()
    atoms = cast("MP4Tags", audio.tags)
    if tags.title:
        atoms["\xa9nam"] = [tags.title]
    if tags.album or tags.title:
        atoms["\xa9alb"] = [tags.album or tags.title or ""]
    if tags.track:
        atoms["trkn"] = [tags.track]
    if tags.author:
        atoms["\xa9ART"] = [tags.author]
        atoms["aART"] = [tags.author]
    if tags.narrator:
        atoms["\xa9wrt"] = [tags.narrator]
        atoms["----:com.apple.iTunes:NARRATOR"] = [MP4FreeForm(tags.narrator.encode())]
    if tags.year:
        atoms["\xa9day"] = [tags.year]
    atoms["\xa9gen"] = [GENRE]
    if tags.cover is not None:
        kind = MP4Cover.FORMAT_PNG if tags.cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        atoms["covr"] = [MP4Cover(tags.cover.data, imageformat=kind)]
    audio.save()


def _tag_mp3(path: Path, tags: BookTags) -> None:
    try:
        frames = ID3(path)
    except ID3NoHeaderError:
        frames = ID3()
    if tags.title:
        frames.setall("TIT2", [TIT2(encoding=3, text=[tags.title])])
    if tags.album or tags.title:
        frames.setall("TALB", [TALB(encoding=3, text=[tags.album or tags.title or ""])])
    if tags.track:
        frames.setall("TRCK", [TRCK(encoding=3, text=[f"{tags.track[0]}/{tags.track[1]}"])])
    if tags.author:
        frames.setall("TPE1", [TPE1(encoding=3, text=[tags.author])])
        frames.setall("TPE2", [TPE2(encoding=3, text=[tags.author])])
    if tags.narrator:
        frames.setall("TCOM", [TCOM(encoding=3, text=[tags.narrator])])
        frames.setall("TXXX:narrator", [TXXX(encoding=3, desc="narrator", text=[tags.narrator])])
    if tags.year:
        frames.setall("TDRC", [TDRC(encoding=3, text=[tags.year])])
    frames.setall("TLAN", [TLAN(encoding=3, text=[LANGUAGE])])
    frames.setall("TCON", [TCON(encoding=3, text=[GENRE])])
    if tags.cover is not None:
        picture = APIC(
            encoding=3, mime=tags.cover.mime, type=PictureType.COVER_FRONT, desc="cover", data=tags.cover.data
        )
        frames.setall("APIC", [picture])
    if tags.chapters and not frames.getall("CHAP"):
        _add_chapters(frames, tags.chapters)
    frames.save(path, v2_version=4)


def _add_chapters(frames: ID3, chapters: list[tuple[str, int, int]]) -> None:
    ids = [f"chp{n}" for n in range(len(chapters))]
    frames.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text=["Contents"])],
        )
    )
    for element_id, (title, start, end) in zip(ids, chapters, strict=True):
        frames.add(
            CHAP(
                element_id=element_id,
                start_time=start,
                end_time=end,
                sub_frames=[TIT2(encoding=3, text=[title])],
            )
        )
