"""Dates as a Bangla newsreader says them: the day first (পাঁচই নভেম্বর দুই হাজার তেইশ), whatever order
they are written in (২০২৩-১১-০৫, ০৫.১১.২০২৩, 5 November 2023, November 5, 2023).

The day's name comes from ``bangla`` (via numbers.calendar_day); the month tables, the English month
names and the forms of writing a date are written here.
"""

from __future__ import annotations

import re

from kontho.text.numbers import calendar_day, to_ascii_digits, year
from kontho.text.patterns import NOT_DIGIT_AFTER, NOT_LETTER_BEFORE, D, Rule
from kontho.text.unicode import normalize_unicode

_WRITTEN_MONTHS = (
    "জানুয়ারি",
    "ফেব্রুয়ারি",
    "মার্চ",
    "এপ্রিল",
    "মে",
    "জুন",
    "জুলাই",
    "আগস্ট",
    "সেপ্টেম্বর",
    "অক্টোবর",
    "নভেম্বর",
    "ডিসেম্বর",
)
_BANGLA_MONTHS = (
    "বৈশাখ",
    "জ্যৈষ্ঠ",
    "আষাঢ়",
    "শ্রাবণ",
    "ভাদ্র",
    "আশ্বিন",
    "কার্তিক",
    "অগ্রহায়ণ",
    "পৌষ",
    "মাঘ",
    "ফাল্গুন",
    "চৈত্র",
)
# Patterns must match text after normalize_unicode, whatever form this file's literals are in.
MONTHS: tuple[str, ...] = tuple(normalize_unicode(m) for m in _WRITTEN_MONTHS)
# A case ending may follow a month's name (মার্চে, মার্চের), another word may not (মে is not মেয়ে).
MONTH_NAMES = (
    "(?:"
    + "|".join(MONTHS + tuple(normalize_unicode(m) for m in _BANGLA_MONTHS))
    + ")(?![\u09df\u0995-\u09af\u09b2-\u09b9])"
)
"""A pattern for any month's name in Bangla, Gregorian or Bangla calendar."""

_ENGLISH_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
ENGLISH_MONTHS: dict[str, int] = {name: i + 1 for i, name in enumerate(_ENGLISH_MONTHS)}
_ABBREVIATED = {name[:3]: i + 1 for i, name in enumerate(_ENGLISH_MONTHS)} | {"sept": 9}
ENGLISH_MONTHS |= _ABBREVIATED
# A full name never takes the dot after it (that ends the sentence); an abbreviation's dot is its own.
_ENGLISH_MONTH = (
    "|".join(_ENGLISH_MONTHS) + "|(?:" + "|".join(sorted(_ABBREVIATED, key=len, reverse=True)) + r")\.?"
)


class NotADate(ValueError):
    pass


def month_number(name: str) -> int:
    """1–12 for a month's name in English (full or Jan, Feb …) or Bangla; NotADate for anything else."""
    key = name.lower().rstrip(".")
    if key in ENGLISH_MONTHS:
        return ENGLISH_MONTHS[key]
    name = normalize_unicode(name)
    if name in MONTHS:
        return MONTHS.index(name) + 1
    raise NotADate(f"{name!r} is not a month")


def read_date(day: int | None, month: int | None, yr: int | None) -> str:
    """The parts that are given, in the spoken order day, month, year; NotADate when one is out of range."""
    if month is not None and not 1 <= month <= 12:
        raise NotADate(f"no month {month}")
    if day is not None and not 1 <= day <= 31:
        raise NotADate(f"no day {day}")
    words = []
    if day is not None:
        words.append(calendar_day(day))
    if month is not None:
        words.append(MONTHS[month - 1])
    if yr is not None:
        words.append(year(yr))
    return " ".join(words)


def _int(text: str) -> int:
    return int(to_ascii_digits(text))


def _numeric(m: re.Match[str]) -> str:
    try:
        return read_date(_int(m["d"]), _int(m["m"]), _int(m["y"]))
    except NotADate:  # not a date after all: the numbers are read one by one
        return " ".join((m["first"], m["second"], m["third"]))


def _english(m: re.Match[str]) -> str:
    yr = _int(m["y"]) if m["y"] else None
    try:
        return read_date(_int(m["d"]), month_number(m["mon"]), yr)
    except NotADate:
        return m.group(0)


_SEP = r"(?P<sep>[/.-])"
_MON = rf"(?P<mon>(?i:{_ENGLISH_MONTH}))(?![A-Za-z])"
_DAY = rf"(?P<d>{D}{{1,2}})(?i:st|nd|rd|th)?"

RULES: list[Rule] = [
    # 2023-11-05, 2023/11/05: year first, as ISO writes it
    (
        re.compile(
            rf"{NOT_LETTER_BEFORE}(?P<first>(?P<y>{D}{{4}}))(?P<sep>[/-])(?P<second>(?P<m>{D}{{1,2}}))(?P=sep)"
            rf"(?P<third>(?P<d>{D}{{1,2}})){NOT_DIGIT_AFTER}"
        ),
        _numeric,
    ),
    # 05.11.2023, 5/11/2023, 05-11-2023: day first, as Bangladesh writes it
    (
        re.compile(
            rf"{NOT_LETTER_BEFORE}(?P<first>(?P<d>{D}{{1,2}})){_SEP}(?P<second>(?P<m>{D}{{1,2}}))(?P=sep)"
            rf"(?P<third>(?P<y>{D}{{4}})){NOT_DIGIT_AFTER}"
        ),
        _numeric,
    ),
    # 5 November 2023, 5th Nov: the English month in its Bangla name, the day before it
    (
        re.compile(rf"{NOT_LETTER_BEFORE}{_DAY}\s*{_MON}(?:,?\s*(?P<y>{D}{{4}}){NOT_DIGIT_AFTER})?"),
        _english,
    ),
    # November 5, 2023: said day first
    (
        re.compile(
            rf"(?=[A-Za-z])(?<![A-Za-z]){_MON}\s*{_DAY}(?![0-9০-৯:])(?:,?\s*(?P<y>{D}{{4}}){NOT_DIGIT_AFTER})?"
        ),
        _english,
    ),
    # November 2023
    (
        re.compile(rf"(?=[A-Za-z])(?<![A-Za-z]){_MON},?\s*(?P<y>{D}{{4}}){NOT_DIGIT_AFTER}"),
        lambda m: read_date(None, month_number(m["mon"]), _int(m["y"])),
    ),
    # ২১শে ফেব্রুয়ারি, ২৬ মার্চ, ১লা বৈশাখ
    (
        re.compile(rf"{NOT_LETTER_BEFORE}(?P<d>{D}{{1,2}})(?:শে|লা|রা|ঠা|ই)?(?=\s*(?:{MONTH_NAMES}))"),
        lambda m: calendar_day(_int(m["d"])),
    ),
    # ২১শে, ১লা on their own
    (
        re.compile(rf"{NOT_LETTER_BEFORE}(?P<d>{D}{{1,2}})(?:শে|লা|রা|ঠা)(?![\u0980-\u09ffA-Za-z])"),
        lambda m: calendar_day(_int(m["d"])),
    ),
    # the year after a month's name is a year: মার্চ ১৯৭১ → মার্চ উনিশশো একাত্তর
    (
        re.compile(rf"(?<![\u0980-\u09ff])(?P<mon>{MONTH_NAMES}),?\s*(?P<y>{D}{{4}}){NOT_DIGIT_AFTER}"),
        lambda m: f"{m['mon']} {year(_int(m['y']))}",
    ),
]
"""Date rules, in order; they run before ranges and plain numbers."""
