"""An XTTS voice's speaker conditioning, computed once per reference set and kept.

XTTS hears a speaker through two tensors computed from the reference clips: the GPT's conditioning
latents and the HiFi-GAN decoder's speaker embedding. They are the same for every chunk of every job of
the voice, so they are computed once and kept in memory and in S3 under ``xtts-conditioning/{digest}.pt``,
where the digest covers the checkpoint, every clip's bytes and the settings they were computed with: a
worker that starts later, or another worker, reads them instead of running the speaker encoder again.

The computation is Coqui's ``Xtts.get_conditioning_latents`` step by step (speaker embedding per clip,
averaged; GPT latents over the clips joined), with one change: clips are decoded with soundfile rather
than ``torchaudio.load``, whose decoder (torchcodec) needs FFmpeg and CUDA libraries a CPU worker lacks.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soundfile  # type: ignore[import-untyped]
import structlog
import torch
from botocore.exceptions import ClientError

from kontho import keys
from kontho.errors import ModelLoadFailed, StorageUnavailable
from kontho.retry import aws_retry

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

log = structlog.get_logger(__name__)

LOAD_SAMPLE_RATE = 22_050  # Coqui's load_sr: what its conditioning encoders are fed
_MEMORY_ENTRIES = 256  # about 130 kB each (32 × 1024 latents and a 512-float embedding)
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


@dataclass(frozen=True)
class Conditioning:
    gpt_cond_latent: torch.Tensor
    speaker_embedding: torch.Tensor
    digest: str
    source: str
    """Where it came from: ``memory``, ``s3`` or ``computed``."""


def conditioning_settings(config: Any) -> dict[str, Any]:
    """The checkpoint config's cloning settings, as Coqui's ``Xtts.synthesize`` passes them."""
    return {
        "gpt_cond_len": int(config.gpt_cond_len),
        "gpt_cond_chunk_len": int(config.gpt_cond_chunk_len),
        "max_ref_len": int(config.max_ref_len),
        "sound_norm_refs": bool(config.sound_norm_refs),
    }


def reference_digest(checkpoint: str, settings: dict[str, Any], clips: Sequence[bytes]) -> str:
    digest = hashlib.sha256(f"{checkpoint}\x00{sorted(settings.items())}".encode())
    for clip in clips:
        digest.update(len(clip).to_bytes(8, "big"))
        digest.update(clip)
    return digest.hexdigest()


def decode_clip(data: bytes, name: str) -> torch.Tensor:
    """Mono float audio at Coqui's load rate, shaped [1, samples], clipped to [-1, 1] as Coqui does."""
    import torchaudio  # type: ignore[import-untyped]

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise ModelLoadFailed(f"reference clip {name} cannot be read as audio: {exc}") from exc
    audio = torch.from_numpy(np.ascontiguousarray(samples.mean(axis=1)))[None, :]
    if rate != LOAD_SAMPLE_RATE:
        audio = torchaudio.functional.resample(audio, rate, LOAD_SAMPLE_RATE)
    return audio.clamp_(-1, 1)


@torch.inference_mode()
def compute(
    model: Any, clips: Sequence[torch.Tensor], settings: dict[str, Any]
) -> tuple[torch.Tensor, torch.Tensor]:
    sr = LOAD_SAMPLE_RATE
    audios, embeddings = [], []
    for clip in clips:
        audio = clip[:, : sr * settings["max_ref_len"]].to(model.device)
        if settings["sound_norm_refs"]:
            audio = (audio / torch.abs(audio).max()) * 0.75
        embeddings.append(model.get_speaker_embedding(audio, sr))
        audios.append(audio)
    try:
        latent = model.get_gpt_cond_latents(
            torch.cat(audios, dim=-1),
            sr,
            length=settings["gpt_cond_len"],
            chunk_length=settings["gpt_cond_chunk_len"],
        )
    except RuntimeError as exc:  # Coqui's "reference audio too short"
        raise ModelLoadFailed(f"the voice's reference clips cannot condition XTTS: {exc}") from exc
    return latent.cpu(), torch.stack(embeddings).mean(dim=0).cpu()


class ConditioningStore:
    """Conditioning by digest: in memory, then in S3, else computed (and written to both)."""

    def __init__(self, s3: Callable[[], S3Client], bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, tuple[torch.Tensor, torch.Tensor]] = OrderedDict()

    def get(self, model: Any, checkpoint: str, references: Sequence[str]) -> Conditioning:
        settings = conditioning_settings(model.config)
        clips = [self.read_clip(ref) for ref in references]
        digest = reference_digest(checkpoint, settings, clips)
        with self._lock:
            held = self._memory.get(digest)
            if held is not None:
                self._memory.move_to_end(digest)
                return Conditioning(*held, digest=digest, source="memory")
        source = "s3"
        cached = self._read_cached(digest)
        if cached is not None:
            tensors = cached
        else:
            source = "computed"
            tensors = compute(
                model, [decode_clip(c, r) for c, r in zip(clips, references, strict=True)], settings
            )
            self._write_cached(digest, tensors)
        with self._lock:
            self._memory[digest] = (tensors[0], tensors[1])
            while len(self._memory) > _MEMORY_ENTRIES:
                self._memory.popitem(last=False)
        log.info("xtts_conditioning", digest=digest[:16], source=source, clips=len(clips))
        return Conditioning(tensors[0], tensors[1], digest=digest, source=source)

    def read_clip(self, reference: str) -> bytes:
        if not reference.startswith("s3://"):
            try:
                return Path(reference).expanduser().read_bytes()
            except OSError as exc:
                raise ModelLoadFailed(f"reference clip {reference} cannot be read: {exc}") from exc
        bucket, _, key = reference.removeprefix("s3://").partition("/")
        data = self._get(bucket, key)
        if data is None:
            raise ModelLoadFailed(f"reference clip {reference} does not exist")
        return data

    @aws_retry(StorageUnavailable)
    def _get(self, bucket: str, key: str) -> bytes | None:
        try:
            return self._s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise

    def _read_cached(self, digest: str) -> tuple[torch.Tensor, torch.Tensor] | None:
        data = self._get(self._bucket, keys.xtts_conditioning(digest))
        if data is None:
            return None
        try:
            saved = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
            return saved["gpt_cond_latent"], saved["speaker_embedding"]
        except Exception as exc:  # a damaged object is recomputed and written again
            log.warning("xtts_conditioning_unreadable", digest=digest[:16], error=str(exc))
            return None

    def _write_cached(self, digest: str, tensors: tuple[torch.Tensor, torch.Tensor]) -> None:
        buffer = io.BytesIO()
        torch.save({"gpt_cond_latent": tensors[0], "speaker_embedding": tensors[1]}, buffer)
        try:
            self._put(keys.xtts_conditioning(digest), buffer.getvalue())
        except StorageUnavailable as exc:  # only a cache: the voice still speaks, the next load recomputes
            log.warning("xtts_conditioning_not_saved", digest=digest[:16], error=str(exc))

    @aws_retry(StorageUnavailable)
    def _put(self, key: str, body: bytes) -> None:
        self._s3().put_object(Bucket=self._bucket, Key=key, Body=body)
