"""Units, symbols, currencies and the fractions said with a measure (দেড় কেজি, সাড়ে তিন ঘণ্টা).

Written here: no library reads Bangla or Latin unit abbreviations or currency signs into Bangla words. The
numbers themselves are read by kontho/text/numbers.py.
"""

from __future__ import annotations

import re

from kontho.text.numbers import cardinal, number, quarters_word, ratio, spoken_fraction, to_ascii_digits
from kontho.text.patterns import LATIN, NOT_DIGIT_AFTER, NOT_LETTER_BEFORE, NUM, D, Rule
from kontho.text.unicode import normalize_unicode


def _table(pairs: dict[str, str]) -> dict[str, str]:
    return {normalize_unicode(k): normalize_unicode(v) for k, v in pairs.items()}


# Written after a number; the words replace them and the number is read by the rules after.
LATIN_UNITS = _table(
    {
        "km/h": "কিলোমিটার প্রতি ঘণ্টা",
        "km/hr": "কিলোমিটার প্রতি ঘণ্টা",
        "kmph": "কিলোমিটার প্রতি ঘণ্টা",
        "mph": "মাইল প্রতি ঘণ্টা",
        "km²": "বর্গকিলোমিটার",
        "sq km": "বর্গকিলোমিটার",
        "m²": "বর্গমিটার",
        "m³": "ঘনমিটার",
        "km": "কিলোমিটার",
        "kg": "কিলোগ্রাম",
        "cm": "সেন্টিমিটার",
        "mm": "মিলিমিটার",
        "mg": "মিলিগ্রাম",
        "ml": "মিলিলিটার",
        "mL": "মিলিলিটার",
        "gm": "গ্রাম",
        "ft": "ফুট",
        "kW": "কিলোওয়াট",
        "MW": "মেগাওয়াট",
        "kWh": "কিলোওয়াট আওয়ার",
        "mAh": "মিলিঅ্যাম্পিয়ার আওয়ার",
        "GHz": "গিগাহার্টজ",
        "MHz": "মেগাহার্টজ",
        "Hz": "হার্টজ",
        "TB": "টেরাবাইট",
        "GB": "গিগাবাইট",
        "MB": "মেগাবাইট",
        "KB": "কিলোবাইট",
        "hrs": "ঘণ্টা",
        "hr": "ঘণ্টা",
        "min": "মিনিট",
        "sec": "সেকেন্ড",
        "m": "মিটার",
        "g": "গ্রাম",
        "l": "লিটার",
        "L": "লিটার",
        "°C": "ডিগ্রি সেলসিয়াস",
        "°F": "ডিগ্রি ফারেনহাইট",
        "°সে.": "ডিগ্রি সেলসিয়াস",
        "°সে": "ডিগ্রি সেলসিয়াস",
        "° সে.": "ডিগ্রি সেলসিয়াস",
        "° সে": "ডিগ্রি সেলসিয়াস",
        "°": "ডিগ্রি",
        "%": "শতাংশ",
        "মি.": "মিটার",
        "গ্রা.": "গ্রাম",
        "লি.": "লিটার",
    }
)
# Bangla abbreviations that mean a unit wherever they stand.
BANGLA_UNITS = _table(
    {
        "বর্গকিমি": "বর্গকিলোমিটার",
        "কি.মি.": "কিলোমিটার",
        "কি.গ্রা.": "কিলোগ্রাম",
        "কিমি": "কিলোমিটার",
        "সেমি": "সেন্টিমিটার",
        "মিমি": "মিলিমিটার",
        "মিলি": "মিলিলিটার",
    }
)
SCALES = _table(
    {
        "thousand": "হাজার",
        "lakh": "লাখ",
        "lac": "লাখ",
        "crore": "কোটি",
        "million": "মিলিয়ন",
        "mn": "মিলিয়ন",
        "billion": "বিলিয়ন",
        "bn": "বিলিয়ন",
        "trillion": "ট্রিলিয়ন",
        "হাজার": "হাজার",
        "লাখ": "লাখ",
        "লক্ষ": "লক্ষ",
        "কোটি": "কোটি",
        "মিলিয়ন": "মিলিয়ন",
        "বিলিয়ন": "বিলিয়ন",
        "ট্রিলিয়ন": "ট্রিলিয়ন",
    }
)


class Currency:
    def __init__(self, name: str, minor: str | None) -> None:
        self.name, self.minor = normalize_unicode(name), normalize_unicode(minor) if minor else None


_TAKA = Currency("টাকা", "পয়সা")
_DOLLAR = Currency("ডলার", "সেন্ট")
_EURO = Currency("ইউরো", "সেন্ট")
_POUND = Currency("পাউন্ড", "পেনি")
_RUPEE = Currency("রুপি", "পয়সা")
_YEN = Currency("ইয়েন", None)
# Signs and codes, written before or after the amount.
CURRENCIES: dict[str, Currency] = {
    "৳": _TAKA,
    "Tk.": _TAKA,
    "Tk": _TAKA,
    "TK": _TAKA,
    "BDT": _TAKA,
    "US$": _DOLLAR,
    "$": _DOLLAR,
    "USD": _DOLLAR,
    "€": _EURO,
    "EUR": _EURO,
    "£": _POUND,
    "GBP": _POUND,
    "₹": _RUPEE,
    "Rs.": _RUPEE,
    "Rs": _RUPEE,
    "INR": _RUPEE,
    "¥": _YEN,
    "JPY": _YEN,
}
# The currency's own word after an amount written with its sign (৳৫০০ টাকা) is said once.
_CURRENCY_WORDS = normalize_unicode("টাকা|ডলার|ইউরো|পাউন্ড|রুপি|রুপী|ইয়েন")
# What a speaker measures with a fraction word: দেড় কেজি, আড়াই কোটি, সাড়ে তিন ঘণ্টা.
_MEASURE_WORDS = normalize_unicode(
    "কিলোমিটার|সেন্টিমিটার|মিলিমিটার|মিটার|কিলোগ্রাম|মিলিগ্রাম|গ্রাম|কেজি|মিলিলিটার|লিটার|মাইল|ফুট|ইঞ্চি|গজ|"
    "একর|বিঘা|কাঠা|শতক|মণ|সের|ভরি|ডজন|ঘণ্টা|মিনিট|সেকেন্ড|দিন|সপ্তাহ|মাস|বছর|হাজার|লাখ|লক্ষ|কোটি|"
    "মিলিয়ন|বিলিয়ন|গুণ|কাপ|চামচ|টাকা|ডলার|ইউরো|পাউন্ড|রুপি"
)
VULGAR_FRACTIONS = {"½": (1, 2), "¼": (1, 4), "¾": (3, 4), "⅓": (1, 3), "⅔": (2, 3), "⅛": (1, 8), "⅕": (1, 5)}


def _alternation(keys: list[str]) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


def amount(written: str, currency: Currency, scale: str | None = None) -> str:
    """An amount of money: ১২.৫০ ডলার → বারো ডলার পঞ্চাশ সেন্ট; ১.৫ কোটি টাকা → দেড় কোটি টাকা."""
    if scale:
        return f"{spoken_fraction(written) or number(written)} {SCALES[scale.lower()]} {currency.name}"
    whole, _, fraction = to_ascii_digits(written).replace(",", "").partition(".")
    if fraction and (len(fraction) > 2 or "." in fraction or not currency.minor):
        return f"{number(written)} {currency.name}"
    main = f"{cardinal(int(whole))} {currency.name}"
    minor = int(fraction.ljust(2, "0")) if fraction else 0
    return f"{main} {cardinal(minor)} {currency.minor}" if minor else main


def _money(m: re.Match[str]) -> str:
    currency = CURRENCIES[m["cur"]]
    scale = m["scale"]
    if m["n2"]:
        low = spoken_fraction(m["n"]) or number(m["n"])
        return f"{low} থেকে {amount(m['n2'], currency, scale)}"
    return amount(m["n"], currency, scale)


def _vulgar(m: re.Match[str]) -> str:
    numerator, denominator = VULGAR_FRACTIONS[m["f"]]
    whole = int(to_ascii_digits(m["w"])) if m["w"] else None
    if denominator in (2, 4) and (whole is not None or m["measure"] is not None):
        return quarters_word(whole or 0, numerator * 4 // denominator)
    read = ratio(numerator, denominator)
    return f"{cardinal(whole)} পূর্ণ {read}" if whole is not None else read


def _slash_fraction(m: re.Match[str]) -> str:
    top, bottom = int(to_ascii_digits(m["a"])), int(to_ascii_digits(m["b"]))
    if 0 < top < bottom <= 10:
        return ratio(top, bottom)
    return f"{cardinal(top)} স্ল্যাশ {cardinal(bottom)}"


_CUR = _alternation(list(CURRENCIES))
_SCALE = rf"(?:\s?(?P<scale>(?i:{_alternation(list(SCALES))}))(?![\u0980-\u09ff{LATIN}]))?"
_AMOUNT = rf"(?P<n>{NUM})(?:\s?[-–]\s?(?P<n2>{NUM}))?{NOT_DIGIT_AFTER}{_SCALE}"
_MEASURE = rf"(?=\s?(?:{_MEASURE_WORDS}))"

RULES: list[Rule] = [
    # ৳৫০০, $12.50, Rs. 500, USD 5 million, $5-10 (and the currency's word after it said once)
    (
        re.compile(
            rf"(?<![{LATIN}])(?P<cur>{_CUR})\s?{_AMOUNT}(?:\s?(?:{_CURRENCY_WORDS})(?![\u0980-\u09ff]))?"
        ),
        _money,
    ),
    # ৫০০৳, 500 Tk, 20 USD
    (re.compile(rf"{_AMOUNT}\s?(?P<cur>{_CUR})(?![{LATIN}])"), _money),
    # ৫‰
    (re.compile(rf"(?P<n>{NUM})\s?‰"), lambda m: f"প্রতি হাজারে {number(m['n'])}"),
    # কিমি, সেমি anywhere
    (
        re.compile(rf"(?<![\u0980-\u09ff])(?:{_alternation(list(BANGLA_UNITS))})(?![\u0980-\u09ff])"),
        lambda m: BANGLA_UNITS[m.group(0)],
    ),
    # km, kg, °C, % after a number
    (
        re.compile(
            rf"(?<={D})(?P<gap>\s?)(?P<unit>{_alternation(list(LATIN_UNITS))})(?![\u0980-\u09ff{LATIN}])"
        ),
        lambda m: " " + LATIN_UNITS[m["unit"]],
    ),
    # ২½, ½ কেজি, ¾
    (
        re.compile(rf"(?P<w>{D}+)?\s?(?P<f>[{''.join(VULGAR_FRACTIONS)}])(?P<measure>{_MEASURE})?"),
        _vulgar,
    ),
    # ৩/৪ (not a date: those went first)
    (
        re.compile(rf"{NOT_LETTER_BEFORE}(?P<a>{D}{{1,3}})/(?P<b>{D}{{1,3}}){NOT_DIGIT_AFTER}"),
        _slash_fraction,
    ),
    # ১.৫ কেজি → দেড় কেজি; ২.৫ কোটি → আড়াই কোটি
    (
        re.compile(rf"{NOT_LETTER_BEFORE}(?P<n>{D}+\.{D}+){NOT_DIGIT_AFTER}{_MEASURE}"),
        lambda m: spoken_fraction(m["n"]) or m["n"],
    ),
]
"""Measure rules, in order; they run after dates and phone numbers, before ranges and plain numbers."""
