"""EPUB files built in tests: with ebooklib, the way publishers' tools write them, or by hand."""

from __future__ import annotations

import zipfile
from html import escape
from pathlib import Path

from ebooklib import epub


def build_epub(
    path: Path,
    chapters: list[tuple[str, str]],
    title: str = "শকুন্তলা",
    author: str = "অবনীন্দ্রনাথ ঠাকুর",
    cover: bool = True,
) -> bytes:
    """An EPUB 3 with a title page (front matter), then one XHTML file per (title, text) chapter."""
    book = epub.EpubBook()
    book.set_identifier("kontho-test-book")
    book.set_title(title)
    book.set_language("bn")
    book.add_author(author)
    items = []
    if cover:
        page = epub.EpubHtml(title="প্রচ্ছদ", file_name="titlepage.xhtml", lang="bn")
        page.content = (
            f'<html><body epub:type="titlepage"><h1>{escape(title)}</h1><p>{escape(author)}</p></body></html>'
        )
        book.add_item(page)
        items.append(page)
    toc = []
    for n, (name, text) in enumerate(chapters, start=1):
        chapter = epub.EpubHtml(title=name, file_name=f"chapter_{n}.xhtml", lang="bn")
        paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n") if p.strip())
        chapter.content = f"<html><body><h2>{escape(name)}</h2>{paragraphs}</body></html>"
        book.add_item(chapter)
        items.append(chapter)
        toc.append(chapter)
    book.toc = toc
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    epub.write_epub(str(path), book)
    return path.read_bytes()


_CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)
_PACKAGE = (
    '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
    'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<dc:identifier id="id">kontho-long</dc:identifier><dc:title>দীর্ঘ</dc:title><dc:language>bn</dc:language>'
    '</metadata><manifest><item id="c" href="chapter.xhtml" media-type="application/xhtml+xml"/></manifest>'
    '<spine><itemref idref="c"/></spine></package>'
)
_SENTENCE = "শকুন্তলা বনের পথে হাঁটছিল, পাখিরা গান গাইছিল। "


def build_long_chapter_epub(path: Path, text_bytes: int, one_paragraph: bool = False) -> bytes:
    """A small EPUB whose one chapter unpacks to about ``text_bytes`` of the same sentence over and over:
    deflate packs 480 MB of it into under 2 MB, which is how a small upload can hold a book far past any
    character limit. In paragraphs of 30 sentences, or as one paragraph without end."""
    paragraph = _SENTENCE * 30 if one_paragraph else f"<p>{_SENTENCE * 30}</p>\n"
    block = paragraph.encode() * 1000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr("META-INF/container.xml", _CONTAINER)
        archive.writestr("OEBPS/content.opf", _PACKAGE)
        with archive.open("OEBPS/chapter.xhtml", "w", force_zip64=text_bytes >= 2**31) as chapter:
            head = '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
            chapter.write(f"{head}<head><title>x</title></head><body><h1>দীর্ঘ অধ্যায়</h1>".encode())
            chapter.write(b"<p>" if one_paragraph else b"")
            for _ in range(max(1, text_bytes // len(block))):
                chapter.write(block)
            chapter.write(b"</p>" if one_paragraph else b"")
            chapter.write(b"</body></html>")
    return path.read_bytes()
