"""Covers: what counts as one, and how an EPUB 2 or EPUB 3 book names its own."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from ebooklib import epub
from PIL import Image

from kontho.covers import CoverInvalid, check_cover
from kontho.text.epub_extras import read_book_extras


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 90, 40)).save(out, kind)
    return out.getvalue()


def _book(path: Path, cover: bytes, epub2: bool = False) -> bytes:
    book = epub.EpubBook()
    book.set_identifier("cover-unit")
    book.set_title("বই")
    book.set_language("bn")
    book.add_metadata("DC", "date", "2003")
    book.set_cover("images/cover.jpg", cover, create_page=False)
    chapter = epub.EpubHtml(title="এক", file_name="one.xhtml", lang="bn")
    chapter.content = "<html><body><p>কথা।</p></body></html>"
    book.add_item(chapter)
    book.add_item(epub.EpubNav())
    book.spine = ["nav", chapter]
    epub.write_epub(str(path), book)
    if not epub2:
        return path.read_bytes()
    # The same book as EPUB 2 tools write it: only <meta name="cover"> names the cover.
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".opf"):
                data = data.replace(b' properties="cover-image"', b"")
                assert b"cover-image" not in data
                assert b'name="cover"' in data
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("epub2", [False, True])
def test_an_epubs_cover_and_year_are_found_as_epub_3_or_epub_2_names_them(
    tmp_path: Path, epub2: bool
) -> None:
    jpeg = _image("JPEG")
    extras = read_book_extras(_book(tmp_path / "b.epub", jpeg, epub2), 1_000_000)
    assert extras.cover is not None
    assert (extras.cover.data, extras.cover.content_type, extras.cover.extension) == (
        jpeg,
        "image/jpeg",
        "jpg",
    )
    assert extras.year == "2003"


def test_an_epub_cover_that_is_too_large_or_not_an_image_leaves_the_book_without_one(tmp_path: Path) -> None:
    jpeg = _image("JPEG")
    assert read_book_extras(_book(tmp_path / "a.epub", jpeg), len(jpeg) - 1).cover is None
    assert read_book_extras(_book(tmp_path / "b.epub", b"not an image"), 1_000_000).cover is None


def test_a_cover_is_a_jpeg_or_png_that_decodes() -> None:
    assert check_cover(_image("PNG"), 10_000).content_type == "image/png"
    with pytest.raises(CoverInvalid, match="only JPEG and PNG"):
        check_cover(_image("GIF"), 10_000)
    with pytest.raises(CoverInvalid, match="not a JPEG or PNG"):
        check_cover(b"\xff\xd8\xff but no more", 10_000)
    with pytest.raises(CoverInvalid, match="the limit is 10"):
        check_cover(_image("PNG"), 10)
