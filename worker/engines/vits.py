"""Coqui VITS voices: load once, then synthesize chunks in length-sorted batches on the GPU.

Batched inference follows Coqui's ``Vits.inference`` step by step, with one change: every random draw
(the stochastic duration predictor's noise and the prior's noise) comes from a generator seeded by the
chunk's own text and voice. A chunk therefore sounds the same whichever batch it lands in, and a chunk
rendered again after a crash is the same audio. Each chunk also has its own speaking rate: its length
scale is the voice's divided by the rate, row by row within the batch.

A voice on a multi-speaker model names its speaker; the speaker's embedding conditions the duration
predictor, the flow and the decoder as in Coqui's ``Vits.inference``. The model itself is loaded once per
process (``worker.engines.vits_registry``), however many of its speakers are voices.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import structlog
import torch

from kontho.errors import EngineFailed, ModelLoadFailed
from kontho.settings import Settings
from kontho.voices import Voice
from worker.engines import vits_text
from worker.engines.base import Audio
from worker.engines.vits_registry import (
    MODELS,
    find_model_files,
    load_vits,
    model_fingerprint,
    private_view,
    speaker_id,
)
from worker.models.resolve import resolve_model

__all__ = [
    "VitsEngine",
    "batched_inference",
    "chunk_seed",
    "find_model_files",
    "load_vits",
    "model_fingerprint",
]

log = structlog.get_logger(__name__)

_WINDOW = 64  # chunks sorted and batched together; bounds what is held before it is yielded in order


def chunk_seed(voice_id: str, text: str) -> int:
    digest = hashlib.sha256(f"{voice_id}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def pick_device(setting: str) -> torch.device:
    if setting == "cpu" or (setting == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ModelLoadFailed("KONTHO_DEVICE=cuda but this worker sees no CUDA device")
    return torch.device("cuda")


class VitsEngine:
    name = "vits"

    def __init__(self, voice: Voice, settings: Settings) -> None:
        self.voice = voice
        self.sample_rate = voice.sample_rate
        self.vocabulary: frozenset[str] | None = None
        self.reads_phonemes = False
        self.phoneme_symbols: frozenset[str] | None = None
        self._settings = settings
        self._model: Any = None
        self.speaker_id: int | None = None
        self.device = torch.device("cpu")
        self.fingerprint = "vits"

    def load(self) -> None:
        started = time.monotonic()
        folder = resolve_model(self.voice, self._settings)
        self.device = pick_device(self._settings.device)
        loaded = MODELS.get(folder, self.device)
        self.speaker_id = speaker_id(loaded.model, self.voice, folder)
        self._model = private_view(loaded.model)
        # Each speaker is its own voice: its chunks' checkpoints must not be taken for another's.
        speaker = "" if self.speaker_id is None else f"|speaker={self.speaker_id}"
        self.fingerprint = f"{loaded.fingerprint}{speaker}"
        self.sample_rate = int(self._model.config.audio.sample_rate)
        if self.sample_rate != self.voice.sample_rate:
            log.warning("voice_sample_rate_differs", catalog=self.voice.sample_rate, model=self.sample_rate)
        tokenizer = self._model.tokenizer
        self.reads_phonemes = vits_text.reads_phonemes(tokenizer)
        if self.reads_phonemes:
            # The phonemizer reads the written text; what the model knows are the phonemes it makes.
            self.vocabulary = None
            self.phoneme_symbols = vits_text.single_symbols(tokenizer)
        else:
            self.vocabulary = vits_text.single_symbols(tokenizer)
            self.phoneme_symbols = None
        list(self.synthesize(["ক"]))  # warm-up: first-call allocations happen before the first job
        log.info(
            "vits_loaded",
            voice=self.voice.id,
            device=str(self.device),
            speaker=self.speaker_id,
            seconds=round(time.monotonic() - started, 2),
            reads_phonemes=self.reads_phonemes,
            symbols=len(self.phoneme_symbols or self.vocabulary or ()),
        )

    def tokens(self, text: str) -> list[int]:
        return vits_text.text_to_ids(self._model.tokenizer, text, self.voice.language)

    def synthesize(self, texts: Sequence[str], rates: Sequence[float] | None = None) -> Iterator[Audio]:
        if self._model is None:
            raise RuntimeError("VitsEngine.load() must run before synthesize()")
        all_rates = check_rates(texts, rates)
        for start in range(0, len(texts), _WINDOW):
            window = list(texts[start : start + _WINDOW])
            yield from self._render_window(window, all_rates[start : start + _WINDOW])

    def _render_window(self, texts: list[str], rates: list[float]) -> Iterator[Audio]:
        tokens = [self.tokens(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        # On a CPU a batch costs what its items cost one by one, plus padding: batch only on a GPU.
        budget = self._settings.vits_batch_tokens if self.device.type == "cuda" else 0
        done: dict[int, Audio] = {}
        batch: list[int] = []
        for i in order:
            # Sorted ascending, so the newest item is the longest: padded cost is its length × batch size.
            if batch and len(tokens[i]) * (len(batch) + 1) > budget:
                done.update(self._render_batch(batch, texts, tokens, rates))
                batch = []
            batch.append(i)
        if batch:
            done.update(self._render_batch(batch, texts, tokens, rates))
        for i in range(len(texts)):
            yield done.pop(i)

    def _render_batch(
        self, batch: list[int], texts: list[str], tokens: list[list[int]], rates: list[float]
    ) -> dict[int, Audio]:
        # The seed stays the text's alone: a chunk read at another rate is the same voice, only slower.
        seeds = [chunk_seed(self.voice.id, texts[i]) for i in batch]
        try:
            waves = batched_inference(
                self._model,
                [tokens[i] for i in batch],
                seeds,
                self.voice,
                self.device,
                self._settings.vits_precision,
                rates=[rates[i] for i in batch],
                speaker_id=self.speaker_id,
            )
        except torch.cuda.OutOfMemoryError as exc:
            raise EngineFailed(f"GPU out of memory on a batch of {len(batch)} chunks") from exc
        return {i: to_pcm16(w) for i, w in zip(batch, waves, strict=True)}


def check_rates(texts: Sequence[object], rates: Sequence[float] | None) -> list[float]:
    if rates is None:
        return [1.0] * len(texts)
    if len(rates) != len(texts):
        raise ValueError(f"{len(rates)} rates for {len(texts)} texts")
    if not all(rate > 0 for rate in rates):
        raise ValueError(f"speaking rates must be positive, got {min(rates)}")
    return list(rates)


def to_pcm16(wave: np.ndarray[Any, Any]) -> Audio:
    pcm: Audio = (np.clip(wave, -1.0, 1.0) * 32767).astype(np.int16)
    return pcm


def _noise(
    shapes: list[tuple[int, int]], seeds: list[int], device: torch.device, pad_to: int
) -> torch.Tensor:
    """Per-item standard normal noise of shape [C, T_i], each from its own seed, zero-padded to ``pad_to``."""
    out = torch.zeros(len(shapes), shapes[0][0], pad_to, device=device)
    for row, ((channels, length), seed) in enumerate(zip(shapes, seeds, strict=True)):
        gen = torch.Generator(device=device).manual_seed(seed)
        out[row, :, :length] = torch.randn(channels, length, generator=gen, device=device)
    return out


_DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


@torch.inference_mode()
def batched_inference(
    model: Any,
    token_batch: list[list[int]],
    seeds: list[int],
    voice: Voice,
    device: torch.device,
    precision: str = "fp32",
    *,
    rates: Sequence[float] | None = None,
    speaker_id: int | None = None,
) -> list[np.ndarray[Any, Any]]:
    """Render one batch; ``precision`` fp16/bf16 runs the network under autocast (noise stays fp32).

    ``rates[i]`` multiplies row i's speaking rate (None: all 1.0). ``speaker_id``: the embedding row of
    a multi-speaker model's speaker, the same for every row (None for a single-speaker model).
    """
    scales = [voice.params.length_scale / rate for rate in check_rates(token_batch, rates)]
    with torch.autocast(
        device.type, dtype=_DTYPES.get(precision, torch.float32), enabled=precision != "fp32"
    ):
        return _batched_inference(model, token_batch, seeds, voice, device, scales, speaker_id)


def _batched_inference(
    model: Any,
    token_batch: list[list[int]],
    seeds: list[int],
    voice: Voice,
    device: torch.device,
    length_scales: list[float],
    speaker_id: int | None = None,
) -> list[np.ndarray[Any, Any]]:
    from TTS.tts.utils.helpers import generate_path, sequence_mask

    params = voice.params
    token_lengths = [len(t) for t in token_batch]
    # Pad on the host and copy once: no per-row transfers to the device.
    x_host = torch.zeros(len(token_batch), max(token_lengths), dtype=torch.long)
    for row, ids in enumerate(token_batch):
        x_host[row, : len(ids)] = torch.tensor(ids)
    x = x_host.to(device)
    lengths = torch.tensor(token_lengths).to(device)
    g = None
    if speaker_id is not None:
        sid = torch.full((len(token_batch),), speaker_id, dtype=torch.long, device=device)
        g = model.emb_g(sid).unsqueeze(-1)  # [B, C, 1], as Coqui's _get_speaker_conditioning gives it
    g_dp = g if model.args.condition_dp_on_speaker else None

    x_enc, m_p, logs_p, x_mask = model.text_encoder(x, lengths)
    t_enc = x_enc.shape[2]
    if model.args.use_sdp:
        sdp = model.duration_predictor
        pre = sdp.pre(x_enc)
        if g_dp is not None:
            pre = pre + sdp.cond(g_dp)
        h = sdp.proj(sdp.convs(pre, x_mask)) * x_mask
        z = _noise([(2, n) for n in token_lengths], seeds, device, t_enc) * params.noise_scale_w
        flows = list(reversed(sdp.flows))
        for flow in [*flows[:-2], flows[-1]]:  # Coqui drops the same unused flow
            z = flow(torch.flip(z, [1]), x_mask, g=h, reverse=True)
        logw = z[:, :1, :]
    else:
        logw = model.duration_predictor(x_enc, x_mask, g=g_dp, lang_emb=None)
    # One length scale per row, in fp32: durations are not rounded to half precision before the ceil.
    scale = torch.tensor(length_scales, dtype=torch.float32).to(device).view(-1, 1, 1)
    w_ceil = torch.ceil(torch.exp(logw) * x_mask * scale)
    y_lengths = torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
    y_mask = sequence_mask(y_lengths, None).to(x_mask.dtype).unsqueeze(1)
    attn = generate_path(w_ceil.squeeze(1), (x_mask * y_mask.transpose(1, 2)).squeeze(1).transpose(1, 2))
    m_p = torch.matmul(attn.transpose(1, 2), m_p.transpose(1, 2)).transpose(1, 2)
    logs_p = torch.matmul(attn.transpose(1, 2), logs_p.transpose(1, 2)).transpose(1, 2)
    channels, t_dec = m_p.shape[1], m_p.shape[2]
    # Frame counts set each item's noise and its trim: one small device-to-host read per batch.
    frames = y_lengths.tolist()
    eps = _noise([(channels, n) for n in frames], [s ^ 1 for s in seeds], device, t_dec)
    z_p = m_p + eps * torch.exp(logs_p) * params.noise_scale
    z = model.flow(z_p, y_mask, g=g, reverse=True)
    z, _, _, y_mask = model.upsampling_z(z, y_lengths=y_lengths, y_mask=y_mask)
    wave = model.waveform_decoder(z * y_mask, g=g)  # [B, 1, T_wav]
    samples_per_frame = wave.shape[-1] // y_mask.shape[-1]
    # One copy to the host for the whole batch, then trim each item to its own length.
    host = wave[:, 0, :].float().cpu().numpy()
    return [host[row, : n * samples_per_frame] for row, n in enumerate(frames)]
