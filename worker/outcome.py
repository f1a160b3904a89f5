"""The one place where an error becomes a queue action."""

from __future__ import annotations

from enum import StrEnum

from kontho.errors import KonthoError, PermanentError, PoisonMessage, QueueUnavailable, StorageUnavailable
from kontho.schemas import JobError


class Action(StrEnum):
    DROP = "drop"  # nothing to fail: delete the message
    FAIL = "fail"  # mark the job failed, delete the message
    RETRY = "retry"  # leave the message for SQS to redeliver (the DLQ after max_receive_count)
    RELEASE = "release"  # the queue or bucket is out, not the job at fault: back later, never to the DLQ


def action_for(exc: BaseException) -> Action:
    if isinstance(exc, PoisonMessage):
        return Action.DROP
    if isinstance(exc, PermanentError):
        return Action.FAIL
    if isinstance(exc, StorageUnavailable | QueueUnavailable):
        return Action.RELEASE
    # Transient errors and anything unforeseen: another attempt on a fresh process may succeed,
    # and the receive count bounds how often we try.
    return Action.RETRY


def job_error_for(exc: BaseException) -> JobError:
    code = exc.code if isinstance(exc, KonthoError) else "internal_error"
    message = str(exc) or type(exc).__name__
    return JobError(code=code, message=message, retryable=action_for(exc) in (Action.RETRY, Action.RELEASE))


def dead_letter_error(exc: BaseException, attempts: int) -> JobError:
    return JobError(
        code="dead_lettered",
        message=f"gave up after {attempts} attempts; last error: {job_error_for(exc).message}",
        retryable=True,
    )


def retry_delay_seconds(receive_count: int, base_seconds: float) -> int:
    """Back off between deliveries: base, twice the base, four times … capped at five minutes."""
    return int(min(300.0, base_seconds * 2 ** max(0, receive_count - 1)))
