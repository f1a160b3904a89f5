"""Everything a reader says aloud becomes Bangla words: web and e-mail addresses, abbreviations, phone
numbers, dates, times, money, units, ranges, ordinals, years, numbers, Latin acronyms, English words and
the symbols left over. Rules run in order, most specific first (an address before the words in it, a
date before a phone number, both before a range, a range before a plain number, an acronym before an
English word); each leaves only words behind, so a later rule never sees an earlier rule's digits.

The rules live by concept in kontho/text: web.py, abbreviations.py, phones.py, dates.py, times.py,
measures.py, ranges.py, numbers.py, letters.py, english.py.
"""

from __future__ import annotations

import re

from kontho.text import abbreviations, dates, measures, phones, ranges, times, web
from kontho.text.dates import MONTHS
from kontho.text.english import english
from kontho.text.letters import WORD_ACRONYMS, acronym
from kontho.text.numbers import number, ordinal, to_ascii_digits, year
from kontho.text.patterns import LATIN, NOT_LETTER_AFTER, NOT_LETTER_BEFORE, NUM, D, Rule, spaced
from kontho.text.unicode import normalize_unicode

__all__ = ["MONTHS", "verbalize"]


def _int(text: str) -> int:
    return int(to_ascii_digits(text).replace(",", ""))


def _ampersand(m: re.Match[str]) -> str:
    """& between Latin words is অ্যান্ড (A & B, Johnson & Johnson); between Bangla words, এবং."""
    text, start, end = m.string, m.start(), m.end()
    latin_before = re.search(rf"[{LATIN}]\s*$", text[:start]) is not None
    latin_after = re.match(rf"\s*[{LATIN}]", text[end:]) is not None
    return " অ্যান্ড " if latin_before or latin_after else " এবং "


def _plain_number(m: re.Match[str]) -> str:
    words = number(m["n"])
    # MP3, A4: a number after a Latin letter is a word of its own.
    return " " + words if m.start() and re.match(f"[{LATIN}]", m.string[m.start() - 1]) else words


def _latin_word(m: re.Match[str]) -> str:
    word = m.group(0)
    if word in WORD_ACRONYMS:
        return spaced(m, WORD_ACRONYMS[word])
    if m["caps"]:
        return spaced(m, acronym(m["caps"]) + ("স" if m["plural"] else ""))
    if len(word) == 1 and word.isupper():
        return spaced(m, acronym(word))
    return spaced(m, english(word.replace("’", "'")))


# Symbols that still stand after every rule above, said as words.
SYMBOL_WORDS = {
    k: normalize_unicode(v)
    for k, v in {
        "+": "যোগ",
        "=": "সমান",
        "×": "গুণ",
        "÷": "ভাগ",
        "±": "প্লাস মাইনাস",
        "@": "অ্যাট",
        "#": "হ্যাশ",
        "°": "ডিগ্রি",
        "©": "কপিরাইট",
        "№": "নম্বর",
        "§": "অনুচ্ছেদ",
        "/": "বা",
    }.items()
}
_SYMBOL = re.compile(rf"\s?[{re.escape(''.join(SYMBOL_WORDS))}]\s?")


_RULES: list[Rule] = [
    *web.RULES,
    (re.compile(r"&"), _ampersand),
    *dates.RULES,
    *phones.RULES,
    *times.RULES,
    *measures.RULES,
    *abbreviations.RULES,
    *ranges.RULES,
    (
        re.compile(
            rf"{NOT_LETTER_BEFORE}(?P<n>{D}+)(?:ম|\u09df|\u09af\u09bc|র্থ|ষ্ঠ|তম|শ|(?i:st|nd|rd|th)){NOT_LETTER_AFTER}"
        ),
        lambda m: ordinal(_int(m["n"])),
    ),
    (
        re.compile(rf"{NOT_LETTER_BEFORE}(?P<y>{D}{{4}})(?=\s*(?:সাল|খ্রি|বঙ্গাব্দ|শতক|শতাব্দ))"),
        lambda m: year(_int(m["y"])),
    ),
    (re.compile(rf"(?:(?<=^)|(?<=[\s(\[“\"']))[-−](?P<n>{NUM})"), lambda m: "ঋণাত্মক " + number(m["n"])),
    (re.compile(rf"(?P<n>{D}{{1,3}}(?:,{D}{{2,3}})+(?:\.{D}+)?|{D}+(?:\.{D}+)*)"), _plain_number),
    (
        re.compile(
            rf"(?<![{LATIN}])(?:(?P<caps>[A-Z]{{2,6}})(?P<plural>s)?|[{LATIN}]+(?:['’][{LATIN}]+)*)(?![{LATIN}])"
        ),
        _latin_word,
    ),
    (_SYMBOL, lambda m: " " + SYMBOL_WORDS[m.group(0).strip()] + " "),
]


# Marks a reader pauses at but no voice has in its character set: the pause they mean.
_PAUSES = str.maketrans({"…": ", ", "[": "(", "]": ")", "{": "(", "}": ")"})


def verbalize(text: str) -> str:
    """``text`` with everything a reader says aloud written out as Bangla words."""
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return re.sub(r"[ \t]{2,}", " ", text.translate(_PAUSES)).strip()
