"""How a chunk's text becomes a Coqui VITS model's token ids, phoneme spans included.

Coqui's ``TTSTokenizer.text_to_ids`` cleans the text, phonemizes it (for a model that reads phonemes),
encodes it, intersperses blanks and adds bos/eos. A chunk may also carry phoneme strings that a lexicon
or an SSML ``<phoneme>`` chose (``kontho.text.inline_phonemes``): those must reach the model as they are,
so the text is cut at them, each plain piece goes through Coqui's cleaner and phonemizer, each phoneme
piece through unchanged, and the joined result through Coqui's own encode, blank and bos/eos steps. A
text without phoneme spans is one plain piece and gives exactly Coqui's ids.
"""

from __future__ import annotations

import re
from typing import Any

import structlog

from kontho.text import inline_phonemes

log = structlog.get_logger(__name__)

_SENTENCE_END = re.compile(r"[।!?.]\s*$")
_DARI = "।"


def reads_phonemes(tokenizer: Any) -> bool:
    return bool(tokenizer.use_phonemes and tokenizer.phonemizer is not None)


def single_symbols(tokenizer: Any) -> frozenset[str]:
    """The one-character symbols the model knows: special tokens such as ``<BLNK>`` are longer."""
    return frozenset(ch for ch in tokenizer.characters.vocab if len(ch) == 1)


def text_to_ids(tokenizer: Any, text: str, language: str) -> list[int]:
    if not reads_phonemes(tokenizer):
        # A grapheme model has no use for phoneme strings: it reads the words around them.
        ids: list[int] = tokenizer.text_to_ids(inline_phonemes.strip(text), language=language)
        return ids
    known = single_symbols(tokenizer)
    parts = inline_phonemes.pieces(text)
    symbols = "".join(
        _phonemes_as_given(piece, known)
        if is_phonemes
        else _phonemize(tokenizer, piece, language, after=i > 0, before=i < len(parts) - 1)
        for i, (piece, is_phonemes) in enumerate(parts)
    )
    ids = tokenizer.encode(symbols)
    if tokenizer.add_blank:
        ids = tokenizer.intersperse_blank_char(ids)
    if tokenizer.use_eos_bos:
        ids = tokenizer.pad_with_bos_eos(ids)
    return ids


def _phonemes_as_given(piece: str, known: frozenset[str]) -> str:
    kept = "".join(ch for ch in piece if ch in known)
    if len(kept) != len(piece):
        unknown = sorted({ch for ch in piece if ch not in known})
        log.debug("phoneme_symbols_unknown_to_model", dropped=unknown, phonemes=piece)
    return kept


def _phonemize(tokenizer: Any, piece: str, language: str, *, after: bool, before: bool) -> str:
    """One plain piece as Coqui would phonemize it; ``after``/``before``: beside a phoneme span."""
    from TTS.tts.utils.languages import normalize_language

    cleaner = tokenizer.text_cleaner
    cleaned = cleaner(piece, lang=normalize_language(language)) if cleaner is not None else piece
    if not cleaned.strip():
        return " " if (after or before) and piece else ""
    phonemes: str = tokenizer.phonemizer.phonemize(cleaned, separator="", language=language)
    # Coqui's Bangla phonemizer ends every text it is given as a sentence, with a dari; a piece that stops
    # at a phoneme span mid-sentence must not gain a pause there.
    if before and phonemes.endswith(_DARI) and not _SENTENCE_END.search(piece):
        phonemes = phonemes[: -len(_DARI)]
    # Cleaner and phonemizer both strip the ends; beside a span, the word boundary is kept.
    lead = " " if after and piece[:1].isspace() else ""
    trail = " " if before and piece[-1:].isspace() else ""
    return f"{lead}{phonemes}{trail}"
