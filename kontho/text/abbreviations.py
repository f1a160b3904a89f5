"""Abbreviations a Bangla reader expands, written with a dot (ডা.) or a visarga (ডাঃ), and the Latin
ones that turn up in Bangla text (Dr., Mr., etc.). A table written here; no library has one."""

from __future__ import annotations

import re

from kontho.text.patterns import NOT_LETTER_BEFORE, Rule
from kontho.text.unicode import normalize_unicode

_WRITTEN = {
    "বি.দ্র.": "বিশেষ দ্রষ্টব্য",
    "বিঃদ্রঃ": "বিশেষ দ্রষ্টব্য",
    "কি.মি.": "কিলোমিটার",
    "কি.গ্রা.": "কিলোগ্রাম",
    "খ্রি.পূ.": "খ্রিস্টপূর্ব",
    "খ্রিঃপূঃ": "খ্রিস্টপূর্ব",
    "মোসা.": "মোসাম্মত",
    "মোসাঃ": "মোসাম্মত",
    "ডা.": "ডাক্তার",
    "ডাঃ": "ডাক্তার",
    "মো.": "মোহাম্মদ",
    "মোঃ": "মোহাম্মদ",
    "ড.": "ডক্টর",
    "ডঃ": "ডক্টর",
    "মি.": "মিস্টার",
    "মিঃ": "মিস্টার",
    "মিসেস.": "মিসেস",
    "প্রফে.": "প্রফেসর",
    "অধ্যা.": "অধ্যাপক",
    "অধ্যাঃ": "অধ্যাপক",
    "খ্রি.": "খ্রিস্টাব্দ",
    "খ্রিঃ": "খ্রিস্টাব্দ",
    "সং.": "সংখ্যা",
    "পৃ.": "পৃষ্ঠা",
    "পৃঃ": "পৃষ্ঠা",
    "নং": "নম্বর",
    "ইং": "ইংরেজি",
    "লি.": "লিমিটেড",
    "লিঃ": "লিমিটেড",
    "সা.": "সাল্লাল্লাহু আলাইহি ওয়াসাল্লাম",
    "সাঃ": "সাল্লাল্লাহু আলাইহি ওয়াসাল্লাম",
    "রা.": "রাদিয়াল্লাহু আনহু",
    "রাঃ": "রাদিয়াল্লাহু আনহু",
    "Dr.": "ডক্টর",
    "Mr.": "মিস্টার",
    "Mrs.": "মিসেস",
    "Ms.": "মিজ",
    "Prof.": "প্রফেসর",
    "Ltd.": "লিমিটেড",
    "Inc.": "ইনকরপোরেটেড",
    "etc.": "ইত্যাদি",
    "vs.": "ভার্সাস",
    "e.g.": "যেমন",
    "i.e.": "অর্থাৎ",
}
ABBREVIATIONS: dict[str, str] = {normalize_unicode(k): normalize_unicode(v) for k, v in _WRITTEN.items()}
"""Written form → what is said."""

# Longest first so "মোসা." wins over "মো."; a form without a dot must end its word (নং, not নংরা;
# ইং, not ইংরেজি).
_PATTERN = re.compile(
    NOT_LETTER_BEFORE
    + "(?:"
    + "|".join(
        re.escape(a) + ("" if a.endswith(".") else r"(?![\u0980-\u09ff])")
        for a in sorted(ABBREVIATIONS, key=len, reverse=True)
    )
    + ")"
)

RULES: list[Rule] = [(_PATTERN, lambda m: ABBREVIATIONS[m.group(0)] + " ")]
