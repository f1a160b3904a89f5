"""Telephone numbers, read digit by digit in the groups they are written in, with a pause between groups:
০১৮১৯-৫৫৪৪৩৩ → শূন্য এক আট এক নয়, পাঁচ পাঁচ চার চার তিন তিন.

Written here: the libraries that parse phone numbers validate them against numbering plans; a reader
only needs the groups, and must tell a number from a range (৫-৭) or a date.
"""

from __future__ import annotations

import re

from kontho.text.numbers import digits, to_ascii_digits
from kontho.text.patterns import NOT_DIGIT_AFTER, D, Rule

# A Bangladeshi mobile number written without a break reads as its operator prefix and the rest.
_MOBILE = re.compile(r"(0?1[3-9]\d{2})(\d{6})")
_GROUP = re.compile(r"[0-9০-৯]+")

_SEP = r"[ \-‐‑–.]"
PHONE = re.compile(
    "|".join(
        (
            # +880 1819-554433, +৮৮০১৮১৯৫৫৪৪৩৩, +1 (212) 555-0100: a country code
            rf"(?<![0-9০-৯+])\+{D}{{1,3}}(?:{_SEP}?\(?{D}+\)?)+",
            # ০১৮১৯-৫৫৪৪৩৩, 02-9876543, (02) 9876543: a trunk 0 and a break in the digits
            rf"(?<![0-9০-৯.,])(?:\(0{D}{{1,4}}\)|[0০]{D}{{1,4}})(?:{_SEP}|\) ?| )(?:{D}+{_SEP})*{D}{{3,}}",
            # 01819554433: a Bangladeshi mobile number in one piece
            r"(?<![0-9০-৯.,])[0০][1১][3-9৩-৯][0-9০-৯]{8}",
        )
    )
    + NOT_DIGIT_AFTER
)


def is_phone(text: str) -> bool:
    """Enough digits (7–15) that a match is a phone number and not a range or an amount."""
    count = sum(1 for ch in text if ch in "0123456789০১২৩৪৫৬৭৮৯")
    return 7 <= count <= 15


def read_phone(text: str) -> str:
    """Digit by digit, a comma between the groups as written; + is প্লাস."""
    groups = [to_ascii_digits(g) for g in _GROUP.findall(text)]
    if len(groups) == 1 and to_ascii_digits(text).lstrip().startswith("+880"):
        groups = ["880", groups[0][3:]]
    if groups and (mobile := _MOBILE.fullmatch(groups[-1])):
        groups[-1:] = list(mobile.groups())
    words = ", ".join(digits(g) for g in groups)
    return f"প্লাস {words}" if text.lstrip().startswith("+") else words


def _phone(m: re.Match[str]) -> str:
    return read_phone(m.group(0)) if is_phone(m.group(0)) else m.group(0)


RULES: list[Rule] = [(PHONE, _phone)]
"""Phone numbers, before dates, ranges and plain numbers see their digits."""
