"""Numbers as Bangla words: cardinals, decimals, years, ordinals, calendar days, and the fractions a
speaker has a word for (দেড়, আড়াই, সাড়ে তিন, সোয়া, পৌনে).

num2words (lang bn) says the cardinals and ``bangla`` the days of the month; the ordinals, the year
reading, digit-by-digit reading and the fraction words are written here, since neither library has them.
"""

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
DIGIT_WORDS = ("শূন্য", "এক", "দুই", "তিন", "চার", "পাঁচ", "ছয়", "সাত", "আট", "নয়")


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
    return " ".join(DIGIT_WORDS[int(d)] for d in to_ascii_digits(text) if d in "0123456789")


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


def number(text: str) -> str:
    """A number as written: grouped (১,২৩,৪৫৬ or 123,456), decimal (১২.৫০), dotted (১.২.৩), or plain."""
    plain = to_ascii_digits(text).replace(",", "")
    parts = plain.split(".")
    if len(parts) > 2:  # a version or a section number: each part on its own
        return " ডট ".join(number(p) for p in parts if p)
    whole, fraction = parts[0], parts[1] if len(parts) == 2 else ""
    if len(whole) > 15:  # an identifier, not a quantity
        return digits(whole) + (f" দশমিক {digits(fraction)}" if fraction else "")
    return decimal(whole, fraction) if fraction else cardinal(int(whole))


# A quarter, a half, three quarters: what a speaker says instead of the decimal.
_QUARTERS = {25: 1, 5: 2, 50: 2, 75: 3}


def quarters_word(whole: int, quarters: int) -> str:
    """``whole`` and ``quarters``/4 as said aloud: (1, 2) → দেড়, (2, 2) → আড়াই, (3, 2) → সাড়ে তিন,
    (2, 1) → সোয়া দুই, (2, 3) → পৌনে তিন, (0, 2) → আধা, (0, 1) → সিকি."""
    if quarters == 2:
        return {0: "আধা", 1: "দেড়", 2: "আড়াই"}.get(whole) or f"সাড়ে {cardinal(whole)}"
    if quarters == 1:
        return f"সোয়া {cardinal(whole)}" if whole else "সিকি"
    if quarters == 3:
        return f"পৌনে {cardinal(whole + 1)}"
    return cardinal(whole)


def spoken_fraction(text: str) -> str | None:
    """দেড়, আড়াই … for a decimal that ends in .25, .5 or .75; None for any other number."""
    whole, _, fraction = to_ascii_digits(text).replace(",", "").partition(".")
    if fraction not in ("25", "5", "50", "75") or len(whole) > 15:
        return None
    return quarters_word(int(whole), _QUARTERS[int(fraction)])


_DENOMINATOR_PARTS = {2: "অর্ধেক", 3: "তৃতীয়াংশ", 4: "চতুর্থাংশ", 5: "পঞ্চমাংশ", 8: "অষ্টমাংশ", 10: "দশমাংশ"}


def ratio(numerator: int, denominator: int) -> str:
    """A fraction with no everyday word: ২/৩ → দুই তৃতীয়াংশ, ৫/৭ → সাত ভাগের পাঁচ."""
    if denominator == 2 and numerator == 1:
        return _DENOMINATOR_PARTS[2]
    if denominator in _DENOMINATOR_PARTS and denominator != 2:
        return f"{cardinal(numerator)} {_DENOMINATOR_PARTS[denominator]}"
    return f"{cardinal(denominator)} ভাগের {cardinal(numerator)}"
