"""Pieces the reading rules share: what a digit is, what counts as a word's edge, and how a rule's words
sit among the text around them."""

from __future__ import annotations

import re
from collections.abc import Callable

D = "[0-9০-৯]"
"""A digit, ASCII or Bangla."""
LATIN = "A-Za-zÀ-ÖØ-öø-ÿ"
"""Latin letters, accented ones included, for use inside a character class."""
NOT_LETTER_BEFORE = rf"(?<![\u0980-\u09ff{LATIN}0-9০-৯])"
NOT_LETTER_AFTER = rf"(?![\u0980-\u09ff{LATIN}])"
NOT_DIGIT_AFTER = r"(?![0-9০-৯]|[.,][0-9০-৯])"
NUM = rf"{D}+(?:[.,]{D}+)*"
"""A number as written: plain, grouped (১,২৩,৪৫৬) or with a decimal point."""

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
"""A pattern and what its match is read as."""

_WORD_CHAR = re.compile(rf"[\u0980-\u09ff{LATIN}0-9০-৯]")
_LATIN_OR_DIGIT = re.compile(rf"[{LATIN}0-9০-৯]")


def spaced(m: re.Match[str], words: str) -> str:
    """``words`` in place of ``m``, set off by a space from a word that touches it.

    A Bangla letter right after stays attached: it is a case ending (BBC-র, WHOতে) read with the words.
    """
    text = m.string
    before = " " if m.start() > 0 and _WORD_CHAR.match(text[m.start() - 1]) else ""
    after = " " if m.end() < len(text) and _LATIN_OR_DIGIT.match(text[m.end()]) else ""
    return f"{before}{words}{after}"
