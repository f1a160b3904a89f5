"""Rendered chunks in the tenant's cache: what any earlier job (or attempt) rendered is not rendered again.

A chunk is stored under a digest of everything that decides its audio: the engine's fingerprint (engine,
its version, the model), the voice's synthesis parameters and the chunk's normalized text. The same chunk
therefore has the same key in every job of the tenant, on every attempt and every worker, and a change of
voice, parameters, lexicon entry or model can never reuse stale audio. The key lives under the tenant's
prefix, so no tenant ever reads another's audio.

Cached chunks expire a number of days after their last use (the tenant's ``chunk_cache_days``): S3 counts
a lifecycle rule's days from an object's last write, so a chunk a job reuses is copied onto itself once it
is older than a day, which restarts its clock. Lookups (one HEAD per chunk) and uploads run in thread pools,
so a book of thousands of chunks is planned in seconds and checkpointing overlaps with synthesis.
"""

from __future__ import annotations

import hashlib
import io
import threading
import wave
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import islice
from types import TracebackType

import numpy as np
import structlog

from kontho import keys
from kontho.jobstore import JobStore
from worker.engines.base import Audio
from worker.stop import JobInterrupted

log = structlog.get_logger(__name__)

_THREADS = 8
REFRESH_AFTER = timedelta(days=1)
"""How stale a reused chunk may be before its expiry clock is restarted: expiry is then exact to a day,
and a chunk reused all day long costs one copy a day, not one per job."""


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


class ChunkCache:
    """One job's view of its tenant's chunk cache.

    ``fresh_since``: when set (a job that asked for ``reuse: false``), only chunks written at or after it
    count as cached, that is those this job's own earlier attempts rendered.
    """

    def __init__(
        self,
        store: JobStore,
        tenant: str,
        sample_rate: int,
        keep_days: int,
        fresh_since: datetime | None = None,
        refresh_after: timedelta = REFRESH_AFTER,
    ) -> None:
        self._store = store
        self._tenant = tenant
        self._sample_rate = sample_rate
        self._tag = keys.chunk_cache_tag(keep_days)
        self._fresh_since = fresh_since
        self._refresh_after = refresh_after
        self._written: dict[str, datetime] = {}
        self.saved: list[str] = []
        """Digests this attempt stored: what a job erased while it rendered leaves behind."""
        self._pool = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="chunk-cache")
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()  # loads in the pool start refreshes too

    def __enter__(self) -> ChunkCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # An interrupted job keeps what it rendered: its uploads finish before the job lets go.
        self._pool.shutdown(wait=True, cancel_futures=exc is not None and not isinstance(exc, JobInterrupted))

    def _key(self, digest: str) -> str:
        return keys.cached_chunk(self._tenant, digest)

    def look_up(self, digests: Sequence[str]) -> set[str]:
        """Which of ``digests`` the cache holds (and this job may reuse), looked up in parallel."""
        wanted = sorted(set(digests))
        found = self._pool.map(lambda d: self._store.last_modified(self._key(d)), wanted)
        for digest, written in zip(wanted, found, strict=True):
            if written is not None and (self._fresh_since is None or written >= self._fresh_since):
                self._written[digest] = written
        return set(self._written)

    def load(self, digest: str) -> Audio | None:
        """The stored chunk, or None when it is gone or was written at another sample rate."""
        data = self._store.get_bytes(self._key(digest))
        if data is None:
            return None
        audio, rate = decode_wav(data)
        if rate != self._sample_rate:
            return None
        written = self._written.get(digest)
        if written is not None and datetime.now(UTC) - written >= self._refresh_after:
            self._written[digest] = datetime.now(UTC)
            self._background(self._refresh, digest)
        return audio

    def loaded(
        self, digests: Sequence[str], ahead: int = 2 * _THREADS
    ) -> Generator[Audio | None, None, None]:
        """``load`` of each of ``digests`` in order, fetched ``ahead`` at a time in parallel: a job of
        cached chunks is then assembled at the speed of the disk, not of one S3 round trip per chunk."""
        upcoming = iter(digests)
        window: deque[Future[Audio | None]] = deque(
            self._pool.submit(self.load, digest) for digest in islice(upcoming, ahead)
        )
        while window:
            audio = window.popleft().result()
            following = next(upcoming, None)
            if following is not None:
                window.append(self._pool.submit(self.load, following))
            yield audio

    def _refresh(self, digest: str) -> None:
        if not self._store.rewrite_in_place(self._key(digest), "audio/wav", self._tag):
            log.info("cached_chunk_vanished", digest=digest)

    def save(self, digest: str, audio: Audio) -> None:
        """Store in the background; ``flush`` waits and raises the first failure."""
        body = encode_wav(audio, self._sample_rate)
        self.saved.append(digest)
        self._background(self._store.put_bytes, self._key(digest), body, "audio/wav", self._tag)

    def _background(self, function: Callable[..., None], *args: object) -> None:
        with self._lock:
            self._pending.append(self._pool.submit(function, *args))
            self._pending = [f for f in self._pending if not f.done() or f.exception() is not None]

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        for future in pending:
            future.result()
