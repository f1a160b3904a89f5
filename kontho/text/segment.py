"""Paragraphs and sentences of Bangla text.

Paragraphs: every non-empty line is a paragraph, the way Bangla e-texts are written (one line per
paragraph, sometimes with blank lines between); blank lines add nothing more.
Sentences end at the danda ``।``, the double danda ``॥``, ``?`` and ``!``, with any closing quotes or
brackets that follow them.
"""

from __future__ import annotations

import re

from kontho.text.unicode import normalize_unicode

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_SENTENCE = re.compile(r".*?(?:[।॥?!]+[\"'”’»)\]]*(?=\s|$)|$)", re.DOTALL)


def split_paragraphs(text: str) -> list[str]:
    text = normalize_unicode(text)
    paragraphs = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return [p for p in paragraphs if p]


def split_sentences(paragraph: str) -> list[str]:
    sentences = (m.group(0).strip() for m in _SENTENCE.finditer(paragraph))
    return [s for s in sentences if s]
