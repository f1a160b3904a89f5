"""What an audiobook takes from an EPUB beside its text: the cover image and the year.

A cover that is missing, damaged, too large or not a JPEG or PNG leaves the book without one: its text
still reads, and the audiobook carries no picture rather than failing the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kontho.covers import CoverImage, CoverInvalid, check_cover
from kontho.text.epub_package import EpubArchive, EpubError

_YEAR = re.compile(r"^\s*(\d{4})(?!\d)")


@dataclass(frozen=True)
class BookExtras:
    cover: CoverImage | None = None
    year: str | None = None
    """Four digits, from the book's first ``dc:date``."""


def read_book_extras(data: bytes, max_cover_bytes: int) -> BookExtras:
    """The EPUB's cover and year; what it lacks, or what cannot be used, is None."""
    try:
        with EpubArchive(data) as archive:
            package = archive.package
            year = _YEAR.match(package.date or "")
            cover = None if package.cover is None else _cover(archive, package.cover, max_cover_bytes)
    except EpubError:
        return BookExtras()
    return BookExtras(cover, year.group(1) if year else None)


def _cover(archive: EpubArchive, path: str, max_bytes: int) -> CoverImage | None:
    image = bytearray()
    try:
        for piece in archive.pieces(path):
            image += piece
            if len(image) > max_bytes:
                return None  # stop unpacking: too large to be used anyway
        return check_cover(bytes(image), max_bytes)
    except (EpubError, CoverInvalid):
        return None
