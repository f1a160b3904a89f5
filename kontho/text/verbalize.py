"""Everything a reader says aloud becomes words: numbers, dates, times, money, percentages, ordinals,
abbreviations. Rules run in order, most specific first; each leaves only words behind, so a later rule
never sees an earlier rule's digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kontho.text.numbers import calendar_day, cardinal, decimal, digits, ordinal, to_ascii_digits, year
from kontho.text.unicode import normalize_unicode

D = "[0-9০-৯]"
_NOT_LETTER_BEFORE = r"(?<![\u0980-\u09ffA-Za-z0-9০-৯])"
_NOT_LETTER_AFTER = r"(?![\u0980-\u09ffA-Za-z])"
_NUM = rf"{D}+(?:[.,]{D}+)*"

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
_MONTH_NAMES = "|".join(normalize_unicode(m) for m in MONTHS + _BANGLA_MONTHS)

# Abbreviations a Bangla reader expands; longest first so "মোসা." wins over "মো.".
ABBREVIATIONS = {
    "বি.দ্র.": "বিশেষ দ্রষ্টব্য",
    "কি.মি.": "কিলোমিটার",
    "কি.গ্রা.": "কিলোগ্রাম",
    "খ্রি.পূ.": "খ্রিস্টপূর্ব",
    "মোসা.": "মোসাম্মত",
    "ডা.": "ডাক্তার",
    "মো.": "মোহাম্মদ",
    "ড.": "ডক্টর",
    "মি.": "মিস্টার",
    "মিসেস.": "মিসেস",
    "প্রফে.": "প্রফেসর",
    "অধ্যা.": "অধ্যাপক",
    "খ্রি.": "খ্রিস্টাব্দ",
    "সং.": "সংখ্যা",
    "পৃ.": "পৃষ্ঠা",
    "নং": "নম্বর",
    "লি.": "লিমিটেড",
    "সা.": "সাল্লাল্লাহু আলাইহি ওয়াসাল্লাম",
}


ABBREVIATIONS = {normalize_unicode(k): normalize_unicode(v) for k, v in ABBREVIATIONS.items()}


def _int(text: str) -> int:
    return int(to_ascii_digits(text).replace(",", ""))


def _number(text: str) -> str:
    """A number as written: grouped (১,২৩,৪৫৬ or 123,456), decimal (১২.৫০), or plain."""
    plain = to_ascii_digits(text)
    whole, _, fraction = plain.partition(".")
    if len(whole.replace(",", "")) > 15:  # an identifier, not a quantity
        return digits(whole.replace(",", "")) + (f" দশমিক {digits(fraction)}" if fraction else "")
    return decimal(whole.replace(",", ""), fraction) if fraction else cardinal(_int(whole))


def _date(m: re.Match[str]) -> str:
    day, month, yr = _int(m["d"]), _int(m["m"]), _int(m["y"])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0).replace(m["sep1"], " ").replace(m["sep2"], " ")
    return f"{calendar_day(day)} {MONTHS[month - 1]} {year(yr)}"


_MINUTE_CASE = {"টা\u09df": " মিনিটে", "টার": " মিনিটের", "টা": " মিনিট", "": ""}


def _time(m: re.Match[str]) -> str:
    hour, minute, suffix = _int(m["h"]), _int(m["min"]), m["suffix"] or ""
    if hour > 24 or minute > 59:
        return f"{cardinal(hour)} {cardinal(minute)}{suffix}"
    if not minute:  # ১০:০০টায় → দশটায়
        return f"{cardinal(hour)}{suffix or 'টা'}"
    # ১০:৩০টায় → দশটা ত্রিশ মিনিটে: the case ending moves to the minutes.
    return f"{cardinal(hour)}টা {cardinal(minute)}{_MINUTE_CASE[suffix]}"


def _money(m: re.Match[str]) -> str:
    whole, _, fraction = to_ascii_digits(m["n"]).replace(",", "").partition(".")
    taka = f"{cardinal(int(whole))} টাকা"
    poisha = int(fraction[:2].ljust(2, "0")) if fraction else 0
    return f"{taka} {cardinal(poisha)} পয়সা" if poisha else taka


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_RULES: list[Rule] = [
    (
        re.compile("|".join(rf"{_NOT_LETTER_BEFORE}{re.escape(a)}" for a in ABBREVIATIONS)),
        lambda m: ABBREVIATIONS[m.group(0)] + " ",
    ),
    (
        re.compile(
            rf"{_NOT_LETTER_BEFORE}(?P<d>{D}{{1,2}})(?P<sep1>[/.-])(?P<m>{D}{{1,2}})(?P<sep2>[/.-])(?P<y>{D}{{4}})"
        ),
        _date,
    ),
    (
        re.compile(rf"{_NOT_LETTER_BEFORE}(?P<d>{D}{{1,2}})(?:শে|লা|রা|ঠা|ই)?(?=\s*(?:{_MONTH_NAMES}))"),
        lambda m: calendar_day(_int(m["d"])),
    ),
    (
        re.compile(rf"{_NOT_LETTER_BEFORE}(?P<d>{D}{{1,2}})(?:শে|লা|রা|ঠা){_NOT_LETTER_AFTER}"),
        lambda m: calendar_day(_int(m["d"])),
    ),
    (
        re.compile(
            rf"{_NOT_LETTER_BEFORE}(?P<h>{D}{{1,2}}):(?P<min>{D}{{2}})(?!{D})(?P<suffix>টা\u09df|টার|টা)?"
        ),
        _time,
    ),
    (re.compile(rf"৳\s?(?P<n>{_NUM})"), _money),
    (re.compile(rf"(?P<n>{_NUM})\s?৳"), _money),
    (re.compile(rf"(?P<n>{_NUM})\s?%"), lambda m: f"{_number(m['n'])} শতাংশ"),
    (
        re.compile(
            rf"{_NOT_LETTER_BEFORE}(?P<n>{D}+)(?:ম|\u09df|\u09af\u09bc|র্থ|ষ্ঠ|তম|শ){_NOT_LETTER_AFTER}"
        ),
        lambda m: ordinal(_int(m["n"])),
    ),
    (
        re.compile(rf"{_NOT_LETTER_BEFORE}(?P<y>{D}{{4}})(?=\s*(?:সাল|খ্রি|বঙ্গাব্দ|শতক|শতাব্দ))"),
        lambda m: year(_int(m["y"])),
    ),
    (re.compile(rf"(?:(?<=^)|(?<=[\s(\[“\"']))[-−](?P<n>{_NUM})"), lambda m: "ঋণাত্মক " + _number(m["n"])),
    (re.compile(rf"(?P<n>{D}{{1,3}}(?:,{D}{{2,3}})+(?:\.{D}+)?|{D}+\.{D}+|{D}+)"), lambda m: _number(m["n"])),
]


def verbalize(text: str) -> str:
    """``text`` with every number, date, time, amount and abbreviation written out as Bangla words."""
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
