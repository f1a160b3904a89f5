"""EPUB files built in tests with ebooklib, the way publishers' tools write them."""

from __future__ import annotations

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
