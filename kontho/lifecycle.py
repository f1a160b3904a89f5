"""A job's life in one room: every change of a job's state is written here, and only here.

The API submits, cancels and erases; workers start, report progress, complete, fail, release and cancel
running jobs; the dead-letter tool marks abandoned jobs failed and redrives them. Each is a method below,
written once with its conditional write and its state metric, and each checks its move against
``TRANSITIONS``, so no state change outside that table can be stored.

Two rules that are easy to lose:

- Once a worker has started a job it writes the record only over the version it wrote last (a ``Claim``);
  anyone else's write in between (a cancel while queued, a second worker, an erase) makes its next write
  fail with ``RecordChanged``, and it stops touching the job.
- A job that ends is *settled* once: its active marker removed, its usage added to the tenant's day, its
  webhook announced, the record marked ``settled``. A worker settles a job it ended; a job the API
  cancelled while queued is settled by the worker that receives its message (``SETTLED_BY_WORKER``),
  because only workers send webhooks. A final record that is not settled is settled by whoever next
  reads it from the queue or the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import structlog

from kontho import chunk_list, keys, metrics
from kontho.activejobs import ActiveJobs
from kontho.errors import KonthoError, TransientError
from kontho.jobqueue import JobQueue, message_group_for
from kontho.jobstore import JobStore, RecordChanged
from kontho.messages import JobMessage
from kontho.schemas import Artifact, AudioResult, JobError, JobRecord, JobState, JobUsage, utcnow
from kontho.usage import UsageLedger

log = structlog.get_logger(__name__)

Q, R = JobState.QUEUED, JobState.RUNNING
COMPLETED, FAILED, CANCELLED = JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED

TRANSITIONS: Final[frozenset[tuple[JobState | None, JobState]]] = frozenset(
    {
        (None, Q),  # submitted
        (Q, R),  # a worker starts it
        (Q, Q),  # an error before it started: queued again with the reason, to be retried
        (Q, CANCELLED),  # cancelled before any worker took it
        (Q, FAILED),  # could not be queued, refused by a worker before it started, or dead-lettered
        (R, R),  # progress; or a new worker taking over from one that died
        (R, Q),  # released: the worker drains, nears SQS's receive ceiling, or meets a transient error
        (R, COMPLETED),
        (R, FAILED),
        (R, CANCELLED),
        (FAILED, Q),  # redriven from the dead-letter queue
    }
)

SETTLED_BY_WORKER: Final = frozenset({(Q, CANCELLED)})
"""Ends whose settling the API leaves to the worker that receives the job's message."""


class IllegalTransition(KonthoError):
    """A state change outside ``TRANSITIONS``: a defect in kontho, never stored."""

    code = "illegal_transition"


def check_transition(before: JobState | None, after: JobState) -> None:
    if (before, after) not in TRANSITIONS:
        was = before.value if before else "nothing"
        raise IllegalTransition(f"a job cannot go from {was} to {after.value}")


@dataclass
class Claim:
    """A worker's hold on a job: the record as this worker last wrote it, and that version's ETag."""

    record: JobRecord
    etag: str


class JobLife:
    """Every state change of a job. ``announce`` sends a settled job's webhook (workers have one)."""

    def __init__(self, store: JobStore, announce: Callable[[JobRecord], None] | None = None) -> None:
        self._store = store
        self._active = ActiveJobs(store)
        self._usage = UsageLedger(store)
        self._announce = announce

    # The one write. Everything below builds the next record and comes through here.

    def _write(self, before: JobRecord | None, after: JobRecord, if_match: str | None = None) -> str:
        check_transition(before.status if before else None, after.status)
        etag = self._store.put_record(after, if_match=if_match)
        # A state entered counts; progress does not, a new worker taking over a running job does.
        if before is None or before.status is not after.status or before.attempts != after.attempts:
            metrics.JOB_STATES.labels(after.status.value).inc()
        return etag

    def _commit(self, claim: Claim, after: JobRecord) -> JobRecord:
        """Over the claim's version only: ``RecordChanged`` if anyone else wrote since."""
        claim.etag = self._write(claim.record, after, if_match=claim.etag)
        claim.record = after
        return after

    # The API's side.

    def submit(self, record: JobRecord, text: str, queue: JobQueue) -> None:
        """Store text, record and index entry, mark the job active, then queue it. A message never
        points at a job that is not stored; a job that could not be queued is stored failed."""
        store = self._store
        store.put_text(record.tenant, record.id, text)
        self._write(None, record)
        store.put_bytes(keys.index_entry(record.tenant, record.id), b"", "application/octet-stream")
        self._active.mark(record.tenant, record.id, record.lane)
        try:
            queue.send(
                JobMessage(job_id=record.id, tenant=record.tenant),
                message_group_for(record.tenant, record.lane),
            )
        except TransientError as exc:
            failed = record.touch(
                status=FAILED,
                finished_at=utcnow(),
                error=JobError(code=exc.code, message=str(exc), retryable=True),
            )
            self._write(record, failed)
            self._active.clear(record.tenant, record.id, record.lane)
            raise
        metrics.JOBS_SUBMITTED.labels(record.spec.format.value).inc()

    def request_cancel(self, record: JobRecord, etag: str) -> JobRecord:
        """Ask a queued or running job to stop. A queued one is cancelled now (its worker settles it); a
        running one stops at its next chunk, where its worker finds the marker written here."""
        self._store.put_bytes(keys.job_cancel_marker(record.tenant, record.id), b"", "text/plain")
        if record.status is not Q:
            return record
        cancelled = record.touch(status=CANCELLED, finished_at=utcnow())
        try:
            self._write(record, cancelled, if_match=etag)
        except RecordChanged:
            # A worker started it in between: it is running now and stops at the marker.
            latest = self._store.get_record(record.tenant, record.id)
            return latest or record
        self._active.clear(record.tenant, record.id, record.lane)
        return cancelled

    def erase(self, record: JobRecord) -> None:
        """Remove every object of the job (record, text, audio), its chunks from the tenant's cache, its
        index entry, active marker and idempotency claim. A running job's worker finds its record gone at its
        next write and stops; the tenant's usage, kept by day elsewhere, is not touched."""
        store = self._store
        if record.status in (Q, R):
            store.put_bytes(keys.job_cancel_marker(record.tenant, record.id), b"", "text/plain")
        store.delete(keys.job_record(record.tenant, record.id))
        store.delete(keys.index_entry(record.tenant, record.id))
        self._active.clear(record.tenant, record.id, record.lane)
        if record.idempotency_key is not None:
            store.delete(record.idempotency_key)
        chunk_list.erase_cached(store, record.tenant, record.id)
        store.delete_prefix(keys.job_prefix(record.tenant, record.id))
        log.info("job_erased", status=record.status.value)

    # A worker's side.

    def start(self, record: JobRecord, etag: str) -> Claim:
        """Claim the job by a conditional write over the version read: ``RecordChanged`` if someone else
        (a cancel, a duplicate delivery's worker) wrote first."""
        started = record.touch(
            status=R,
            attempts=record.attempts + 1,
            started_at=record.started_at or utcnow(),
            error=None,
            settled=False,
        )
        claim = Claim(record, etag)
        self._commit(claim, started)
        return claim

    def progress(self, claim: Claim, record: JobRecord) -> None:
        """Save a running job's progress (and warnings), still running."""
        self._commit(claim, record)

    def complete(
        self, claim: Claim, result: AudioResult, artifacts: list[Artifact], usage: JobUsage
    ) -> JobRecord:
        """The commit point of a job: written once, by the worker that holds it."""
        done = claim.record.touch(
            status=COMPLETED, result=result, artifacts=artifacts, usage=usage, finished_at=utcnow()
        )
        return self._commit(claim, done)

    def cancelled(self, claim: Claim) -> JobRecord:
        """A running job that found its cancel marker, its checkpoints stored."""
        return self._commit(claim, claim.record.touch(status=CANCELLED, finished_at=utcnow()))

    def release(self, claim: Claim, error: JobError | None = None) -> JobRecord:
        """Queued again, for this or another worker to resume from its checkpoints."""
        changes: dict[str, object] = {"status": Q}
        if error is not None:
            changes["error"] = error
        return self._commit(claim, claim.record.touch(**changes))

    def retry_later(self, record: JobRecord, error: JobError) -> JobRecord:
        """A job that met an error before any worker claimed it: still queued, with the reason."""
        queued = record.touch(status=Q, error=error)
        self._write(record, queued)
        return queued

    def fail(self, claim_or_record: Claim | JobRecord, error: JobError) -> JobRecord:
        """Failed for good (or, with ``dead_lettered``, for this round of deliveries)."""
        if isinstance(claim_or_record, Claim):
            return self._commit(
                claim_or_record,
                claim_or_record.record.touch(status=FAILED, error=error, finished_at=utcnow()),
            )
        failed = claim_or_record.touch(status=FAILED, error=error, finished_at=utcnow())
        self._write(claim_or_record, failed)
        return failed

    def abandoned(self, record: JobRecord, etag: str, error: JobError) -> JobRecord | None:
        """A job found in the dead-letter queue still queued or running: its last worker died without
        settling it. Marked failed over the version read; None if someone wrote it since."""
        failed = record.touch(status=FAILED, error=error, finished_at=utcnow())
        try:
            self._write(record, failed, if_match=etag)
        except RecordChanged:
            return None
        return failed

    def redrive(self, record: JobRecord) -> JobRecord:
        """Back to queued from the dead-letter queue, to be settled afresh when it ends."""
        queued = record.touch(status=Q, error=None, finished_at=None, settled=False)
        self._write(record, queued)
        self._active.mark(record.tenant, record.id, record.lane)
        return queued

    # Whoever ended it, or whoever finds it ended and unsettled.

    def settle(self, record: JobRecord) -> JobRecord:
        """Account for a final record once: active marker, usage, webhook, ``settled``. All best effort:
        the record is already the commit point, and none of this may turn a finished job into a failed one."""
        if not record.status.terminal:
            raise IllegalTransition(f"only a finished job can be settled, not a {record.status.value} one")
        try:
            self._active.clear(record.tenant, record.id, record.lane)
        except Exception as exc:  # the next count that reaches the limit sweeps it
            log.warning("active_marker_not_cleared", error=str(exc))
        usage = record.usage
        try:
            self._usage.add(
                record.tenant,
                jobs_completed=int(record.status is COMPLETED),
                jobs_failed=int(record.status is FAILED),
                characters_synthesized=usage.characters_synthesized,
                audio_seconds=usage.audio_seconds,
                compute_seconds=usage.compute_seconds,
                gpu_seconds=usage.compute_seconds if usage.device == "cuda" else 0.0,
                bytes_stored=usage.bytes_stored,
            )
        except Exception as exc:
            log.error("usage_not_recorded", error=str(exc), usage=usage.model_dump())
        settled = record.model_copy(update={"settled": True})
        try:
            # Only over a record that still exists: an erased job must not come back.
            found = self._store.get_record_versioned(record.tenant, record.id)
            if found is not None and found[0].status is record.status:
                settled = found[0].model_copy(update={"settled": True})
                self._store.put_record(settled, if_match=found[1])
        except Exception as exc:
            log.warning("settled_mark_failed", error=str(exc))
        # Announced after the settled mark, so the delivery's own writes to the record never cross it.
        if self._announce is not None:
            self._announce(settled)
        return settled
