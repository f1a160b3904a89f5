"""What an EPUB's archive says about its book, read without unpacking the book's text.

The container, the package document (metadata, manifest, spine, guide) and the table of contents are read
whole, each only up to ``_MAX_DESCRIPTOR_BYTES``. Spine documents are not: ``EpubArchive.pieces`` streams
one in bounded pieces, so a reader can stop at any point, and no more than ``_MAX_UNPACKED_BYTES`` is
unpacked in all, whatever the archive's directory declares.

The contents come from the EPUB 3 navigation document; when it is missing, broken or empty, from the NCX.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from posixpath import dirname, join, normpath
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from kontho.text.xhtml import local_name, parse_tree

_MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # a zip bomb must not take the API's memory or time
_MAX_DESCRIPTOR_BYTES = 8 * 1024 * 1024  # container, package document, NCX, navigation document
_PIECE_BYTES = 64 * 1024
_CONTAINER = "META-INF/container.xml"
_PACKAGE_TYPE = "application/oebps-package+xml"
_XHTML_TYPE = "application/xhtml+xml"
_NCX_TYPE = "application/x-dtbncx+xml"
_DC = "{http://purl.org/dc/elements/1.1/}"
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


class EpubError(ValueError):
    """The bytes are not a readable EPUB; the message says what is wrong, for a person."""


@dataclass(frozen=True)
class SpineItem:
    href: str
    """As the manifest names it (percent-decoded), relative to the package document."""
    key: str
    """The normalized href: how the contents and the guide point at it."""
    path: str
    """Where the archive holds it."""
    linear: bool
    document: bool
    """An XHTML document: only those are read."""
    navigation: bool
    cover: bool


@dataclass(frozen=True)
class ContentsEntry:
    key: str
    """The document it points into."""
    fragment: str
    title: str


@dataclass(frozen=True)
class Package:
    title: str | None
    author: str | None
    language: str | None
    spine: list[SpineItem]
    contents: list[ContentsEntry]
    """Every entry of the table of contents that names a document, in reading order, a section first."""
    guide: dict[str, str]
    """EPUB 2 guide: a document's key → the type of the first reference to it, lowercased."""
    date: str | None = None
    """The first ``dc:date``, as written (``2019``, ``2019-03-01``, ...)."""
    cover: str | None = None
    """Where the archive holds the cover image: the EPUB 3 ``cover-image`` item, else EPUB 2's
    ``<meta name="cover">`` item; None when the book names none."""


class EpubArchive:
    """An open EPUB: its ``package``, and its documents as streams."""

    def __init__(self, data: bytes) -> None:
        if not data:
            raise EpubError("the file is empty")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise EpubError("the file is not a ZIP archive, so it is not an EPUB") from exc
        self._unpacked = 0
        try:
            self.package = self._read_package()
        except BaseException:
            self._zip.close()
            raise

    def pieces(self, path: str) -> Iterator[bytes]:
        """The member's bytes in pieces of at most 64 KiB, unpacked as they are asked for."""
        try:
            with self._zip.open(path) as member:
                while piece := member.read(_PIECE_BYTES):
                    self._unpacked += len(piece)
                    if self._unpacked > _MAX_UNPACKED_BYTES:
                        raise EpubError(f"the archive unpacks to more than {_MAX_UNPACKED_BYTES:,} bytes")
                    yield piece
        except KeyError as exc:
            raise EpubError(f"the EPUB names a file its archive does not hold ({path!s:.120})") from exc
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as exc:
            raise EpubError(f"the archive's file {path!s:.120} cannot be unpacked ({exc!s:.120})") from exc

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> EpubArchive:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _read_package(self) -> Package:
        infos = self._zip.infolist()
        if _CONTAINER not in {info.filename for info in infos}:
            raise EpubError(f"the ZIP archive has no {_CONTAINER}, so it is not an EPUB")
        unpacked = sum(info.file_size for info in infos)
        if unpacked > _MAX_UNPACKED_BYTES:
            raise EpubError(
                f"the archive unpacks to {unpacked:,} bytes; the limit is {_MAX_UNPACKED_BYTES:,}"
            )
        container = self._tree(_CONTAINER)
        rootfile = next(
            (r for r in container.iter("{*}rootfile") if r.get("media-type") == _PACKAGE_TYPE), None
        )
        if rootfile is None or not rootfile.get("full-path"):
            raise _malformed("the container names no package document")
        opf_path = normpath(rootfile.get("full-path"))
        opf = self._tree(opf_path)
        manifest, spine_element = opf.find("{*}manifest"), opf.find("{*}spine")
        if manifest is None or spine_element is None:
            raise _malformed("the package document has no manifest or no spine")
        opf_dir = dirname(opf_path)
        items = {
            item.get("id"): item for item in manifest.iter("{*}item") if item.get("id") and item.get("href")
        }
        documents = {
            normpath(unquote(item.get("href")))
            for item in items.values()
            if item.get("media-type") == _XHTML_TYPE
        }
        spine = []
        for ref in spine_element.iter("{*}itemref"):
            item = items.get(ref.get("idref"))
            if item is None:
                continue
            href = unquote(item.get("href"))
            properties = (item.get("properties") or "").split()
            document = item.get("media-type") == _XHTML_TYPE
            spine.append(
                SpineItem(
                    href=href,
                    key=normpath(href),
                    path=normpath(join(opf_dir, href)),
                    linear=ref.get("linear", "yes") != "no",
                    document=document,
                    navigation=document and "nav" in properties,
                    cover=document and "cover" in properties,
                )
            )
        nav = next((i for i in items.values() if i.get("media-type") == _XHTML_TYPE and _is_nav(i)), None)
        ncx = items.get(spine_element.get("toc"))
        if ncx is None:
            ncx = next((i for i in items.values() if i.get("media-type") == _NCX_TYPE), None)
        contents = self._navigation(nav, opf_dir, documents) or self._ncx(ncx, opf_dir, documents)
        guide: dict[str, str] = {}
        for ref in opf.iterfind("{*}guide/{*}reference"):
            if (target := _resolve(ref.get("href") or "", documents, [""])) is not None:
                guide.setdefault(target[0], (ref.get("type") or "").lower())
        metadata = opf.find("{*}metadata")
        cover = _cover_item(items, metadata)
        return Package(
            title=_metadata(metadata, "title"),
            author=_metadata(metadata, "creator"),
            language=_metadata(metadata, "language"),
            spine=spine,
            contents=contents,
            guide=guide,
            date=_metadata(metadata, "date"),
            cover=None if cover is None else normpath(join(opf_dir, unquote(cover.get("href")))),
        )

    def _tree(self, path: str) -> Any:
        try:
            info = self._zip.getinfo(path)
        except KeyError as exc:
            raise _malformed(f"it names {path!s:.120}, which the archive does not hold") from exc
        if info.file_size > _MAX_DESCRIPTOR_BYTES:
            raise _malformed(
                f"{path!s:.120} has {info.file_size:,} bytes; the limit is {_MAX_DESCRIPTOR_BYTES:,}"
            )
        root = parse_tree(b"".join(self.pieces(path)))
        if root is None:
            raise _malformed(f"{path!s:.120} is not XML")
        return root

    def _contents_tree(self, item: Any, opf_dir: str) -> tuple[str, Any] | None:
        """A table of contents' href and parsed tree; None when the book has none or it does not parse."""
        if item is None:
            return None
        href = unquote(item.get("href"))
        try:
            return href, self._tree(normpath(join(opf_dir, href)))
        except EpubError:
            return None

    def _navigation(self, item: Any, opf_dir: str, documents: set[str]) -> list[ContentsEntry]:
        """Entries of the navigation document's ``toc`` nav: each list item's link, nested lists in order."""
        found = self._contents_tree(item, opf_dir)
        if found is None:
            return []  # the NCX may still give the contents
        href, root = found
        nav = next((n for n in root.iter("{*}nav") if "toc" in _types(n) or "toc" in n.attrib.values()), None)
        top = _child(nav, "ol") if nav is not None else None
        if top is None:
            return []
        entries = []
        for li in top.iter("{*}li"):
            link = _child(li, "a")
            if link is not None and link.get("href"):
                title = " ".join("".join(link.itertext()).split())
                entries.append((link.get("href"), title))
        return _resolved(entries, documents, [dirname(normpath(href)), ""])

    def _ncx(self, item: Any, opf_dir: str, documents: set[str]) -> list[ContentsEntry]:
        found = self._contents_tree(item, opf_dir)
        if found is None:
            return []
        href, root = found
        entries = []
        for point in root.iterfind(".//{*}navMap//{*}navPoint"):
            label, content = point.find("{*}navLabel"), point.find("{*}content")
            title = " ".join("".join(label.itertext()).split()) if label is not None else ""
            entries.append((content.get("src", "") if content is not None else "", title))
        return _resolved(entries, documents, [dirname(normpath(href)), ""])


def _cover_item(items: dict[Any, Any], metadata: Any) -> Any:
    """The manifest item of the cover image: EPUB 3 marks it, EPUB 2 names its id in a meta."""
    marked = next((i for i in items.values() if "cover-image" in (i.get("properties") or "").split()), None)
    if marked is not None or metadata is None:
        return marked
    named = next((m.get("content") for m in metadata.iter("{*}meta") if m.get("name") == "cover"), None)
    return items.get(named)


def _malformed(detail: str) -> EpubError:
    return EpubError(f"the EPUB's container, package document or table of contents is malformed ({detail})")


def _is_nav(item: Any) -> bool:
    return "nav" in (item.get("properties") or "").split()


def _types(element: Any) -> set[str]:
    return set((element.get(_EPUB_TYPE) or element.get("epub:type") or "").lower().split())


def _child(element: Any, name: str) -> Any:
    return next((c for c in element if local_name(c.tag) == name), None)


def _resolved(entries: list[tuple[str, str]], documents: set[str], bases: list[str]) -> list[ContentsEntry]:
    resolved = []
    for href, title in entries:
        if title and (target := _resolve(href, documents, bases)) is not None:
            resolved.append(ContentsEntry(*target, title))
    return resolved


def _resolve(href: str, documents: set[str], bases: list[str]) -> tuple[str, str] | None:
    path, _, fragment = unquote(href).partition("#")
    for base in bases:
        name = normpath(join(base, path))
        if path and name in documents:
            return name, fragment
    return None


def _metadata(metadata: Any, name: str) -> str | None:
    if metadata is None:
        return None
    for element in metadata.iter(_DC + name):
        if text := " ".join("".join(element.itertext()).split()):
            return text
    return None
