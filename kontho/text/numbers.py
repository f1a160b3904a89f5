"""Numbers as Bangla words: cardinals, decimals, years, ordinals, calendar days."""

from __future__ import annotations

from bangla import bengali_ordinals
from num2words import num2words

BANGLA_DIGITS = "০১২৩৪৫৬৭৮৯"
_TO_ASCII = str.maketrans(BANGLA_DIGITS, "0123456789")
_TO_BANGLA = str.maketrans("0123456789", BANGLA_DIGITS)

# The irregular ordinals a reader uses for the first ten (and the Sanskrit ones up to twenty);
# larger ones are the cardinal with -তম.
_ORDINALS = {
    1: "প্রথম",
    2: "দ্বিতীয়",
    3: "তৃতীয়",
    4: "চতুর্থ",
    5: "পঞ্চম",
    6: "ষষ্ঠ",
    7: "সপ্তম",
    8: "অষ্টম",
    9: "নবম",
    10: "দশম",
    11: "একাদশ",
    12: "দ্বাদশ",
    13: "ত্রয়োদশ",
    14: "চতুর্দশ",
    15: "পঞ্চদশ",
    16: "ষোড়শ",
    17: "সপ্তদশ",
    18: "অষ্টাদশ",
    19: "ঊনবিংশ",
    20: "বিংশ",
}
_DIGIT_WORDS = ("শূন্য", "এক", "দুই", "তিন", "চার", "পাঁচ", "ছয়", "সাত", "আট", "নয়")


def to_ascii_digits(text: str) -> str:
    return text.translate(_TO_ASCII)


def to_bangla_digits(value: int | str) -> str:
    return str(value).translate(_TO_BANGLA)


def cardinal(n: int) -> str:
    if n < 0:
        return "ঋণাত্মক " + cardinal(-n)
    words: str = num2words(n, lang="bn")
    return words


def digits(text: str) -> str:
    """Read digit by digit: decimals after the point, phone numbers."""
    return " ".join(_DIGIT_WORDS[int(d)] for d in to_ascii_digits(text))


def decimal(integer_part: str, fraction: str) -> str:
    return f"{cardinal(int(to_ascii_digits(integer_part)))} দশমিক {digits(fraction)}"


def year(n: int) -> str:
    """1971 → উনিশশো একাত্তর; years that are not in 1100–1999 read as cardinals (২০২৪ → দুই হাজার চব্বিশ)."""
    if 1100 <= n <= 1999:
        hundreds, rest = divmod(n, 100)
        head = cardinal(hundreds) + "শো"
        return head if rest == 0 else f"{head} {cardinal(rest)}"
    return cardinal(n)


def ordinal(n: int) -> str:
    return _ORDINALS.get(n) or cardinal(n) + "তম"


def calendar_day(n: int) -> str:
    """The day of the month as said before a month's name: ২১ ফেব্রুয়ারি → একুশে ফেব্রুয়ারি."""
    if 1 <= n <= len(bengali_ordinals):
        day: str = bengali_ordinals[n - 1]
        return day
    return cardinal(n)
