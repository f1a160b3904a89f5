"""Chunks: the units a synthesis engine renders in one call.

Whole sentences are packed into a chunk up to ``max_chars``. A sentence longer than that is split at
clause punctuation, and a clause still too long at spaces; a word is never cut, so a single word longer
than the limit becomes a chunk of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from kontho.text.segment import split_paragraphs, split_sentences

_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s*")


class Boundary(StrEnum):
    """What follows a chunk, which decides the pause inserted after it."""

    WORD = "word"
    CLAUSE = "clause"
    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"
    END = "end"


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    paragraph: int
    boundary: Boundary


def _split_words(text: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) > max_chars:
            pieces.append(current)
            current = word
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _split_long(sentence: str, max_chars: int) -> list[tuple[str, Boundary]]:
    """Pieces of an over-long sentence, each tagged with the boundary that ends it."""
    clauses = [c for c in _CLAUSE_END.split(sentence) if c.strip()]
    pieces: list[tuple[str, Boundary]] = []
    current = ""
    for clause in clauses:
        clause = clause.strip()
        candidate = f"{current} {clause}" if current else clause
        if len(candidate) <= max_chars:
            current = candidate
            continue
        if current:
            pieces.append((current, Boundary.CLAUSE))
        if len(clause) <= max_chars:
            current = clause
        else:
            words = _split_words(clause, max_chars)
            pieces.extend((w, Boundary.WORD) for w in words[:-1])
            pieces.append((words[-1], Boundary.CLAUSE))
            current = ""
    if current:
        pieces.append((current, Boundary.CLAUSE))
    return pieces


def _same(sentence: str) -> str:
    return sentence


def plan_chunks(text: str, max_chars: int, speak: Callable[[str], str] = _same) -> list[Chunk]:
    """Split ``text`` into chunks of at most ``max_chars`` characters (a lone longer word excepted).

    ``speak`` turns each sentence into what is read aloud before packing (the front-end's verbalizer);
    a sentence it leaves empty is skipped.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    raw: list[tuple[str, int, Boundary]] = []
    for p_index, paragraph in enumerate(split_paragraphs(text)):
        current = ""
        for written in split_sentences(paragraph):
            sentence = speak(written)
            if not sentence:
                continue
            if len(sentence) > max_chars:
                if current:
                    raw.append((current, p_index, Boundary.SENTENCE))
                    current = ""
                pieces = _split_long(sentence, max_chars)
                raw.extend((piece, p_index, b) for piece, b in pieces[:-1])
                raw.append((pieces[-1][0], p_index, Boundary.SENTENCE))
                continue
            candidate = f"{current} {sentence}" if current else sentence
            if current and len(candidate) > max_chars:
                raw.append((current, p_index, Boundary.SENTENCE))
                current = sentence
            else:
                current = candidate
        if current:
            raw.append((current, p_index, Boundary.SENTENCE))
        if raw and raw[-1][1] == p_index:
            raw[-1] = (raw[-1][0], p_index, Boundary.PARAGRAPH)
    final = len(raw) - 1
    return [Chunk(i, t, p, Boundary.END if i == final else b) for i, (t, p, b) in enumerate(raw)]
