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
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from html.entities import html5
from posixpath import basename, dirname, join, normpath
from typing import Any
from urllib.parse import unquote

import ebooklib
from ebooklib import epub
from lxml import etree

from kontho.text.numbers import to_bangla_digits

_MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # a zip bomb must not take the API's memory
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
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset([b"amp", b"lt", b"gt", b"quot", b"apos"])
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


class EpubError(ValueError):
    """The bytes are not a readable EPUB; the message says what is wrong, for a person."""


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


def read_epub(data: bytes, skip_front_matter: bool = True) -> EpubBook:
    book = _open(data)
    docs = {normpath(item.get_name()): item for item in book.get_items_of_type(ebooklib.ITEM_DOCUMENT)}
    firsts, splits = _contents(book, docs)
    guide: dict[str, str] = {}
    for ref in book.guide:
        if (target := _resolve(ref.get("href") or "", docs, [""])) is not None:
            guide.setdefault(target[0], (ref.get("type") or "").lower())

    chapters: list[EpubChapter] = []
    skipped: list[str] = []
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None:
            continue
        href, key = item.get_name(), normpath(item.get_name())
        if key not in docs or isinstance(item, epub.EpubNav) or "nav" in getattr(item, "properties", []):
            skipped.append(href)
            continue
        # The file as stored: ebooklib's get_content() re-renders a document and loses the body's marks.
        raw = item.content or b""
        root = _parse(raw.encode("utf-8") if isinstance(raw, str) else raw)
        reader = _Reader(firsts[key][1] if key in firsts else None, dict(splits.get(key, {})))
        if root is not None:
            reader.walk(root)
            reader.flush("")
        parts = [part for part in reader.parts if part.paragraphs]
        front = linear == "no" or isinstance(item, epub.EpubCoverHtml) or _is_front(key, root, guide)
        if not parts or (skip_front_matter and front):
            skipped.append(href)
            continue
        for part in parts:
            title = part.title or part.heading
            text = "\n\n".join(_without_title(part, title))
            if title is None and firsts and chapters:  # a long chapter's next file
                chapters[-1] = replace(
                    chapters[-1], text="\n\n".join(t for t in (chapters[-1].text, text) if t)
                )
            else:
                chapters.append(EpubChapter(title, text, href))
    if not chapters:
        raise EpubError("the EPUB has no readable text: every document in its spine is empty or front matter")
    return EpubBook(
        _metadata(book, "title"), _metadata(book, "creator"), _metadata(book, "language"), chapters, skipped
    )


@dataclass
class _Part:
    title: str | None
    paragraphs: list[str] = field(default_factory=list)
    heading: str | None = None
    """Its first h1-h3: the title when the contents give none."""
    leads_with_heading: bool = False


class _Reader:
    """Paragraphs of one XHTML document, cut into parts where the table of contents points into it."""

    def __init__(self, title: str | None, splits: dict[str, str]) -> None:
        self.parts = [_Part(title)]
        self.splits = splits
        self.words: list[str] = []

    def walk(self, element: Any) -> None:
        name = _local(element.tag)
        if name in _SILENT_TAGS or _types(element) & _SILENT_TYPES:
            return
        anchor = element.get("id")
        if name in _BLOCKS or anchor in self.splits:
            self.flush("")  # text before a block is a paragraph of its own
        if anchor in self.splits:
            self.parts.append(_Part(self.splits.pop(anchor)))
        self.words.append(" " if name == "br" else element.text or "")
        for child in element:
            if isinstance(child.tag, str):
                self.walk(child)
            self.words.append(child.tail or "")
        if name in _BLOCKS:
            self.flush(name)

    def flush(self, name: str) -> None:
        text = _clean("".join(self.words))
        self.words.clear()
        if not text:
            return
        part = self.parts[-1]
        if name in _TITLE_HEADINGS and part.heading is None:
            part.heading = text
        if not part.paragraphs:
            part.leads_with_heading = name in _HEADINGS
        part.paragraphs.append(text)


def _open(data: bytes) -> Any:
    if not data:
        raise EpubError("the file is empty")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise EpubError("the file is not a ZIP archive, so it is not an EPUB") from exc
    if "META-INF/container.xml" not in names:
        raise EpubError("the ZIP archive has no META-INF/container.xml, so it is not an EPUB")
    if unpacked > _MAX_UNPACKED_BYTES:
        raise EpubError(f"the archive unpacks to {unpacked:,} bytes; the limit is {_MAX_UNPACKED_BYTES:,}")
    # The option is passed either way because ebooklib warns when it is left out. The EPUB 3 navigation
    # document gives the contents first; when it is broken the NCX may still give them.
    with suppress(Exception):
        return epub.read_epub(io.BytesIO(data), {"ignore_ncx": True})
    try:
        return epub.read_epub(io.BytesIO(data), {"ignore_ncx": False})
    except KeyError as exc:
        raise EpubError(f"the EPUB names a file its archive does not hold ({exc.args[0]!s:.120})") from exc
    except Exception as exc:  # ebooklib lets its parsers' errors through, of any type
        detail = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise EpubError(
            f"the EPUB's container, package document or table of contents is malformed ({detail!s:.200})"
        ) from exc


def _contents(
    book: Any, docs: dict[str, Any]
) -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, str]]]:
    """Per document: its first contents entry (fragment, title), and the later ones' titles by fragment."""
    ncx = next((item for item in book.get_items() if isinstance(item, epub.EpubNcx)), None)
    bases = ["", dirname(ncx.get_name())] if ncx is not None else [""]  # NCX links are relative to the NCX
    firsts: dict[str, tuple[str, str]] = {}
    splits: dict[str, dict[str, str]] = {}
    for href, title in _toc_entries(book.toc):
        target = _resolve(href, docs, bases)
        if target is None or not title:
            continue
        name, fragment = target
        if name not in firsts:
            firsts[name] = (fragment, title)
        elif fragment and fragment != firsts[name][0]:
            splits.setdefault(name, {}).setdefault(fragment, title)
    return firsts, splits


def _toc_entries(toc: object) -> Iterator[tuple[str, str]]:
    """(href, title) of every contents entry in reading order, a section before its children."""
    for entry in toc if isinstance(toc, list) else [toc]:
        if isinstance(entry, tuple) and len(entry) == 2:
            yield from _toc_entries(entry[0])
            yield from _toc_entries(entry[1])
        elif isinstance(entry, epub.Link | epub.Section):
            yield getattr(entry, "href", "") or "", " ".join((entry.title or "").split())


def _resolve(href: str, docs: dict[str, Any], bases: list[str]) -> tuple[str, str] | None:
    path, _, fragment = unquote(href).partition("#")
    for base in bases:
        name = normpath(join(base, path))
        if path and name in docs:
            return name, fragment
    return None


def _parse(content: bytes) -> Any:
    # XHTML named entities other than XML's own are undefined without the DTD, and libxml2's recovery then
    # drops every entity after the first; numeric references mean the same and always parse.
    content = _ENTITY.sub(_numeric_entity, content)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError:  # nothing a recovering parser can make a document of
        return None


def _numeric_entity(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    chars = None if name in _XML_ENTITIES else html5.get(name.decode("ascii") + ";")
    return b"".join(b"&#%d;" % ord(c) for c in chars) if chars else match.group(0)


def _is_front(key: str, root: Any, guide: dict[str, str]) -> bool:
    body = next(root.iter("{*}body"), None) if root is not None else None
    types: set[str] = set().union(*map(_types, [body, *body])) if body is not None else set()
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


def _clean(text: str) -> str:
    text = " ".join(text.replace("\u00ad", "").split())
    while (unmarked := _MARKDOWN_START.sub("", text, count=1)) != text:
        text = unmarked
    return text


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _types(element: Any) -> set[str]:
    if not isinstance(element.tag, str):
        return set()
    return set((element.get(_EPUB_TYPE) or element.get("epub:type") or "").lower().split())


def _metadata(book: Any, name: str) -> str | None:
    for value, _ in book.get_metadata("DC", name):
        if isinstance(value, str) and (text := " ".join(value.split())):
            return text
    return None
