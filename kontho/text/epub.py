"""EPUB books in, kontho's Markdown out: one ``#`` heading per chapter, then its paragraphs.

Chapters are the spine's XHTML documents in reading order, titled by the first table-of-contents entry
pointing at them, else by their first h1-h3. Further entries pointing into a document (``book.xhtml#ch2``)
start chapters there, for books that keep several chapters in one file. In a book with a table of contents,
a document that neither it nor a heading names continues the chapter before: tools split long chapters.

Front matter is left out when asked (the default), judged by the most specific mark the book gives: EPUB 3
``epub:type`` on the body or its top-level children (cover, titlepage, halftitlepage, toc, loi, lot,
landmarks, copyright-page, imprint, colophon, dedication, index, or bare frontmatter/backmatter, unless
also marked as writing a listener wants: chapter, prologue, preface, foreword, introduction, afterword,
epigraph, appendix, ...); else the EPUB 2 guide (cover, title-page, toc, copyright-page, colophon,
dedication, index, loi, lot, notes); else a word of the file name (cover, title, titlepage, halftitle,
copyright, toc, contents, colophon, imprint). Non-linear spine items are outside the reading order by the
publisher's own account, so they count as front matter. The navigation document and documents without
text are never chapters.

Each block element is a paragraph and ``<br>`` a space. Scripts, styles, navigation, asides, SVG, ruby
annotations, notes, note references and page-break markers say nothing: a listener cannot follow a note,
and page numbers belong to print. Markdown block marks opening a paragraph are dropped, so a paragraph
reading ``# ...`` cannot become a chapter heading.

Documents are read as they unpack, never whole: with ``max_chars``, reading stops as soon as the text kept
passes it (``EpubTooLong``), so what a book's size costs in memory is bounded by the limit, not the file.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from posixpath import basename
from typing import Any

from lxml import etree

from kontho.text.epub_package import EpubArchive, EpubError, Package, SpineItem
from kontho.text.numbers import to_bangla_digits
from kontho.text.xhtml import local_name, numeric_entities_in_pieces, parser

__all__ = [
    "EpubBook",
    "EpubChapter",
    "EpubError",
    "EpubReadersBusy",
    "EpubTooLong",
    "read_epub",
    "reading_slot",
]

# fmt: off
_FRONT_TYPES = frozenset({
    "cover", "titlepage", "halftitlepage", "toc", "loi", "lot", "landmarks", "copyright-page", "imprint",
    "colophon", "dedication", "index", "frontmatter", "backmatter",
})
_AUTHORED_TYPES = frozenset({
    "bodymatter", "chapter", "part", "prologue", "epilogue", "preface", "foreword", "introduction",
    "preamble", "afterword", "conclusion", "appendix", "epigraph",
})
_FRONT_GUIDE = frozenset({
    "cover", "title-page", "toc", "copyright-page", "colophon", "dedication", "index", "loi", "lot", "notes",
})
_SILENT_TAGS = frozenset({"head", "title", "script", "style", "template", "nav", "aside", "svg", "rt", "rp"})
_SILENT_TYPES = frozenset({
    "footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes", "noteref", "pagebreak",
})
_BLOCKS = frozenset({
    "body", "section", "article", "main", "header", "footer", "div", "p", "blockquote", "pre", "address",
    "figure", "figcaption", "hgroup", "details", "summary", "ul", "ol", "li", "dl", "dt", "dd", "table",
    "caption", "tr", "td", "th", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
})
# fmt: on
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TITLE_HEADINGS = _HEADINGS[:3]
_FRONT_NAME = re.compile(
    r"(?<![a-z])(cover|title|titlepage|halftitle|copyright|toc|contents|colophon|imprint)(?![a-z])"
)
_MARKDOWN_START = re.compile(r"^(?:#+|>|[-*+]|\d+[.)])(?:\s+|$)")
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
_SPACES = re.compile(r"\s+")
_SQUEEZE_AT = 64 * 1024
_READING_SLOTS = threading.BoundedSemaphore(2)
SLOT_WAIT_SECONDS = 3.0
"""How long a read waits for a slot; short, because the thread waiting is one of a server's few."""


class EpubTooLong(ValueError):
    """The book's text passes the character limit; reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the EPUB's text has more than {limit:,} characters")
        self.limit = limit


class EpubReadersBusy(RuntimeError):
    """Every reading slot stayed taken for the whole wait."""

    retry_after_seconds = 5


@contextmanager
def reading_slot() -> Iterator[None]:
    """One of the process's two EPUB reading slots, held for the block; ``EpubReadersBusy`` if none frees
    up within ``SLOT_WAIT_SECONDS``.

    A read holds the upload's bytes and up to the character limit's worth of text, so two slots bound what
    any number of EPUB submissions at once can take of a process's memory.
    """
    if not _READING_SLOTS.acquire(timeout=SLOT_WAIT_SECONDS):
        raise EpubReadersBusy(f"every EPUB reading slot stayed taken for {SLOT_WAIT_SECONDS:g} seconds")
    try:
        yield
    finally:
        _READING_SLOTS.release()


@dataclass(frozen=True)
class EpubChapter:
    title: str | None
    text: str
    """Paragraphs joined by blank lines."""
    source: str
    """The spine document (href) it starts in."""


@dataclass(frozen=True)
class EpubBook:
    title: str | None
    author: str | None
    language: str | None
    chapters: list[EpubChapter]
    skipped: list[str]
    """Spine documents left out as front or back matter, as navigation, or for having no text."""

    def to_markdown(self) -> str:
        """The book as kontho's Markdown; a chapter without a title opens the book or is given a number."""
        parts: list[str] = []
        for n, chapter in enumerate(self.chapters, start=1):
            if chapter.title is not None or n > 1:
                parts.append(f"# {chapter.title or 'অধ্যায় ' + to_bangla_digits(n)}")
            if chapter.text:
                parts.append(chapter.text)
        return "\n\n".join(parts) + "\n"


def read_epub(data: bytes, skip_front_matter: bool = True, max_chars: int | None = None) -> EpubBook:
    """The book's chapters; ``EpubTooLong`` once the text kept passes ``max_chars``.

    ``EpubError`` when the bytes are not a readable EPUB.
    """
    with EpubArchive(data) as archive:
        package = archive.package
        firsts, splits = _contents(package)
        chapters: list[EpubChapter] = []
        skipped: list[str] = []
        kept = 0
        for item in package.spine:
            front = not item.linear or item.cover
            if not item.document or item.navigation or (skip_front_matter and front):
                skipped.append(item.href)  # read for nothing: it would be left out whatever it says
                continue
            room = None if max_chars is None else max_chars - kept
            first = firsts.get(item.key)
            reader = _Reader(first[1] if first else None, dict(splits.get(item.key, {})), room)
            _read(archive, item, reader)
            front = front or _is_front(item.key, reader.types, package.guide)
            if skip_front_matter and front:
                skipped.append(item.href)
                continue
            if reader.full:
                raise EpubTooLong(max_chars or 0)
            parts = [part for part in reader.parts if part.paragraphs]
            if not parts:
                skipped.append(item.href)
                continue
            kept += reader.characters
            for part in parts:
                title = part.title or part.heading
                text = "\n\n".join(_without_title(part, title))
                if title is None and firsts and chapters:  # a long chapter's next file
                    chapters[-1] = replace(
                        chapters[-1], text="\n\n".join(t for t in (chapters[-1].text, text) if t)
                    )
                else:
                    chapters.append(EpubChapter(title, text, item.href))
    if not chapters:
        raise EpubError("the EPUB has no readable text: every document in its spine is empty or front matter")
    return EpubBook(package.title, package.author, package.language, chapters, skipped)


def _read(archive: EpubArchive, item: SpineItem, reader: _Reader) -> None:
    """Feed the document to ``reader`` as it unpacks, until it ends or the reader is full."""
    xml = parser(reader)
    try:
        for piece in numeric_entities_in_pieces(archive.pieces(item.path)):
            xml.feed(piece)
            if reader.full:
                return
        xml.close()
    except etree.XMLSyntaxError:  # what recovery could not mend ends the document; what came before stays
        reader.close()


@dataclass
class _Part:
    title: str | None
    paragraphs: list[str] = field(default_factory=list)
    heading: str | None = None
    """Its first h1-h3: the title when the contents give none."""
    leads_with_heading: bool = False


class _Reader:
    """The parser's target for one XHTML document: its paragraphs, cut into parts where the table of
    contents points into it, and the ``epub:type`` of its body and the body's children."""

    def __init__(self, title: str | None, splits: dict[str, str], room: int | None) -> None:
        self.parts = [_Part(title)]
        self.splits = splits
        self.room = room
        self.types: set[str] = set()
        self.characters = 0
        """Characters of the paragraphs so far."""
        # The paragraph under way: text as the parser gave it, then squeezed in pieces of _SQUEEZE_AT,
        # so that a paragraph without end costs what its words do, and is counted as it grows.
        self._raw: list[str] = []
        self._raw_length = 0
        self._squeezed: list[str] = []
        self._squeezed_length = 0
        self._open: list[str] = []
        self._silent = 0
        self._body: int | None = None
        """How many elements were open when the body started; -1 once it has ended."""

    @property
    def full(self) -> bool:
        return self.room is not None and self.characters + self._squeezed_length > self.room

    def start(self, tag: str, attrib: Any) -> None:
        name, types = local_name(tag), _types(attrib)
        if self._body is None and name == "body":
            self._body = len(self._open)
            self.types |= types
        elif self._body is not None and len(self._open) == self._body + 1:
            self.types |= types
        self._open.append(name)
        if self._silent or name in _SILENT_TAGS or types & _SILENT_TYPES:
            self._silent += 1
            return
        anchor = attrib.get("id")
        if name in _BLOCKS or anchor in self.splits:
            self.flush("")  # text before a block is a paragraph of its own
        if anchor in self.splits:
            self.parts.append(_Part(self.splits.pop(anchor)))
        if name == "br":
            self.data(" ")

    def end(self, tag: str) -> None:
        name = self._open.pop() if self._open else ""
        if self._body == len(self._open):
            self._body = -1
        if self._silent:
            self._silent -= 1
        elif name in _BLOCKS:
            self.flush(name)

    def data(self, text: str) -> None:
        if self._silent:
            return
        self._raw.append(text)
        self._raw_length += len(text)
        if self._raw_length > _SQUEEZE_AT:
            self._squeeze()

    def close(self) -> _Reader:
        self.flush("")
        return self

    def flush(self, name: str) -> None:
        self._squeeze()
        text = _unmarked("".join(self._squeezed).strip())
        self._squeezed.clear()
        self._squeezed_length = 0
        if not text:
            return
        part = self.parts[-1]
        if name in _TITLE_HEADINGS and part.heading is None:
            part.heading = text
        if not part.paragraphs:
            part.leads_with_heading = name in _HEADINGS
        part.paragraphs.append(text)
        self.characters += len(text)

    def _squeeze(self) -> None:
        """Soft hyphens out, every run of white space one space, with the paragraph's text so far."""
        text = _SPACES.sub(" ", "".join(self._raw).replace("\u00ad", ""))
        self._raw.clear()
        self._raw_length = 0
        if text[:1] == " " and (not self._squeezed or self._squeezed[-1][-1:] == " "):
            text = text[1:]
        if text:
            self._squeezed.append(text)
            self._squeezed_length += len(text)


def _contents(package: Package) -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, str]]]:
    """Per document: its first contents entry (fragment, title), and the later ones' titles by fragment."""
    firsts: dict[str, tuple[str, str]] = {}
    splits: dict[str, dict[str, str]] = {}
    for entry in package.contents:
        if entry.key not in firsts:
            firsts[entry.key] = (entry.fragment, entry.title)
        elif entry.fragment and entry.fragment != firsts[entry.key][0]:
            splits.setdefault(entry.key, {}).setdefault(entry.fragment, entry.title)
    return firsts, splits


def _is_front(key: str, types: set[str], guide: dict[str, str]) -> bool:
    if types:
        return bool(types & _FRONT_TYPES) and not types & _AUTHORED_TYPES
    if key in guide:
        return guide[key] in _FRONT_GUIDE
    return _FRONT_NAME.search(basename(key).rsplit(".", 1)[0].lower()) is not None


def _without_title(part: _Part, title: str | None) -> list[str]:
    """The paragraphs, less the heading that says the title again (the title is read from the heading)."""
    paragraphs, key = part.paragraphs, _key(title or "")
    if not key:
        return paragraphs
    for n in range(1, min(3, len(paragraphs)) + 1):
        if _key(" ".join(paragraphs[:n])) == key:
            return paragraphs[n:]
    lead = _key(paragraphs[0])
    return paragraphs[1:] if part.leads_with_heading and lead and lead in key else paragraphs


def _key(text: str) -> str:
    """Text as compared with a title: case, spacing, punctuation and Unicode composition do not count."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNM")


def _unmarked(text: str) -> str:
    while (unmarked := _MARKDOWN_START.sub("", text, count=1)) != text:
        text = unmarked
    return text


def _types(attrib: Any) -> set[str]:
    return set((attrib.get(_EPUB_TYPE) or attrib.get("epub:type") or "").lower().split())
