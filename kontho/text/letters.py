"""The names of letters, digits and symbols, for acronyms (WHO → ডব্লিউ এইচ ও) and for spelling out.

Written here: no library names the Latin letters in Bangla or the Bangla letters by their school names.
"""

from __future__ import annotations

from kontho.text.numbers import DIGIT_WORDS, to_ascii_digits
from kontho.text.unicode import normalize_unicode

LATIN_LETTER_NAMES: dict[str, str] = {
    k: normalize_unicode(v)
    for k, v in {
        "A": "এ",
        "B": "বি",
        "C": "সি",
        "D": "ডি",
        "E": "ই",
        "F": "এফ",
        "G": "জি",
        "H": "এইচ",
        "I": "আই",
        "J": "জে",
        "K": "কে",
        "L": "এল",
        "M": "এম",
        "N": "এন",
        "O": "ও",
        "P": "পি",
        "Q": "কিউ",
        "R": "আর",
        "S": "এস",
        "T": "টি",
        "U": "ইউ",
        "V": "ভি",
        "W": "ডব্লিউ",
        "X": "এক্স",
        "Y": "ওয়াই",
        "Z": "জেড",
    }.items()
}

# Letters that are read by their own sound need no name; these are the ones a speller names so they are
# told apart (দন্ত্য ন, মূর্ধন্য ণ) or cannot be said alone (vowel signs, hasanta, the nasal marks).
BANGLA_LETTER_NAMES: dict[str, str] = {
    normalize_unicode(k): normalize_unicode(v)
    for k, v in {
        "ই": "হ্রস্ব ই",
        "ঈ": "দীর্ঘ ঈ",
        "উ": "হ্রস্ব উ",
        "ঊ": "দীর্ঘ ঊ",
        "ঙ": "উঁয়ো",
        "ঞ": "ইঁয়ো",
        "জ": "বর্গীয় জ",
        "ণ": "মূর্ধন্য ণ",
        "ন": "দন্ত্য ন",
        "য": "অন্তঃস্থ য",
        "শ": "তালব্য শ",
        "ষ": "মূর্ধন্য ষ",
        "স": "দন্ত্য স",
        "ড়": "ড-য়ে শূন্য ড়",
        "ঢ়": "ঢ-য়ে শূন্য ঢ়",
        "য়": "অন্তঃস্থ য়",
        "ৎ": "খণ্ড ত",
        "ং": "অনুস্বার",
        "ঃ": "বিসর্গ",
        "ঁ": "চন্দ্রবিন্দু",
        "া": "আ-কার",
        "ি": "ই-কার",
        "ী": "ঈ-কার",
        "ু": "উ-কার",
        "ূ": "ঊ-কার",
        "ৃ": "ঋ-কার",
        "ে": "এ-কার",
        "ৈ": "ঐ-কার",
        "ো": "ও-কার",
        "ৌ": "ঔ-কার",
        "্": "হসন্ত",
    }.items()
}

SYMBOL_NAMES: dict[str, str] = {
    k: normalize_unicode(v)
    for k, v in {
        ".": "ডট",
        "@": "অ্যাট",
        "-": "হাইফেন",
        "_": "আন্ডারস্কোর",
        "/": "স্ল্যাশ",
        "\\": "ব্যাকস্ল্যাশ",
        ":": "কোলন",
        "+": "প্লাস",
        "&": "অ্যান্ড",
        "#": "হ্যাশ",
        "=": "ইকুয়াল",
        "?": "প্রশ্নবোধক",
        "%": "পার্সেন্ট",
        "*": "স্টার",
        "~": "টিল্ডা",
        ",": "কমা",
        "'": "অ্যাপোস্ট্রফি",
        "!": "আশ্চর্যবোধক",
    }.items()
}

_BANGLA_SPELLABLE = range(0x0985, 0x09FB)


def letter_name(ch: str) -> str | None:
    """How a speller names one character; None when it has no name."""
    if ch.upper() in LATIN_LETTER_NAMES:
        return LATIN_LETTER_NAMES[ch.upper()]
    ascii_digit = to_ascii_digits(ch)
    if ascii_digit.isascii() and ascii_digit.isdigit():
        return DIGIT_WORDS[int(ascii_digit)]
    if ch in BANGLA_LETTER_NAMES:
        return BANGLA_LETTER_NAMES[ch]
    if ord(ch) in _BANGLA_SPELLABLE and ch.isalpha():
        return ch
    return SYMBOL_NAMES.get(ch)


def acronym(letters: str) -> str:
    """WHO → ডব্লিউ এইচ ও: each Latin letter by its name (a letter without one, Î say, stays as it is
    and the voice's character check reports it)."""
    return " ".join(LATIN_LETTER_NAMES.get(ch.upper(), ch) for ch in letters)


def spell(text: str) -> str:
    """Letter by letter; spaces and characters without a name are passed over."""
    names = (letter_name(ch) for ch in normalize_unicode(text))
    return " ".join(n for n in names if n)


# Acronyms said as words, not letter by letter.
WORD_ACRONYMS: dict[str, str] = {
    k: normalize_unicode(v)
    for k, v in {
        "NASA": "নাসা",
        "NATO": "ন্যাটো",
        "UNESCO": "ইউনেস্কো",
        "UNICEF": "ইউনিসেফ",
        "FIFA": "ফিফা",
        "SAARC": "সার্ক",
        "ASEAN": "আসিয়ান",
        "OPEC": "ওপেক",
        "COVID": "কোভিড",
        "AIDS": "এইডস",
        "BUET": "বুয়েট",
        "BRAC": "ব্র্যাক",
        "RAB": "র‍্যাব",
        "DUET": "ডুয়েট",
        "CUET": "চুয়েট",
        "RUET": "রুয়েট",
        "KUET": "কুয়েট",
    }.items()
}
