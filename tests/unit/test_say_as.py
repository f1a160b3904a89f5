"""SSML say-as: a span read one stated way, in Bangla words only, or a clear reason it cannot be."""

from __future__ import annotations

import re

import pytest

from kontho.text.say_as import SAY_AS_KINDS, SayAsError, read_as
from kontho.text.unicode import normalize_unicode

LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9০-৯]")


@pytest.mark.parametrize(
    ("text", "kind", "format", "spoken"),
    [
        ("WHO", "characters", None, "ডব্লিউ এইচ ও"),
        ("a1", "characters", None, "এ এক"),
        ("কথা", "spell-out", None, "ক থ আ-কার"),
        ("নয়ন", "spell-out", None, "দন্ত্য ন অন্তঃস্থ য় দন্ত্য ন"),
        ("1234", "digits", None, "এক দুই তিন চার"),
        ("১২০৫", "digits", None, "এক দুই শূন্য পাঁচ"),
        ("০১৮১৯-৫৫৪৪৩৩", "telephone", None, "শূন্য এক আট এক নয়, পাঁচ পাঁচ চার চার তিন তিন"),
        ("+880 1819 554433", "telephone", None, "প্লাস আট আট শূন্য, এক আট এক নয়, পাঁচ পাঁচ চার চার তিন তিন"),
        ("১২৩৪৫", "cardinal", None, "বারো হাজার তিনশত পঁয়তাল্লিশ"),
        ("1,234", "cardinal", None, "এক হাজার দুইশত চৌত্রিশ"),
        ("-3.5", "cardinal", None, "ঋণাত্মক তিন দশমিক পাঁচ"),
        ("21", "ordinal", None, "একুশতম"),
        ("৩য়", "ordinal", None, "তৃতীয়"),
        ("2nd", "ordinal", None, "দ্বিতীয়"),
        ("2023-11-05", "date", None, "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("05/11/2023", "date", None, "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("05/11/2023", "date", "dmy", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("11/05/2023", "date", "mdy", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("2023.11.05", "date", "ymd", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("2023-11", "date", "ym", "নভেম্বর দুই হাজার তেইশ"),
        ("11/2023", "date", "my", "নভেম্বর দুই হাজার তেইশ"),
        ("11-05", "date", "md", "পাঁচই নভেম্বর"),
        ("05.11", "date", "dm", "পাঁচই নভেম্বর"),
        ("1971", "date", "y", "উনিশশো একাত্তর"),
        ("11", "date", "m", "নভেম্বর"),
        ("5", "date", "d", "পাঁচই"),
        ("5 November 2023", "date", "dmy", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("10:30", "time", None, "দশটা ত্রিশ"),
        ("৭:০০", "time", None, "সাতটা"),
        ("7:15 pm", "time", None, "রাত সাতটা পনের"),
    ],
)
def test_say_as_reads_the_span_the_stated_way(text: str, kind: str, format: str | None, spoken: str) -> None:
    assert kind in SAY_AS_KINDS
    read = read_as(text, kind, format)
    assert read == normalize_unicode(spoken)
    assert not LATIN_OR_DIGIT.search(read)


@pytest.mark.parametrize(
    ("text", "kind", "format", "why"),
    [
        ("abc", "cardinal", None, "not a number"),
        ("x", "digits", None, "not digits"),
        ("call me", "telephone", None, "not a telephone number"),
        ("first", "ordinal", None, "not an ordinal"),
        ("13/13/2023", "date", "dmy", "no month 13"),
        ("32/01/2023", "date", "dmy", "no day 32"),
        ("2023-11-05", "date", "dmy", "not a date"),
        ("2023-11-05", "date", "qq", "unknown date format"),
        ("25:00", "time", None, "not a time of day"),
        ("noon", "time", None, "not a time"),
        ("😀", "characters", None, "no name to spell"),
        ("5", "currency", None, "unknown interpret-as"),
    ],
)
def test_what_cannot_be_read_that_way_is_an_error_that_says_why(
    text: str, kind: str, format: str | None, why: str
) -> None:
    with pytest.raises(SayAsError, match=why):
        read_as(text, kind, format)


def test_say_as_errors_are_value_errors() -> None:
    assert issubclass(SayAsError, ValueError)
