"""The queue consumer: receive, render, settle. One job at a time per process."""

from __future__ import annotations

import threading
import time
from collections import Counter

import structlog

from kontho import keys, metrics
from kontho.errors import JobNotFound
from kontho.jobqueue import Delivery, JobQueue
from kontho.jobstore import JobStore
from kontho.messages import JobMessage
from kontho.schemas import JobRecord, JobState, utcnow
from kontho.settings import Settings
from worker.finish import Finisher
from worker.heartbeat import Heartbeat
from worker.liveness import LivenessFile
from worker.outcome import Action, action_for, dead_letter_error, job_error_for, retry_delay_seconds
from worker.pipeline import Pipeline
from worker.progress import ProgressReporter
from worker.stop import JobInterrupted, StopCheck, StopReason

log = structlog.get_logger(__name__)


class Consumer:
    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        queue: JobQueue,
        pipeline: Pipeline,
        finisher: Finisher | None = None,
    ) -> None:
        self._settings = settings
        self._finisher = finisher or Finisher(store, None)
        self._attempt_started: float | None = None
        self._store = store
        self._queue = queue
        self._pipeline = pipeline
        self._stopping = threading.Event()
        self.busy = False
        self.counters: Counter[str] = Counter()
        self._liveness = LivenessFile(settings.liveness_file)
        self._current: Delivery | None = None

    @property
    def finisher(self) -> Finisher:
        return self._finisher

    @property
    def queue(self) -> JobQueue:
        return self._queue

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Take no new job; the one in hand stops at its next chunk and is released for another worker."""
        self._stopping.set()

    def release_current(self) -> None:
        """Make the message in hand visible again now (best effort): for exits that cannot wait."""
        delivery = self._current
        if delivery is not None:
            try:
                self._queue.set_visibility(delivery, 0)
                log.warning("job_released", message_id=delivery.message_id)
            except Exception as exc:  # its visibility will run out instead
                log.error("release_failed", error=str(exc))

    def run(self, burst: bool = False) -> Counter[str]:
        """Consume until stopped, or (``burst``) until a receive finds the queue empty."""
        log.info("worker_started", queue=self._queue.url, burst=burst)
        while not self._stopping.is_set():
            deliveries = self._queue.receive(
                self._settings.poll_wait_seconds, self._settings.visibility_timeout_seconds
            )
            self._beat()
            if not deliveries and burst:
                break
            for delivery in deliveries:
                self.busy, self._current = True, delivery
                metrics.JOBS_IN_PROGRESS.set(1)
                try:
                    self.handle(delivery)
                finally:
                    self.busy, self._current = False, None
                    metrics.JOBS_IN_PROGRESS.set(0)
        log.info("worker_stopped", **dict(self.counters))
        return self.counters

    def handle(self, delivery: Delivery) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(message_id=delivery.message_id)
        if delivery.sent_at is not None:
            metrics.QUEUE_AGE.observe(max(0.0, time.time() - delivery.sent_at))
        record: JobRecord | None = None
        progress: ProgressReporter | None = None
        try:
            message = JobMessage.decode(delivery.body)
            job_id = message.job_id
            structlog.contextvars.bind_contextvars(job_id=job_id, tenant=message.tenant)
            found = self._store.get_record_versioned(message.tenant, job_id)
            if found is None:
                raise JobNotFound(f"job {job_id} has no record in storage")
            record, etag = found
            structlog.contextvars.bind_contextvars(tenant=record.tenant)
            if record.status.terminal:
                log.info("job_already_settled", status=record.status.value)
                if not record.settled:
                    # Cancelled while queued, or a worker died between its final write and settling.
                    self._finisher.ended(record)
                self._queue.delete(delivery)
                self._count("skipped")
                return
            progress = self._start(record, etag, delivery)
            if progress is None:
                return
            self._render(progress, delivery)
        except Exception as exc:
            self._settle_failure(delivery, progress.record if progress else record, exc, progress)
        finally:
            structlog.contextvars.clear_contextvars()

    def _start(self, record: JobRecord, etag: str, delivery: Delivery) -> ProgressReporter | None:
        """Claim the job by a conditional write over the version just read; None if someone else won."""
        progress = ProgressReporter(
            self._store, record, self._settings.progress_interval_seconds, on_update=self._beat, etag=etag
        )
        try:
            progress.commit(
                record.touch(
                    status=JobState.RUNNING,
                    attempts=record.attempts + 1,
                    started_at=record.started_at or utcnow(),
                    error=None,
                    settled=False,
                )
            )
        except JobInterrupted:
            # Cancelled, or started by another worker (a duplicate delivery), between our read and write.
            latest = self._store.get_record(record.tenant, record.id)
            if latest is not None and latest.status.terminal:
                self._queue.delete(delivery)
                self._count("skipped")
            else:
                self._queue.set_visibility(delivery, self._settings.visibility_timeout_seconds)
                self._count("deferred")
            log.info("job_taken_elsewhere", status=latest.status.value if latest else None)
            return None
        self._attempt_started = time.monotonic()
        metrics.JOB_STATES.labels(JobState.RUNNING.value).inc()
        log.info("job_started", attempt=progress.record.attempts, receive_count=delivery.receive_count)
        return progress

    def _spent(self, record: JobRecord) -> JobRecord:
        """``record`` with this attempt's rendering time added to its usage (once per attempt)."""
        if self._attempt_started is None:
            return record
        seconds = time.monotonic() - self._attempt_started
        self._attempt_started = None
        usage = record.usage.model_copy(
            update={
                "compute_seconds": round(record.usage.compute_seconds + seconds, 3),
                "device": self._pipeline.device_for(record.voice),
            }
        )
        return record.model_copy(update={"usage": usage})

    def _render(self, progress: ProgressReporter, delivery: Delivery) -> None:
        record = progress.record
        stop = StopCheck(
            self._stopping,
            delivery.received_at,
            self._settings.max_receive_seconds,
            cancelled=lambda: (
                self._store.size_of(keys.job_file(record.tenant, record.id, "cancel")) is not None
            ),
            cancel_poll_seconds=max(1.0, self._settings.progress_interval_seconds),
        )
        with Heartbeat(
            self._queue,
            delivery,
            self._settings.heartbeat_seconds,
            self._settings.visibility_timeout_seconds,
            received_at=delivery.received_at,
        ):
            try:
                result, artifacts = self._pipeline.run(record, progress, stop)
                spent = self._spent(progress.record)
                usage = spent.usage.model_copy(
                    update={
                        "audio_seconds": result.duration_seconds,
                        "bytes_stored": sum(a.bytes for a in artifacts),
                    }
                )
                finished = spent.touch(
                    status=JobState.COMPLETED,
                    result=result,
                    artifacts=artifacts,
                    usage=usage,
                    finished_at=utcnow(),
                )
                # The record is the commit point: written once, by the worker that holds the job, and
                # the message goes only after it.
                progress.commit(finished)
            except JobInterrupted as interrupted:
                self._settle_interrupted(delivery, progress, interrupted.reason)
                return
        self._finisher.ended(finished)
        self._queue.delete(delivery)
        self._count("completed")
        started = finished.started_at or finished.created_at
        elapsed = ((finished.finished_at or utcnow()) - started).total_seconds()
        metrics.JOB_DURATION.observe(elapsed)
        metrics.AUDIO_RENDERED.inc(result.duration_seconds)
        if elapsed > 0:
            metrics.REALTIME_FACTOR.observe(result.duration_seconds / elapsed)
        log.info("job_completed", audio_seconds=result.duration_seconds, seconds=elapsed)

    def _count(self, outcome: str) -> None:
        self.counters[outcome] += 1
        metrics.JOBS_FINISHED.labels(outcome).inc()

    def _beat(self) -> None:
        self._liveness.touch()

    def _settle_interrupted(self, delivery: Delivery, progress: ProgressReporter, reason: StopReason) -> None:
        """Checkpoints are stored; record why the job stopped and settle its message accordingly."""
        latest = self._spent(progress.record)
        try:
            if reason is StopReason.LOST:
                raise JobInterrupted(reason)
            if reason is StopReason.CANCELLED:
                cancelled = latest.touch(status=JobState.CANCELLED, finished_at=utcnow())
                progress.commit(cancelled)
                self._finisher.ended(cancelled)
                self._queue.delete(delivery)
                self._count("cancelled")
                log.info("job_cancelled")
                return
            # Draining or at the receive ceiling: queued again, and visible at once to any worker.
            progress.commit(latest.touch(status=JobState.QUEUED))
            metrics.JOB_STATES.labels(JobState.QUEUED.value).inc()
        except JobInterrupted:
            # Another worker holds the job now; its message and record are that worker's to settle.
            self._count("lost")
            log.warning("job_lost", reason=reason.value)
            return
        self._queue.set_visibility(delivery, 0)
        self._count("released")
        log.info("job_released", reason=reason.value, done=latest.progress.done, total=latest.progress.total)

    def _settle_failure(
        self,
        delivery: Delivery,
        record: JobRecord | None,
        exc: Exception,
        progress: ProgressReporter | None = None,
    ) -> None:
        action = action_for(exc)
        if record is not None:
            record = self._spent(record)
        if action is Action.FAIL and record is None:
            action = Action.DROP  # nothing stored to mark failed

        def write(updated: JobRecord) -> None:
            # Once the job is claimed, only over this worker's own last write (see ProgressReporter.commit).
            if progress is None:
                self._store.put_record(updated)
            else:
                progress.commit(updated)

        try:
            if action is Action.DROP:
                log.error("message_dropped", error=str(exc))
                self._queue.delete(delivery)
                self._count("dropped")
            elif action is Action.FAIL and record is not None:
                failed = record.touch(status=JobState.FAILED, error=job_error_for(exc), finished_at=utcnow())
                write(failed)
                self._finisher.ended(failed)
                self._queue.delete(delivery)
                self._count("failed")
                log.warning("job_failed", error=str(exc), code=job_error_for(exc).code)
            elif delivery.receive_count >= self._settings.max_receive_count:
                # Last delivery: say so in the record before SQS moves the message to the DLQ.
                if record is not None:
                    dead = record.touch(
                        status=JobState.FAILED,
                        finished_at=utcnow(),
                        error=dead_letter_error(exc, delivery.receive_count),
                    )
                    write(dead)
                    self._finisher.ended(dead)
                self._queue.set_visibility(delivery, 0)
                self._count("dead_lettered")
                log.error("job_dead_lettered", error=str(exc), receive_count=delivery.receive_count)
            else:
                if record is not None:
                    write(record.touch(status=JobState.QUEUED, error=job_error_for(exc)))
                    metrics.JOB_STATES.labels(JobState.QUEUED.value).inc()
                delay = retry_delay_seconds(delivery.receive_count, self._settings.retry_backoff_seconds)
                self._queue.set_visibility(delivery, delay)
                self._count("retried")
                log.warning("job_will_retry", error=str(exc), retry_in_seconds=delay, exc_info=exc)
        except JobInterrupted:
            self._count("lost")
            log.warning("job_lost", error=str(exc))
        except Exception as settle_exc:
            # Storage or queue is down too: the message's visibility runs out and SQS redelivers it.
            log.error("settle_failed", error=str(settle_exc), original_error=str(exc))
            self._count("unsettled")
