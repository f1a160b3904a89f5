"""Rendered chunks in S3, so a redelivered job renders only what is missing.

A chunk is stored under a digest of everything that decides its audio: the engine's fingerprint (engine,
its version, the model), the voice's synthesis parameters and the chunk's normalized text. The same
chunk therefore has the same key on every attempt and on every worker, and a change of voice parameters
or model can never reuse stale audio. Uploads run in a small thread pool, so checkpointing overlaps
with synthesis instead of adding to it.
"""

from __future__ import annotations

import hashlib
import io
import wave
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

import numpy as np

from kontho import keys
from kontho.jobstore import JobStore
from worker.engines.base import Audio
from worker.stop import JobInterrupted

_UPLOAD_THREADS = 4


def chunk_digest(fingerprint: str, params: str, text: str) -> str:
    return hashlib.sha256(f"{fingerprint}\x00{params}\x00{text}".encode()).hexdigest()[:40]


def encode_wav(audio: Audio, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(np.ascontiguousarray(audio, dtype="<i2").tobytes())
    return buffer.getvalue()


def decode_wav(data: bytes) -> tuple[Audio, int]:
    with wave.open(io.BytesIO(data)) as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(
            np.int16
        ), wav.getframerate()


class Checkpoints:
    def __init__(self, store: JobStore, tenant: str, job_id: str, sample_rate: int) -> None:
        self._store = store
        self._tenant = tenant
        self._job_id = job_id
        self._sample_rate = sample_rate
        self._existing = store.list_keys(keys.job_chunks_prefix(tenant, job_id))
        self._pool = ThreadPoolExecutor(max_workers=_UPLOAD_THREADS, thread_name_prefix="checkpoint")
        self._pending: list[Future[None]] = []

    def __enter__(self) -> Checkpoints:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # An interrupted job keeps what it rendered: its uploads finish before the job lets go.
        self._pool.shutdown(wait=True, cancel_futures=exc is not None and not isinstance(exc, JobInterrupted))

    def has(self, digest: str) -> bool:
        return keys.job_chunk(self._tenant, self._job_id, digest) in self._existing

    def load(self, digest: str) -> Audio | None:
        """The stored chunk, or None when it is gone or was written at another sample rate."""
        data = self._store.get_bytes(keys.job_chunk(self._tenant, self._job_id, digest))
        if data is None:
            return None
        audio, rate = decode_wav(data)
        return audio if rate == self._sample_rate else None

    def save(self, digest: str, audio: Audio) -> None:
        """Store in the background; ``flush`` waits and raises the first failure."""
        key = keys.job_chunk(self._tenant, self._job_id, digest)
        body = encode_wav(audio, self._sample_rate)
        self._pending.append(
            self._pool.submit(self._store.put_bytes, key, body, "audio/wav", keys.CHECKPOINT_TAG)
        )
        self._pending = [f for f in self._pending if not f.done() or f.exception() is not None]

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()
