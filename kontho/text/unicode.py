"""Unicode repair for Bangla: NFC, nukta letters, broken vowel signs, invisible characters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bnunicodenormalizer import Normalizer

# NFC decomposes ড়, ঢ়, য় (they are composition exclusions); grapheme models are trained on the single
# code points, so put them back together.
_NUKTA = {"\u09a1\u09bc": "\u09dc", "\u09a2\u09bc": "\u09dd", "\u09af\u09bc": "\u09df"}
_NUKTA_RE = re.compile("|".join(_NUKTA))
# Zero-width spaces, word joiners and BOMs carry nothing aloud; ZWJ/ZWNJ shape conjuncts and stay.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)
_BANGLA_WORD = re.compile(r"[\u0980-\u09ff][\u0980-\u09ff\u200c\u200d’']*")
_APOSTROPHE_IN_WORD = re.compile(r"(?<=[\u0980-\u09ff])[’'](?=[\u0980-\u09ff])")


@lru_cache(maxsize=1)
def _normalizer() -> Normalizer:
    return Normalizer()


@lru_cache(maxsize=65_536)
def _repair_word(word: str) -> str:
    # The repairer rebuilds conjuncts without their joiners, which would change how a word is read.
    if "\u200c" in word or "\u200d" in word:
        return word
    repaired = _normalizer()(word)["normalized"]
    return repaired or word


def compose_nukta(text: str) -> str:
    return _NUKTA_RE.sub(lambda m: _NUKTA[m.group(0)], text)


def normalize_unicode(text: str) -> str:
    """NFC, Unix line ends, no invisible characters, nukta letters composed."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return compose_nukta(text.replace("\r\n", "\n").replace("\r", "\n"))


def repair_bangla(text: str) -> str:
    """Fix broken vowel signs and hasanta sequences, and the old apostrophe elisions (তা’তে → তাতে).

    Runs word by word through bnunicodenormalizer; a word it cannot read stays as it was.
    """
    text = _APOSTROPHE_IN_WORD.sub("", text)
    return compose_nukta(_BANGLA_WORD.sub(lambda m: _repair_word(m.group(0)), text))
