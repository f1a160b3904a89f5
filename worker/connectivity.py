"""Riding out an outage of the queue or the bucket: back off, say so once, resume when it returns.

A worker that exits when SQS or S3 is briefly unreachable takes the whole fleet down at once, and every
restart costs a model load. Instead the consumer waits here, touching its liveness file (waiting is what
it should be doing) while its readiness says it is not ready, and logs once when an outage starts and
once when it ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from kontho import metrics

log = structlog.get_logger(__name__)

_FIRST_WAIT_SECONDS = 1.0
_MAX_WAIT_SECONDS = 30.0


class Connectivity:
    def __init__(self, stopping: threading.Event, on_wait: Callable[[], None]) -> None:
        self._stopping = stopping
        self._on_wait = on_wait
        self.down: dict[str, float] = {}
        """What is unreachable (``queue``, ``storage``), and since when (monotonic)."""

    @property
    def ready(self) -> bool:
        return not self.down

    def failed(self, what: str, error: BaseException) -> None:
        if what not in self.down:
            self.down[what] = time.monotonic()
            metrics.WORKER_READY.set(0)
            log.warning("dependency_unavailable", dependency=what, error=str(error))

    def recovered(self, what: str) -> None:
        since = self.down.pop(what, None)
        if since is not None:
            log.info(
                "dependency_available", dependency=what, outage_seconds=round(time.monotonic() - since, 1)
            )
        if not self.down:
            metrics.WORKER_READY.set(1)

    def wait_for(self, what: str, check: Callable[[], object]) -> bool:
        """Call ``check`` with growing pauses until it succeeds (True) or the worker stops (False)."""
        pause = _FIRST_WAIT_SECONDS
        while what in self.down:
            self._on_wait()
            if self._stopping.wait(pause):
                return False
            try:
                check()
            except Exception as exc:
                log.debug("dependency_still_unavailable", dependency=what, error=str(exc))
                pause = min(_MAX_WAIT_SECONDS, pause * 2)
                continue
            self.recovered(what)
        return True
