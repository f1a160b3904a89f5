"""Chapters of a submitted text, as code point spans of it.

- Markdown (``text_format: markdown``): a line starting with ``#`` or ``##`` starts a chapter; its text is
  the chapter's title.
- Plain text: a line that starts with অধ্যায়, পরিচ্ছেদ, পর্ব, খণ্ড or Chapter, is at most 80 characters long
  and does not end a sentence starts a chapter (for example ``অধ্যায় ৩: বনের পথে``).

Text before the first heading (a preface, a title page) is a chapter of its own, without a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kontho.text.unicode import normalize_unicode

_MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}(#{1,2})[ \t]+(?P<title>.+?)[ \t#]*$", re.MULTILINE)
_PLAIN_HEADING = re.compile(
    # য় may arrive as one code point or as য + nukta.
    r"^[ \t]*(?P<title>(?:অধ্যা(?:\u09df|\u09af\u09bc)|পরিচ্ছেদ|পর্ব|খণ্ড|খন্ড|Chapter|CHAPTER)"
    r"(?![\u0980-\u09ffA-Za-z])[^\n।?!]{0,70})[ \t]*$",
    re.MULTILINE,
)
_MARKDOWN_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images say nothing
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links read as their text
    (re.compile(r"(\*\*|__|\*|_|`)"), ""),  # emphasis and code marks
    (re.compile(r"^[ \t]{0,3}(#{1,6}|>|[-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),  # block markers
]


@dataclass(frozen=True)
class Chapter:
    title: str | None
    start: int
    end: int
    heading_end: int
    """Where the heading line ends (== start for a chapter without one)."""


def split_chapters(text: str, markdown: bool = False) -> list[Chapter]:
    pattern = _MARKDOWN_HEADING if markdown else _PLAIN_HEADING
    headings = list(pattern.finditer(text))
    chapters: list[Chapter] = []
    first = headings[0].start() if headings else len(text)
    if text[:first].strip():
        chapters.append(Chapter(None, 0, first, 0))
    for i, m in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        title = " ".join(normalize_unicode(strip_markdown(m["title"]) if markdown else m["title"]).split())
        chapters.append(Chapter(title, m.start(), end, m.end()))
    return chapters


def strip_markdown(text: str) -> str:
    """Markdown's marks removed, its words kept (positions within a line may shift; lines stay)."""
    for pattern, replacement in _MARKDOWN_INLINE:
        text = pattern.sub(replacement, text)
    return text
