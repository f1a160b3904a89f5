"""Why a job in hand must stop before it is done, checked between chunks.

Three things end a job early without it failing: the worker is draining (SIGTERM from a scale-in, a spot
reclaim, a deploy), the receive is nearing SQS's 12-hour visibility ceiling, or the customer cancelled.
A fourth is found when the worker writes the job's record: another worker has taken the job over.
In each case everything rendered so far is already checkpointed in S3, so stopping costs at most the
chunk in hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class StopReason(StrEnum):
    DRAINING = "draining"  # release the message at once: another worker resumes the job
    RECEIVE_CEILING = "receive_ceiling"  # release and take the job again on a fresh receive
    CANCELLED = "cancelled"  # the job ends, cancelled; the message is deleted
    LOST = "lost"  # someone else wrote the job's record: touch nothing, the new owner settles it


class JobInterrupted(Exception):  # control flow, not an error: named for what happened
    def __init__(self, reason: StopReason) -> None:
        super().__init__(f"job interrupted: {reason.value}")
        self.reason = reason


class StopCheck:
    """Raises ``JobInterrupted`` from ``check()`` once the job should stop; cheap enough for every chunk."""

    def __init__(
        self,
        draining: threading.Event,
        received_at: float,
        max_receive_seconds: float,
        cancelled: Callable[[], bool],
        cancel_poll_seconds: float,
    ) -> None:
        self._draining = draining
        self._deadline = received_at + max_receive_seconds
        self._cancelled = cancelled
        self._poll = cancel_poll_seconds
        self._next_poll = 0.0

    def check(self) -> None:
        if self._draining.is_set():
            raise JobInterrupted(StopReason.DRAINING)
        now = time.monotonic()
        if now >= self._deadline:
            raise JobInterrupted(StopReason.RECEIVE_CEILING)
        if now >= self._next_poll:
            self._next_poll = now + self._poll
            if self._cancelled():
                raise JobInterrupted(StopReason.CANCELLED)


NEVER = StopCheck(threading.Event(), time.monotonic(), float("inf"), lambda: False, float("inf"))
"""For callers that run a job to its end whatever happens (benchmarks, tests of the pipeline alone)."""
