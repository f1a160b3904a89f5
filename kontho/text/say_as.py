"""SSML ``<say-as interpret-as="…" format="…">``: a span read one stated way, with the same reading
functions the front-end's rules use (letters.py, phones.py, numbers.py, dates.py, times.py)."""

from __future__ import annotations

import re

from kontho.text.dates import NotADate, month_number, read_date
from kontho.text.letters import letter_name
from kontho.text.numbers import digits, number, ordinal, to_ascii_digits
from kontho.text.phones import read_phone
from kontho.text.times import NotATime, read_time
from kontho.text.unicode import normalize_unicode

SAY_AS_KINDS = ("characters", "spell-out", "digits", "telephone", "cardinal", "ordinal", "date", "time")
DATE_FORMATS = ("dmy", "mdy", "ymd", "ym", "my", "md", "dm", "y", "m", "d")


class SayAsError(ValueError):
    """The content cannot be read the way the say-as element asks; the message says why."""


def _spell(text: str) -> str:
    names = []
    for ch in normalize_unicode(text):
        if ch.isspace():
            continue
        name = letter_name(ch)
        if name is None:
            raise SayAsError(f"no name to spell {ch!r} with")
        names.append(name)
    if not names:
        raise SayAsError("nothing to spell")
    return " ".join(names)


def _digits(text: str) -> str:
    plain = to_ascii_digits(text)
    if not re.fullmatch(r"[\d\s\-.,]*\d[\d\s\-.,]*", plain, re.ASCII):
        raise SayAsError("not digits")
    return digits(plain)


def _telephone(text: str) -> str:
    if not re.fullmatch(r"\s*\+?[\d\s\-.()‐‑–]*\d[\d\s\-.()‐‑–]*", to_ascii_digits(text), re.ASCII):
        raise SayAsError("not a telephone number")
    return read_phone(text.strip())


_NUMBER = re.compile(r"[-−]?\d+(?:,\d+)*(?:\.\d+)?", re.ASCII)


def _cardinal(text: str) -> str:
    plain = to_ascii_digits(text.strip())
    if not _NUMBER.fullmatch(plain):
        raise SayAsError("not a number")
    negative = plain[0] in "-−"
    return ("ঋণাত্মক " if negative else "") + number(plain.lstrip("-−"))


_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th|ম|য়|য়|র্থ|ষ্ঠ|তম|শ|\.)?", re.ASCII | re.IGNORECASE)


def _ordinal(text: str) -> str:
    m = _ORDINAL.fullmatch(to_ascii_digits(text.strip()))
    if not m:
        raise SayAsError("not an ordinal number")
    return ordinal(int(m[1]))


_DATE_PART = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


def _date(text: str, format: str | None) -> str:
    parts = _DATE_PART.findall(to_ascii_digits(text))
    if format is None:
        format = (
            "ymd" if parts and len(parts[0]) == 4 and parts[0].isdigit() else "dmy"[: len(parts)] or "dmy"
        )
    if format not in DATE_FORMATS:
        raise SayAsError(f"unknown date format {format!r}; one of {', '.join(DATE_FORMATS)}")
    if len(parts) != len(format):
        raise SayAsError(f"not a date in the format {format!r}")
    fields: dict[str, int] = {}
    try:
        for key, part in zip(format, parts, strict=True):
            fields[key] = month_number(part) if key == "m" and not part.isdigit() else int(part)
        if any(not p.isdigit() for k, p in zip(format, parts, strict=True) if k != "m"):
            raise NotADate("a day and a year are numbers")
        return read_date(fields.get("d"), fields.get("m"), fields.get("y"))
    except (NotADate, ValueError) as exc:
        raise SayAsError(f"not a date: {exc}") from exc


_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?::\d{2})?\s*((?:[ap]\.?m\.?)?)", re.ASCII | re.IGNORECASE)


def _time(text: str) -> str:
    m = _TIME.fullmatch(to_ascii_digits(text.strip()))
    if not m:
        raise SayAsError("not a time (hh:mm)")
    try:
        return read_time(int(m[1]), int(m[2]), meridiem=m[3].replace(".", "") or None)
    except NotATime as exc:
        raise SayAsError(str(exc)) from exc


def read_as(text: str, interpret_as: str, format: str | None = None) -> str:
    """``text`` read as ``interpret_as`` says, in Bangla words: no digits or Latin letters left."""
    return normalize_unicode(_read_as(text, interpret_as.strip().lower(), format))


def _read_as(text: str, kind: str, format: str | None) -> str:
    if kind in ("characters", "spell-out"):
        return _spell(text)
    if kind == "digits":
        return _digits(text)
    if kind == "telephone":
        return _telephone(text)
    if kind in ("cardinal", "number"):
        return _cardinal(text)
    if kind == "ordinal":
        return _ordinal(text)
    if kind == "date":
        return _date(text, format.strip().lower() if format else None)
    if kind == "time":
        return _time(text)
    raise SayAsError(f"unknown interpret-as {kind!r}; one of {', '.join(SAY_AS_KINDS)}")
