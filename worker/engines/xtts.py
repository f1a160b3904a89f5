"""Coqui XTTS v2 voices: a checkpoint loaded once per process, each voice cloning its own references.

A voice is a checkpoint (``model``, loaded once through ``worker.engines.xtts_registry`` and shared by
every voice on it) and its reference clips (``references``), whose conditioning is computed once and
cached (``worker.engines.xtts_conditioning``). Each chunk goes through Coqui's ``Xtts.inference`` with
the voice's sampling parameters and Coqui's text splitting off: kontho chunks the text itself, under
XTTS's per-language character limit (``max_chunk_chars``).

Sampling is seeded per chunk from the chunk's text and the voice's digest, so a chunk rendered again
after a crash is the same audio. Chunks are rendered one at a time: Coqui's XTTS inference takes one text
per call (its GPT holds the call's prompt on the model), so there is no batch to form.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
import structlog
import torch

from kontho.aws import s3_client
from kontho.errors import EngineFailed
from kontho.settings import Settings
from kontho.voices import Voice
from worker.engines import xtts_text
from worker.engines.base import Audio
from worker.engines.vits import check_rates, pick_device, to_pcm16
from worker.engines.xtts_conditioning import Conditioning, ConditioningStore
from worker.engines.xtts_registry import INFERENCE_LOCK, MODELS
from worker.models.resolve import resolve_model

log = structlog.get_logger(__name__)

_SAMPLING = ("temperature", "top_k", "top_p", "repetition_penalty", "length_penalty")
_HALF = {"fp16": torch.float16, "bf16": torch.bfloat16}
CONDITIONING_STORES: dict[str, ConditioningStore] = {}
"""The process's conditioning stores, by bucket; a tool without S3 (a benchmark) puts its own here."""


def half_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast type for ``precision`` on ``device``; None for fp32.

    Half precision is for GPUs only: on a CPU, fp16 matmuls are slow or missing and XTTS gains nothing,
    so a CPU worker renders fp32 whatever the setting. bf16 falls back to fp16 on a GPU without it.
    """
    if precision == "fp32" or device.type != "cuda":
        return None
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return _HALF[precision]


def sampling(voice: Voice, config: Any) -> dict[str, Any]:
    """The voice's sampling parameters; those it leaves unset come from the checkpoint's config."""
    params = voice.params
    return {
        name: getattr(params, name) if getattr(params, name) is not None else config[name]
        for name in _SAMPLING
    }


def chunk_seed(voice_digest: str, text: str) -> int:
    digest = hashlib.sha256(f"{voice_digest}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def _store(settings: Settings) -> ConditioningStore:
    store = CONDITIONING_STORES.get(settings.bucket)
    if store is None:
        client: list[Any] = []

        def s3() -> Any:  # created on first use: a voice of local clips never needs one
            if not client:
                client.append(s3_client(settings))
            return client[0]

        store = CONDITIONING_STORES[settings.bucket] = ConditioningStore(s3, settings.bucket)
    return store


class XttsEngine:
    name = "xtts"

    def __init__(self, voice: Voice, settings: Settings) -> None:
        self.voice = voice
        self.sample_rate = 24_000
        self.vocabulary: frozenset[str] | None = None
        self.reads_phonemes = False
        self.phoneme_symbols: frozenset[str] | None = None
        self.fingerprint = "xtts"
        self.max_chunk_chars = xtts_text.DEFAULT_CHAR_LIMIT
        """The longest text one inference reads: XTTS's limit for the language, or the voice's own lower."""
        self.device = torch.device("cpu")
        self.half: torch.dtype | None = None
        self.conditioning: Conditioning | None = None
        self.sampling: dict[str, Any] = {}
        self._settings = settings
        self._model: Any = None

    def load(self) -> None:
        started = time.monotonic()
        folder = resolve_model(self.voice, self._settings)
        self.device = pick_device(self._settings.device)
        self.half = half_precision(self._settings.xtts_precision, self.device)
        loaded = MODELS.get(folder, self.device)
        model = loaded.model
        tokenizer = model.tokenizer
        xtts_text.check_language(tokenizer, self.voice.language)
        self.sample_rate = int(model.config.audio.output_sample_rate)
        if self.sample_rate != self.voice.sample_rate:
            log.warning("voice_sample_rate_differs", catalog=self.voice.sample_rate, model=self.sample_rate)
        self.vocabulary = xtts_text.vocabulary(tokenizer)
        self.max_chunk_chars = min(
            xtts_text.char_limit(tokenizer, self.voice.language),
            self.voice.params.max_chunk_chars or xtts_text.DEFAULT_CHAR_LIMIT,
        )
        self.sampling = sampling(self.voice, model.config)
        self.conditioning = _store(self._settings).get(model, loaded.fingerprint, self.voice.references)
        precision = str(self.half).removeprefix("torch.") if self.half else "fp32"
        setup = json.dumps({"sampling": self.sampling, "precision": precision}, sort_keys=True)
        # The references' digest keys the chunk cache too: two voices on one checkpoint never share audio.
        self.fingerprint = (
            f"{loaded.fingerprint}|{setup}|references={self.conditioning.digest[:16]}|{self.voice.language}"
        )
        self._model = model
        log.info(
            "xtts_loaded",
            voice=self.voice.id,
            device=str(self.device),
            precision=precision,
            conditioning=self.conditioning.source,
            seconds=round(time.monotonic() - started, 2),
        )

    def synthesize(self, texts: Sequence[str], rates: Sequence[float] | None = None) -> Iterator[Audio]:
        if self._model is None or self.conditioning is None:
            raise RuntimeError("XttsEngine.load() must run before synthesize()")
        for text, rate in zip(texts, check_rates(texts, rates), strict=True):
            pieces = xtts_text.split_for_limit(text, self.max_chunk_chars)
            waves = [self.render(piece, rate) for piece in pieces]
            yield to_pcm16(np.concatenate(waves) if waves else np.zeros(0, dtype=np.float32))

    def generate_options(self, text: str) -> dict[str, Any]:
        """Extra options for transformers' ``generate``; none in production (the benchmark fixes lengths)."""
        return {}

    @torch.inference_mode()
    def render(self, text: str, rate: float = 1.0) -> np.ndarray[Any, Any]:
        """One inference: ``text`` read at ``rate`` (Coqui's ``speed``: the GPT latents stretched)."""
        if self._model is None or self.conditioning is None:
            raise RuntimeError("XttsEngine.load() must run before render()")
        seed = chunk_seed(self.fingerprint, text)
        autocast = torch.autocast("cuda", dtype=self.half) if self.half is not None else nullcontext()
        devices = [self.device] if self.device.type == "cuda" else []
        try:
            with INFERENCE_LOCK, torch.random.fork_rng(devices=devices), autocast:
                torch.manual_seed(seed)
                out = self._model.inference(
                    text,
                    self.voice.language,
                    self.conditioning.gpt_cond_latent,
                    self.conditioning.speaker_embedding,
                    speed=rate,
                    enable_text_splitting=False,
                    **self.sampling,
                    **self.generate_options(text),
                )
        except torch.cuda.OutOfMemoryError as exc:
            raise EngineFailed(f"GPU out of memory on a chunk of {len(text)} characters") from exc
        wave: np.ndarray[Any, Any] = np.asarray(out["wav"], dtype=np.float32)
        return wave
