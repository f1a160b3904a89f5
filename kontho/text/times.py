"""Clock times as Bangla says them: ১০:৩০ → দশটা ত্রিশ, ১০:৩০টায় → দশটা ত্রিশ মিনিটে, 7:15 pm → রাত সাতটা
পনের. The part of the day (সকাল, দুপুর, বিকেল, সন্ধ্যা, রাত) stands for am and pm. Written here."""

from __future__ import annotations

import re

from kontho.text.numbers import cardinal, to_ascii_digits
from kontho.text.patterns import NOT_LETTER_BEFORE, D, Rule
from kontho.text.unicode import normalize_unicode

_TAY = normalize_unicode("টায়")

_MINUTE_CASE = {_TAY: " মিনিটে", "টার": " মিনিটের", "টা": " মিনিট", "": ""}


class NotATime(ValueError):
    pass


def day_part(hour: int, pm: bool) -> str:
    """The part of the day a 12-hour clock's hour falls in."""
    if not pm:
        return "রাত" if hour == 12 or hour < 4 else "সকাল"
    if hour == 12 or hour < 4:
        return "দুপুর"
    return "বিকেল" if hour < 6 else "সন্ধ্যা" if hour < 7 else "রাত"


def read_time(hour: int, minute: int, suffix: str = "", meridiem: str | None = None) -> str:
    """``suffix`` is a case ending written after the time (টা, টায়, টার); ``meridiem`` am or pm."""
    if hour > 24 or minute > 59:
        raise NotATime(f"{hour}:{minute:02d} is not a time of day")
    part = ""
    if meridiem:
        if not 1 <= hour <= 12:
            raise NotATime(f"{hour} is not an hour of a 12-hour clock")
        part = day_part(hour, meridiem.lower().startswith("p")) + " "
    if not minute:  # ১০:০০টায় → দশটায়
        return f"{part}{cardinal(hour)}{suffix or 'টা'}"
    # ১০:৩০টায় → দশটা ত্রিশ মিনিটে: the case ending moves to the minutes.
    return f"{part}{cardinal(hour)}টা {cardinal(minute)}{_MINUTE_CASE.get(suffix, '')}"


def _time(m: re.Match[str]) -> str:
    hour, minute = int(to_ascii_digits(m["h"])), int(to_ascii_digits(m["min"]))
    try:
        return read_time(hour, minute, m["suffix"] or "", m["ampm"])
    except NotATime:
        return f"{cardinal(hour)} {cardinal(minute)}"


_MERIDIEM = r"(?:\s?(?P<ampm>(?i:[ap]\.m\.|[ap]m))(?![A-Za-z]))"
RULES: list[Rule] = [
    (
        re.compile(
            rf"{NOT_LETTER_BEFORE}(?P<h>{D}{{1,2}}):(?P<min>{D}{{2}})(?!{D})"
            rf"(?:(?P<suffix>{_TAY}|টার|টা)|{_MERIDIEM})?"
        ),
        _time,
    ),
]
