"""What happens once a job reaches a final state: its active marker goes, its usage is added to the
tenant's day, its webhook (if any) is queued, and the record is marked ``settled``. All best effort: the
record is already the commit point, and none of this may turn a finished job into a failed one.

Workers settle a job before they delete its message, so a worker that dies in between leaves a message
whose redelivery finds the record final but not settled, and settles it then. The API cancelling a queued
job leaves it unsettled on purpose: the worker that receives its message sends its webhook.
"""

from __future__ import annotations

import structlog

from kontho import metrics
from kontho.activejobs import ActiveJobs
from kontho.jobstore import JobStore
from kontho.schemas import JobRecord, JobState
from kontho.usage import UsageLedger
from worker.webhooks import WebhookSender

log = structlog.get_logger(__name__)


class Finisher:
    def __init__(self, store: JobStore, webhooks: WebhookSender | None) -> None:
        self._store = store
        self._active = ActiveJobs(store)
        self._usage = UsageLedger(store)
        self._webhooks = webhooks

    def ended(self, record: JobRecord) -> None:
        metrics.JOB_STATES.labels(record.status.value).inc()
        try:
            self._active.clear(record.tenant, record.id, record.lane)
        except Exception as exc:  # the next count that reaches the limit sweeps it
            log.warning("active_marker_not_cleared", error=str(exc))
        usage = record.usage
        try:
            self._usage.add(
                record.tenant,
                jobs_completed=int(record.status is JobState.COMPLETED),
                jobs_failed=int(record.status is JobState.FAILED),
                audio_seconds=usage.audio_seconds,
                compute_seconds=usage.compute_seconds,
                gpu_seconds=usage.compute_seconds if usage.device == "cuda" else 0.0,
                bytes_stored=usage.bytes_stored,
            )
        except Exception as exc:
            log.error("usage_not_recorded", error=str(exc), usage=usage.model_dump())
        if self._webhooks is not None:
            self._webhooks.notify(record)
        try:
            # A final record is written by no one else, so this plain write cannot undo another's.
            self._store.put_record(record.model_copy(update={"settled": True}))
        except Exception as exc:
            log.warning("settled_mark_failed", error=str(exc))

    def close(self, timeout: float) -> None:
        if self._webhooks is not None:
            self._webhooks.close(timeout)
