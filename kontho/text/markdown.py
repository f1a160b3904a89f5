"""Markdown as the plain text a voice reads, and where in the Markdown each of its characters came from.

Parsed by markdown-it-py: CommonMark, with GitHub's tables and strikethrough. Read aloud: the text of
paragraphs, headings, list items, block quotes and table cells (a cell is a paragraph), the text of
links, and code, inline or in blocks (a block line by line). Not read: every mark (``#``, ``*``, ``_``,
backticks, ``~~``, ``>``, list markers, fences, rules), link destinations and titles, autolinks (a URL
read out is noise), raw HTML (tags; an HTML block whole), and images, alt text included: it describes a
picture to a reader who cannot see it, and the narration has no picture to describe.

Each block is one line of the plain text, which is one paragraph to the chunker; a hard line break starts
another. A soft line break is a space: a paragraph wrapped over several lines is one paragraph.

Chapter headings are the top-level ATX headings of levels 1 and 2 (``#``, ``##``) with text;
``chapter_headings`` finds them without reading the rest of the text's inline markup, which keeps it
cheap enough for the API to count a long book's chapters at submission.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from kontho.text.unicode import normalize_unicode

# Inline markup is parsed block by block (MarkdownIt.parseInline), so only one block's tokens are held at
# once; text_join is off so that escapes and entities stay tokens of their own, whose source form is known.
_BLOCKS = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).disable("inline")
_INLINE = MarkdownIt("commonmark", {"html": True}).enable(["strikethrough"]).disable("text_join")
_NEWLINE = re.compile(r"\r\n|\r|\n")  # what markdown-it counts lines by
# markdown-it's inline parser slows more than linearly on long runs of brackets or emphasis marks; a
# paragraph longer than this (no book has one) is parsed in pieces cut at white space.
_INLINE_PIECE = 20_000
_CHAPTER_LEVELS = ("h1", "h2")


@dataclass(frozen=True)
class Heading:
    """A chapter heading: its title as plain text, and its line's span in the Markdown and the plain text."""

    title: str
    source_start: int
    source_end: int
    """Where the heading's line ends (before the line break)."""
    plain_start: int = 0
    plain_end: int = 0
    """Just past the heading's line break in the plain text."""


@dataclass(frozen=True)
class PlainText:
    text: str
    """One paragraph a line."""
    headings: list[Heading]
    _runs: tuple[Sequence[int], Sequence[int], Sequence[int]]
    """Stretches copied unchanged: where each starts in ``text``, where in the Markdown, how long."""
    _paragraph_starts: dict[int, int]

    def source_start(self, offset: int) -> int:
        """Where in the Markdown the character at ``offset`` of ``text`` comes from; a paragraph's first
        character comes from where its block starts, marks included (``# `` for a heading)."""
        if offset in self._paragraph_starts:
            return self._paragraph_starts[offset]
        plain, source, length = self._runs
        run = bisect_right(plain, offset) - 1
        if run < 0:
            return 0
        # A character the rendering put there (a space for a line break) stands just past the run before it.
        return source[run] + min(offset - plain[run], length[run])

    def source_end(self, offset: int) -> int:
        """Where in the Markdown the text that ends just before ``offset`` of ``text`` ends."""
        if offset <= 0:
            return 0
        plain, source, length = self._runs
        run = bisect_right(plain, offset - 1) - 1
        if run < 0:
            return 0
        return source[run] + min(offset - plain[run], length[run])


def to_plain(markdown: str) -> PlainText:
    """The Markdown as the plain text a voice reads, with its chapter headings."""
    lines = _Lines(markdown)
    out = _Writer(markdown)
    env: dict[str, Any] = {}
    blocks = _BLOCKS.parse(markdown, env)
    headings: list[Heading] = []
    for n, token in enumerate(blocks):
        if token.type == "inline" and token.map:
            opener = blocks[n - 1]
            start, limit = lines.start(token.map[0]), lines.start(token.map[1])
            if opener.type in ("paragraph_open", "heading_open"):  # a table cell shares its line
                out.paragraph_starts_at(lines.first_mark(token.map[0]))
            plain_start, mark = out.length, out.mark()
            _inline(token.content, env, out, start, limit)
            title = out.since(mark)
            out.end_paragraph()
            if _is_chapter_heading(opener) and (title := _title(title)):
                end = lines.end(token.map[0])
                headings.append(Heading(title, lines.start(token.map[0]), end, plain_start, out.length))
        elif token.type in ("fence", "code_block") and token.map:
            cursor, limit = lines.start(token.map[0]), lines.start(token.map[1])
            for line in token.content.splitlines():
                if line.strip():
                    cursor = out.copy(line, cursor, limit)
                    out.end_paragraph()
    return out.result(headings)


def chapter_headings(markdown: str) -> list[Heading]:
    """The chapter headings alone (their ``plain_*`` offsets are not known here, and are 0)."""
    lines = _Lines(markdown)
    env: dict[str, Any] = {}
    blocks = _BLOCKS.parse(markdown, env)
    headings = []
    for n, token in enumerate(blocks):
        if token.type == "inline" and token.map and _is_chapter_heading(blocks[n - 1]):
            out = _Writer(token.content)
            _inline(token.content, env, out, 0, len(token.content))
            if title := _title(out.since(0)):
                headings.append(Heading(title, lines.start(token.map[0]), lines.end(token.map[0])))
    return headings


def _is_chapter_heading(opener: Any) -> bool:
    return bool(
        opener.type == "heading_open"
        and opener.level == 0
        and opener.tag in _CHAPTER_LEVELS
        and opener.markup.startswith("#")
    )


def _title(text: str) -> str:
    return " ".join(normalize_unicode(text).split())


def _inline(content: str, env: dict[str, Any], out: _Writer, cursor: int, limit: int) -> None:
    """One block's inline Markdown as plain text; ``cursor`` follows it through the block's source."""
    start = 0
    while start < len(content):
        end = next_start = min(len(content), start + _INLINE_PIECE)
        if end < len(content):
            cut = max(content.rfind(" ", start, end), content.rfind("\n", start, end))
            if cut > start:
                end, next_start = cut, cut + 1
        cursor = _inline_tokens(
            _INLINE.parseInline(content[start:end], env)[0].children or [], out, cursor, limit
        )
        if next_start > end:
            out.add(" ")  # the white space cut at
        start = next_start


def _inline_tokens(children: list[Any], out: _Writer, cursor: int, limit: int) -> int:
    in_autolink = False
    for token in children:
        kind = token.type
        if kind == "link_open" and token.markup == "autolink":
            in_autolink = True
        elif kind == "link_close" and in_autolink:
            in_autolink = False
        elif in_autolink:
            continue
        elif kind in ("text", "code_inline"):
            cursor = out.copy(token.content, cursor, limit)
        elif kind == "text_special":  # an escape or an entity: its character, from its source form
            cursor = out.copy(token.content, cursor, limit, source_form=token.markup)
        elif kind == "softbreak":
            out.add(" ")
        elif kind == "hardbreak":
            out.end_paragraph()
        # Anything else is markup (emphasis, links' ends, HTML, images): nothing is read.
    return cursor


class _Lines:
    def __init__(self, text: str) -> None:
        breaks = list(_NEWLINE.finditer(text))
        self._starts = [0, *(m.end() for m in breaks)]
        self._ends = [*(m.start() for m in breaks), len(text)]
        self._text = text

    def start(self, line: int) -> int:
        return self._starts[line] if line < len(self._starts) else len(self._text)

    def end(self, line: int) -> int:
        return self._ends[min(line, len(self._ends) - 1)]

    def first_mark(self, line: int) -> int:
        """The line's first character that is not white space."""
        start, end = self.start(line), self.end(line)
        return start + len(self._text[start:end]) - len(self._text[start:end].lstrip())


class _Writer:
    def __init__(self, source: str) -> None:
        self._source = source
        self._parts: list[str] = []
        self.length = 0
        self._runs: tuple[array[int], array[int], array[int]] = (array("q"), array("q"), array("q"))
        self._paragraph_starts: dict[int, int] = {}
        self._pending_start: int | None = None

    def paragraph_starts_at(self, source: int) -> None:
        self._pending_start = source

    def add(self, text: str) -> None:
        if text:
            if self._pending_start is not None:
                self._paragraph_starts[self.length] = self._pending_start
                self._pending_start = None
            self._parts.append(text)
            self.length += len(text)

    def copy(self, text: str, cursor: int, limit: int, source_form: str | None = None) -> int:
        """Add ``text``, found in the source at or after ``cursor`` (as ``source_form`` if given); returns
        where the search for the next piece starts. Text not found (code whose line breaks became spaces)
        is added without a run: it maps to the end of the run before it."""
        found = self._source.find(source_form or text, cursor, limit)
        if found != -1 and text:
            plain, source, length = self._runs
            plain.append(self.length)
            source.append(found)
            length.append(len(text))
            cursor = found + len(source_form or text)
        self.add(text)
        return cursor

    def end_paragraph(self) -> None:
        self._pending_start = None
        if self._parts and not self._parts[-1].endswith("\n"):
            self.add("\n")

    def mark(self) -> int:
        return len(self._parts)

    def since(self, mark: int) -> str:
        """The text added since ``mark()`` gave ``mark``."""
        return "".join(self._parts[mark:])

    def result(self, headings: list[Heading]) -> PlainText:
        return PlainText("".join(self._parts), headings, self._runs, self._paragraph_starts)
