"""EPUB books in, kontho's Markdown out: one ``#`` heading per chapter, then its paragraphs.

- Chapters are the spine's XHTML documents in reading order. A chapter's title comes from the table of
  contents (the first entry pointing at the document), else from its first h1-h3, else it has none.
- Front matter is left out when asked (the default): documents marked ``epub:type`` cover, titlepage,
  halftitlepage, frontmatter, toc, copyright-page, imprint, colophon, dedication or index (EPUB 3); those
  the EPUB 2 guide names as cover, title-page, toc, copyright-page, dedication or index; non-linear spine
  items; and, when a book marks nothing, documents whose file name says cover, title page, copyright or
  contents. The navigation document is never read aloud, nor is a document without text.
- Text: each block element (p, h1-h6, li, blockquote, dd, dt, td, pre, figcaption, a div holding no
  other block) is a paragraph; script, style and footnote asides say nothing; ``<br>`` is a space.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from posixpath import basename
from typing import Any

import ebooklib
from ebooklib import epub
from lxml import etree

from kontho.text.numbers import to_bangla_digits

_MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # a zip bomb must not take a worker's or the API's memory
_SKIP_TYPES = frozenset(
    [
        "cover",
        "titlepage",
        "halftitlepage",
        "frontmatter",
        "toc",
        "copyright-page",
        "imprint",
        "colophon",
        "dedication",
        "index",
    ]
)
_SKIP_GUIDE = frozenset({"cover", "title-page", "toc", "copyright-page", "dedication", "index"})
_SKIP_NAMES = re.compile(r"(cover|title[-_]?page|titlepage|copyright|^toc\b|contents|^nav\b)", re.IGNORECASE)
_BLOCKS = frozenset(
    [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "dd",
        "dt",
        "td",
        "th",
        "pre",
        "figcaption",
        "div",
        "section",
        "article",
    ]
)
_SILENT = frozenset({"script", "style", "head", "nav", "aside", "title"})
_HEADINGS = ("h1", "h2", "h3")
_MARKDOWN_START = re.compile(r"^(?:#+|>|[-*+]|\d+[.)])(?=\s)")
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


class EpubError(ValueError):
    """The bytes are not a readable EPUB; the message says what is wrong, for a person."""


@dataclass(frozen=True)
class EpubChapter:
    title: str | None
    text: str
    """Paragraphs joined by blank lines."""
    source: str
    """The spine document (href) it came from."""


@dataclass(frozen=True)
class EpubBook:
    title: str | None
    author: str | None
    language: str | None
    chapters: list[EpubChapter]
    skipped: list[str]
    """Spine documents left out as front matter or for having no text."""

    def to_markdown(self) -> str:
        parts = []
        for n, chapter in enumerate(self.chapters, start=1):
            title = chapter.title or f"অধ্যায় {to_bangla_digits(n)}"
            if chapter.title is not None or n > 1:
                parts.append(f"# {title}")
            parts.append(chapter.text)
        return "\n\n".join(parts) + "\n"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _paragraphs(root: Any) -> tuple[list[str], str | None, set[str]]:
    """Paragraphs of an XHTML tree, its first heading, and the epub:type values its body carries."""
    paragraphs: list[str] = []
    heading: str | None = None
    types: set[str] = set()
    for element in root.iter():
        name = _local(element.tag)
        if name in {"body", "section"}:
            types.update((element.get(_EPUB_TYPE) or "").split())
    for element in root.iter():
        name = _local(element.tag)
        if name not in _BLOCKS or any(_local(a.tag) in _SILENT for a in element.iterancestors()):
            continue
        if any(_local(child.tag) in _BLOCKS for child in element.iterdescendants()):
            continue  # a container: its blocks are paragraphs of their own
        words = _collapse(" ".join(_text(element)))
        if not words:
            continue
        if heading is None and name in _HEADINGS:
            heading = words
        paragraphs.append(_MARKDOWN_START.sub("", words).strip())
    return [p for p in paragraphs if p], heading, types


def _text(element: Any) -> list[str]:
    pieces: list[str] = []
    if _local(element.tag) in _SILENT or "footnote" in (element.get(_EPUB_TYPE) or ""):
        return pieces
    if _local(element.tag) == "br":
        pieces.append(" ")
    pieces.append(element.text or "")
    for child in element:
        if isinstance(child.tag, str):
            pieces.extend(_text(child))
        pieces.append(child.tail or "")
    return pieces


def _check_archive(data: bytes) -> None:
    if not data:
        raise EpubError("the file is empty")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise EpubError("the file is not a ZIP archive, so not an EPUB") from exc
    if "META-INF/container.xml" not in names:
        raise EpubError("the archive has no META-INF/container.xml, so it is not an EPUB")
    if unpacked > _MAX_UNPACKED_BYTES:
        raise EpubError(f"the archive unpacks to {unpacked:,} bytes; the limit is {_MAX_UNPACKED_BYTES:,}")


def _toc_titles(toc: object, into: dict[str, str]) -> dict[str, str]:
    for entry in toc if isinstance(toc, list | tuple) else []:
        if isinstance(entry, tuple) and len(entry) == 2:
            section, children = entry
            if isinstance(section, epub.Link | epub.Section) and getattr(section, "href", None):
                into.setdefault(section.href.split("#")[0], _collapse(section.title or ""))
            _toc_titles(children, into)
        elif isinstance(entry, epub.Link | epub.EpubHtml):
            href = entry.href if isinstance(entry, epub.Link) else entry.file_name
            title = _collapse(entry.title or "")
            if href and title:
                into.setdefault(href.split("#")[0], title)
    return into


def _first(book: Any, name: str) -> str | None:
    values = book.get_metadata("DC", name)
    return (_collapse(str(values[0][0])) or None) if values else None


def read_epub(data: bytes, skip_front_matter: bool = True) -> EpubBook:
    _check_archive(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = epub.read_epub(io.BytesIO(data), {"ignore_ncx": False})
    except Exception as exc:  # ebooklib raises whatever its parsers raise
        raise EpubError(f"the EPUB cannot be read ({type(exc).__name__}: {exc})"[:300]) from exc
    titles = _toc_titles(book.toc, {})
    guide = {ref.get("href", "").split("#")[0] for ref in book.guide if ref.get("type") in _SKIP_GUIDE}
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    chapters: list[EpubChapter] = []
    skipped: list[str] = []
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        href = item.get_name()
        if isinstance(item, epub.EpubNav) or "nav" in getattr(item, "properties", []):
            skipped.append(href)
            continue
        root = etree.fromstring(item.get_content() or b"<html/>", parser)
        paragraphs, heading, types = ([], None, set()) if root is None else _paragraphs(root)
        front = types & _SKIP_TYPES or href in guide or linear == "no"
        if not types and not guide and _SKIP_NAMES.search(basename(href).rsplit(".", 1)[0]):
            front = True
        if not paragraphs or (skip_front_matter and front):
            skipped.append(href)
            continue
        title = titles.get(href) or heading
        if title and _collapse(paragraphs[0]) == title:
            paragraphs = paragraphs[1:]  # the heading is read from the chapter title, not twice
        if paragraphs or title:
            chapters.append(EpubChapter(title, "\n\n".join(paragraphs), href))
    if not chapters:
        raise EpubError(
            "the EPUB has no readable text in its spine (every document is empty or front matter)"
        )
    return EpubBook(
        _first(book, "title"), _first(book, "creator"), _first(book, "language"), chapters, skipped
    )
