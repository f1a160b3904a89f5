"""Phoneme strings carried inside a chunk's text, for voices whose model reads phonemes.

A lexicon entry or an SSML ``<phoneme>`` can say exactly how a word is read. For a voice that reads
phonemes, the front-end puts that phoneme string into the chunk's text between two private-use code
points, which no submitted text keeps (the front-end removes them from what it is given); the engine
passes what lies between them to the model as phonemes and phonemizes the rest. Any other voice never
sees them: it reads the alias, or the word as written.
"""

from __future__ import annotations

import re

OPEN = "\ue000"
CLOSE = "\ue001"
_SPAN = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*){CLOSE}")


_NBSP = "\u00a0"


def wrap(phonemes: str) -> str:
    """``phonemes`` marked as phonemes inside a chunk's text.

    Spaces inside become no-break spaces, so the chunker, which splits long sentences at spaces, never
    cuts a phoneme string in two; ``pieces`` gives them back as spaces.
    """
    kept = "".join(phonemes.replace(OPEN, "").replace(CLOSE, "").split())
    spaced = _NBSP.join(phonemes.replace(OPEN, "").replace(CLOSE, "").split())
    return f"{OPEN}{spaced if kept else ''}{CLOSE}"


def pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_phonemes), in order; empty pieces left out."""
    out: list[tuple[str, bool]] = []
    at = 0
    for m in _SPAN.finditer(text):
        if m.start() > at:
            out.append((text[at : m.start()], False))
        if m.group(1):
            out.append((m.group(1).replace(_NBSP, " "), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out


def strip(text: str) -> str:
    """``text`` without any phoneme markers (the phoneme strings between them go too)."""
    return _SPAN.sub(" ", text).replace(OPEN, "").replace(CLOSE, "")
