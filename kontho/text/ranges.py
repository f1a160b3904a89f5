"""Numeric ranges (৫-৭ দিন → পাঁচ থেকে সাত দিন) and the pairs that are not ranges.

A fiscal year (২০১৮-১৯) is read as the pair it names, the way Bangladeshi newsreaders say an অর্থবছর:
দুই হাজার আঠারো-উনিশ. A span of years (১৯৭১-৭৫) is a range: উনিশশো একাত্তর থেকে পঁচাত্তর. A pair whose second
number is not larger (a score, ৩-২) keeps its dash: তিন-দুই.
"""

from __future__ import annotations

import re

from kontho.text.numbers import cardinal, number, to_ascii_digits, year
from kontho.text.patterns import NOT_DIGIT_AFTER, NOT_LETTER_BEFORE, NUM, D, Rule


def _value(text: str) -> float:
    return float(to_ascii_digits(text).replace(",", "")) if text.count(".") <= 1 else 0.0


def _years(m: re.Match[str]) -> str:
    first, second = int(to_ascii_digits(m["a"])), int(to_ascii_digits(m["b"]))
    if len(m["b"]) == 2:
        if second == (first + 1) % 100:
            return f"{year(first)}-{cardinal(second)}"
        if second > first % 100:
            return f"{year(first)} থেকে {cardinal(second)}"
        return f"{year(first)}-{cardinal(second)}"
    joiner = " থেকে " if second > first else "-"
    return f"{year(first)}{joiner}{year(second)}"


def _range(m: re.Match[str]) -> str:
    low, high = m["a"], m["b"]
    joiner = " থেকে " if _value(low) < _value(high) else "-"
    return f"{number(low)}{joiner}{number(high)}"


_DASH = r"\s?[-–—]\s?"

RULES: list[Rule] = [
    (
        re.compile(rf"{NOT_LETTER_BEFORE}(?P<a>{D}{{4}}){_DASH}(?P<b>{D}{{4}}|{D}{{2}}){NOT_DIGIT_AFTER}"),
        _years,
    ),
    (re.compile(rf"{NOT_LETTER_BEFORE}(?P<a>{NUM}){_DASH}(?P<b>{NUM}){NOT_DIGIT_AFTER}"), _range),
]
"""Range rules, after dates, phone numbers and measures, before plain numbers."""
