"""Chapters of a submitted text, as code point spans of it.

- Markdown (``text_format: markdown``): a top-level heading of level 1 or 2 (``# ...``, ``## ...``) starts
  a chapter; its text, without its marks, is the chapter's title (kontho/text/markdown.py reads the
  Markdown: a ``#`` in a code block or a quotation starts nothing).
- Plain text: a line that starts with অধ্যায়, পরিচ্ছেদ, পর্ব, খণ্ড or Chapter, is at most 80 characters long
  and does not end a sentence starts a chapter (for example ``অধ্যায় ৩: বনের পথে``).

Text before the first heading (a preface, a title page) is a chapter of its own, without a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kontho.text.markdown import chapter_headings
from kontho.text.unicode import normalize_unicode

_PLAIN_HEADING = re.compile(
    # য় may arrive as one code point or as য + nukta.
    r"^[ \t]*(?P<title>(?:অধ্যা(?:\u09df|\u09af\u09bc)|পরিচ্ছেদ|পর্ব|খণ্ড|খন্ড|Chapter|CHAPTER)"
    r"(?![\u0980-\u09ffA-Za-z])[^\n।?!]{0,70})[ \t]*$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Chapter:
    title: str | None
    start: int
    end: int
    heading_end: int
    """Where the heading line ends (== start for a chapter without one)."""


def split_chapters(text: str, markdown: bool = False) -> list[Chapter]:
    if markdown:
        headings = [(h.title, h.source_start, h.source_end) for h in chapter_headings(text)]
    else:
        headings = [
            (" ".join(normalize_unicode(m["title"]).split()), m.start(), m.end())
            for m in _PLAIN_HEADING.finditer(text)
        ]
    return chapters_at(text, headings)


def chapters_at(text: str, headings: list[tuple[str, int, int]]) -> list[Chapter]:
    """The chapters of ``text`` whose headings are at these places: (title, start, end of its line)."""
    chapters: list[Chapter] = []
    first = headings[0][1] if headings else len(text)
    if text[:first].strip():
        chapters.append(Chapter(None, 0, first, 0))
    for i, (title, start, heading_end) in enumerate(headings):
        end = headings[i + 1][1] if i + 1 < len(headings) else len(text)
        chapters.append(Chapter(title, start, end, heading_end))
    return chapters
