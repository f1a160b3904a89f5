"""Web addresses and e-mail addresses, read the way people say them: test@example.com → টেস্ট অ্যাট
এক্সাম্পল ডট কম; https://www.example.com/news → ডব্লিউ ডব্লিউ ডব্লিউ ডট এক্সাম্পল ডট কম স্ল্যাশ নিউজ.

The scheme (https://) is not said, as newsreaders leave it out. Each name between the dots is read as a
word when it can be said as one and spelled when it cannot (bd → বি ডি); digits are read one by one.
Written here on top of english.py and letters.py; the patterns are deliberately loose (a reader needs
the pieces, not a validator).
"""

from __future__ import annotations

import re

from kontho.text.english import english
from kontho.text.letters import SYMBOL_NAMES, acronym
from kontho.text.numbers import digits
from kontho.text.patterns import Rule, spaced

_PIECE = re.compile(r"[A-Za-z]+|[0-9]+|[^A-Za-z0-9]")
_TRAILING = ".,;:!?)]}'\"।"


def _piece(piece: str) -> str:
    if piece.isdigit():
        return digits(piece)
    if piece.isalpha():
        # A two-letter name (bd, uk, io) or an all-capital one is a set of letters, not a word.
        return acronym(piece) if len(piece) <= 2 or (piece.isupper() and len(piece) <= 6) else english(piece)
    return SYMBOL_NAMES.get(piece, "")


def read_address(text: str) -> str:
    """An e-mail address or a web address, piece by piece."""
    text = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", text)
    words = (_piece(p) for p in _PIECE.findall(text))
    return " ".join(w for w in words if w)


def _address(m: re.Match[str]) -> str:
    address = m.group(0)
    trailing = ""
    while address and address[-1] in _TRAILING:  # the sentence's own punctuation is not the address's
        address, trailing = address[:-1], address[-1] + trailing
    return spaced(m, read_address(address)) + trailing


_TLD = r"(?:com|org|net|edu|gov|info|io|bd|in|uk|co|me|ai|app|dev)"
RULES: list[Rule] = [
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII), _address),
    (re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"]+"), _address),
    (
        re.compile(rf"(?i)(?<![\w.@-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.{_TLD}\b(?:/[^\s<>\"]*)?", re.ASCII),
        _address,
    ),
]
"""Address rules: before dates, numbers, acronyms and English words take their pieces apart."""
