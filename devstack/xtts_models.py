"""Random-weight Bangla XTTS v2 checkpoints, built with Coqui's own classes and saved in Coqui's layout.

A folder holds ``model.pth`` (``{"model": state_dict}``), ``config.json`` and ``vocab.json``, the
tokenizer file Coqui's ``VoiceBpeTokenizer`` reads. The tokenizer is built here with the ``tokenizers``
library, in the form of XTTS's own: a BPE model whose special tokens are ``[STOP]``, ``[UNK]``,
``[SPACE]``, ``[START]`` and one ``[lang]`` token per language, over a Bangla character set (no merges,
so every letter is a token, as the letters are in XTTS's released vocabulary).

The tests use a tiny one (one GPT layer of 32 channels), the benchmark a full-size one (Coqui's defaults:
30 layers of 1024 channels), which costs what a trained checkpoint of that size costs. Two parts of
XTTS cannot be built small, because ``Xtts.init_models`` passes no size for them: the HiFi-GAN decoder
(512 initial channels, upsampling 8·8·2·2) and the ResNet speaker encoder (512-dimensional embedding).
Both are full size in the tiny model too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import soundfile  # type: ignore[import-untyped]
import torch

from devstack.vits_models import BANGLA_GRAPHEMES, PUNCTUATION

SPECIAL_TOKENS = ("[STOP]", "[UNK]", "[SPACE]", "[START]")
TINY_ARGS: dict[str, Any] = {
    "gpt_layers": 1,
    "gpt_n_model_channels": 32,
    "gpt_n_heads": 2,
    "decoder_input_dim": 32,  # the decoder reads the GPT's latents: it must match the GPT's width
    # Random weights almost never sample the stop token: this caps a chunk at 13 audio tokens (0.6 s).
    "gpt_max_audio_tokens": 16,
}


def build_vocab(path: Path, languages: Sequence[str] = ("bn",)) -> Path:
    """An XTTS tokenizer file: special tokens, ``[lang]`` tokens, then one token per character."""
    from tokenizers import AddedToken, Tokenizer
    from tokenizers.models import BPE
    from tokenizers.pre_tokenizers import Whitespace

    specials = [*SPECIAL_TOKENS, *(f"[{lang}]" for lang in languages)]
    symbols = sorted(set(BANGLA_GRAPHEMES + PUNCTUATION.replace(" ", "") + '"“”‘’–॥'))
    vocab = {token: i for i, token in enumerate([*specials, *symbols])}
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="[UNK]"))  # noqa: S106 (a token, not a password)
    tokenizer.pre_tokenizer = Whitespace()  # as in XTTS's released vocab.json
    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in specials])
    tokenizer.save(str(path))
    return path


def build_xtts(
    folder: Path,
    *,
    tiny: bool = True,
    seed: int = 0,
    languages: Sequence[str] = ("bn",),
    max_audio_tokens: int | None = None,
) -> Path:
    """Save a random-weight XTTS v2 in ``folder``; ``languages`` are the ``[lang]`` tokens it carries."""
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.models.xtts import Xtts

    folder.mkdir(parents=True, exist_ok=True)
    vocab = build_vocab(folder / "vocab.json", languages)
    tokenizer = VoiceBpeTokenizer(vocab_file=vocab)
    config = XttsConfig()
    args = config.model_args
    args.gpt_use_perceiver_resampler = True  # XTTS v2 (v1 had a mel prompt instead)
    args.gpt_number_text_tokens = tokenizer.get_number_tokens()
    args.gpt_start_text_token = tokenizer.tokenizer.token_to_id("[START]")
    args.gpt_stop_text_token = tokenizer.tokenizer.token_to_id("[STOP]")
    for name, value in (TINY_ARGS if tiny else {}).items():
        setattr(args, name, value)
    if max_audio_tokens is not None:
        args.gpt_max_audio_tokens = max_audio_tokens
    config.languages = sorted(set(config.languages) | set(languages))
    torch.manual_seed(seed)
    # Xtts(config) is what Xtts.init_from_config does (Coqui deprecates the latter's name).
    model = Xtts(config)
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder


def reference_clip(seconds: float = 3.0, *, seed: int = 0, sample_rate: int = 22_050) -> bytes:
    """A mono 16-bit WAV of a voice-like signal: a gliding harmonic tone with some noise, never silent."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    pitch = 120 + 30 * seed + 20 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 6)) * 0.2 + rng.normal(0, 0.01, t.size)
    buffer = io.BytesIO()
    soundfile.write(buffer, wave.astype(np.float32), sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
