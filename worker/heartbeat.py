"""Keeps a message invisible while its job renders, so no second worker picks up the same job."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import structlog

from kontho.jobqueue import Delivery, JobQueue

log = structlog.get_logger(__name__)


SQS_VISIBILITY_CEILING_SECONDS = 43_200
"""SQS keeps a received message invisible for at most 12 hours from the receive, however often extended."""


class Heartbeat:
    def __init__(
        self,
        queue: JobQueue,
        delivery: Delivery,
        every_seconds: float,
        extend_to: int,
        received_at: float | None = None,
    ) -> None:
        self._queue = queue
        self._delivery = delivery
        self._every = every_seconds
        self._extend_to = extend_to
        self._received_at = time.monotonic() if received_at is None else received_at
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.beats = 0
        # The thread would lose the job's log context; carry it over.
        self._context = structlog.contextvars.get_contextvars()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        structlog.contextvars.bind_contextvars(**self._context)
        while not self._stop.wait(self._every):
            # Never ask past the ceiling (SQS refuses it); the job releases itself before reaching it.
            left = int(SQS_VISIBILITY_CEILING_SECONDS - (time.monotonic() - self._received_at)) - 1
            extend_to = min(self._extend_to, left)
            if extend_to <= 0:
                continue
            try:
                self._queue.set_visibility(self._delivery, extend_to)
                self.beats += 1
                log.debug("heartbeat", visibility_seconds=extend_to)
            except Exception as exc:  # a missed beat is survivable; the next one may land
                log.warning("heartbeat_failed", error=str(exc))
