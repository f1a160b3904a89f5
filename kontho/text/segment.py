"""Paragraphs and sentences of Bangla text.

Paragraphs: every non-empty line is a paragraph, the way Bangla e-texts are written (one line per
paragraph, sometimes with blank lines between); blank lines add nothing more.
Sentences end at the danda ``।``, the double danda ``॥``, ``?`` and ``!``, with any closing quotes or
brackets that follow them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r".*?(?:[।॥?!]+[\"'”’»)\]]*(?=\s|$)|$)", re.DOTALL)


@dataclass(frozen=True)
class Sentence:
    """A sentence as written, with its code point span in the submitted text."""

    text: str
    start: int
    end: int


_LINE = re.compile(r"[^\r\n]+")


def paragraphs_with_spans(text: str) -> list[list[Sentence]]:
    """Paragraphs of sentences, each sentence knowing where it stands in ``text`` (not normalized)."""
    paragraphs = []
    for line in _LINE.finditer(text):
        sentences = []
        for m in _SENTENCE.finditer(line.group(0)):
            raw = m.group(0)
            stripped = raw.strip()
            if not stripped or stripped.isspace():
                continue
            start = line.start() + m.start() + (len(raw) - len(raw.lstrip()))
            sentences.append(Sentence(stripped, start, start + len(stripped)))
        if sentences:
            paragraphs.append(sentences)
    return paragraphs
