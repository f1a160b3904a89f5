"""What an XTTS checkpoint reads: its languages, its characters, its per-language chunk limit.

Coqui's ``VoiceBpeTokenizer`` cleans text per language and raises for a language outside its own list,
``bn`` among them, even when the checkpoint's vocabulary carries a ``[bn]`` token (as Bangla fine-tunes
do). kontho's text reaches the engine already read by its front-end (numbers, abbreviations, lexicons),
so for such a language the tokenizer here only drops double quotes and collapses whitespace, as Coqui's
multilingual cleaner does, and leaves the Bangla letters as they are: Coqui's number and abbreviation
rules are written for other scripts.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from kontho.errors import ModelLoadFailed

# Coqui's XTTS limits characters per language (``char_limits``) and has none for bn. Bangla is an Indic
# abugida like Hindi, whose XTTS limit is 150 characters; longer text risks truncated audio.
EXTRA_CHAR_LIMITS = {"bn": 150}
DEFAULT_CHAR_LIMIT = 250  # Coqui's own for a language it has no limit for
_WHITESPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[।॥?!.])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—])\s+")
_VIRAMA = "\u09cd"


def bangla_capable(vocab_file: str) -> Any:
    """Coqui's tokenizer for ``vocab_file``, reading languages it has no cleaner for as written."""
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer

    class KonthoTokenizer(VoiceBpeTokenizer):  # type: ignore[misc]
        _COQUI_LANGUAGES = frozenset(
            {
                "ar",
                "cs",
                "de",
                "en",
                "es",
                "fr",
                "hi",
                "hu",
                "it",
                "nl",
                "pl",
                "pt",
                "ru",
                "tr",
                "zh",
                "ko",
                "ja",
            }
        )

        def preprocess_text(self, txt: str, lang: str) -> str:
            if lang in self._COQUI_LANGUAGES:
                return str(super().preprocess_text(txt, lang))
            return _WHITESPACE.sub(" ", txt.replace('"', "")).strip()

    tokenizer = KonthoTokenizer(vocab_file=vocab_file)
    for language, limit in EXTRA_CHAR_LIMITS.items():
        tokenizer.char_limits.setdefault(language, limit)
    return tokenizer


def languages(tokenizer: Any) -> list[str]:
    """The ``[lang]`` tokens of the vocabulary: the languages the checkpoint was trained to read."""
    specials = {"STOP", "UNK", "SPACE", "START"}
    found = (t[1:-1] for t in tokenizer.tokenizer.get_vocab() if t.startswith("[") and t.endswith("]"))
    return sorted(t for t in found if t not in specials and len(t) <= 6)


def check_language(tokenizer: Any, language: str) -> None:
    lang = language.split("-")[0]
    lang = "zh-cn" if lang == "zh" else lang
    if tokenizer.tokenizer.token_to_id(f"[{lang}]") is None:
        raise ModelLoadFailed(
            f"this XTTS checkpoint cannot read language {language!r}: its vocab.json has no [{lang}] token "
            f"(it reads {', '.join(languages(tokenizer)) or 'none'}). XTTS v2 as released does not read "
            "Bangla; use a fine-tune whose tokenizer carries [bn]"
        )


def char_limit(tokenizer: Any, language: str) -> int:
    lang = language.split("-")[0]
    return int(tokenizer.char_limits.get(lang, EXTRA_CHAR_LIMITS.get(lang, DEFAULT_CHAR_LIMIT)))


def vocabulary(tokenizer: Any) -> frozenset[str]:
    """Characters the vocabulary has a token of its own for (a BPE's merges start from these)."""
    chars = {t for t in tokenizer.tokenizer.get_vocab() if len(t) == 1}
    return frozenset(chars | {" "})


def split_for_limit(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters: at sentence ends, then clauses, then spaces.

    The pipeline already chunks under the limit; this keeps a longer text (a caller's own) from reaching
    the model whole, where XTTS would cut its audio short.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    for pattern in (_SENTENCE_END, _CLAUSE_END, _WHITESPACE):
        parts = [p for p in pattern.split(text) if p]
        if len(parts) > 1:
            return _pack(parts, limit)
    return _cut(text, limit)


def _pack(parts: list[str], limit: int) -> list[str]:
    pieces: list[str] = []
    for part in parts:
        if pieces and len(pieces[-1]) + 1 + len(part) <= limit:
            pieces[-1] = f"{pieces[-1]} {part}"
        else:
            pieces.extend(split_for_limit(part, limit))
    return pieces


def _cut(text: str, limit: int) -> list[str]:
    """A run without spaces, cut between letters: never before a vowel sign or after a virama."""
    pieces = []
    while len(text) > limit:
        at = limit
        while at > 1 and (unicodedata.category(text[at])[0] == "M" or text[at - 1] == _VIRAMA):
            at -= 1
        pieces.append(text[:at])
        text = text[at:]
    return [*pieces, text] if text else pieces
