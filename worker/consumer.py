"""The queue consumer: receive, render, settle. One job at a time per process."""

from __future__ import annotations

import threading
import time
from collections import Counter

import structlog

from kontho import chunk_list, keys, metrics
from kontho.errors import JobNotFound, QueueUnavailable, StorageUnavailable
from kontho.jobqueue import Delivery, JobQueue, message_group_for
from kontho.jobstore import JobStore, RecordChanged
from kontho.lifecycle import Claim, JobLife
from kontho.messages import JobMessage
from kontho.schemas import JobRecord
from kontho.settings import Settings
from worker.connectivity import Connectivity
from worker.dlq import DeadLetters
from worker.heartbeat import Heartbeat
from worker.liveness import LivenessFile
from worker.outcome import (
    Action,
    action_for,
    dead_letter_error,
    job_error_for,
    retry_delay_seconds,
)
from worker.pipeline import Pipeline
from worker.progress import ProgressReporter
from worker.stop import JobInterrupted, StopCheck, StopReason
from worker.webhook_delivery import WebhookSender

log = structlog.get_logger(__name__)


class Consumer:
    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        queue: JobQueue,
        pipeline: Pipeline,
        webhooks: WebhookSender | None = None,
        dead_letters: DeadLetters | None = None,
    ) -> None:
        self._settings = settings
        self._webhooks = webhooks
        self._life = JobLife(store, announce=webhooks.notify if webhooks else None)
        self._attempt_started: float | None = None
        self._store = store
        self._queue = queue
        self._pipeline = pipeline
        self._stopping = threading.Event()
        self.busy = False
        self.counters: Counter[str] = Counter()
        self._liveness = LivenessFile(settings.liveness_file)
        self._current: Delivery | None = None
        self._connectivity = Connectivity(self._stopping, self._beat)
        self.dead_letters = dead_letters
        self.dead_letters_checked = time.monotonic()
        metrics.WORKER_READY.set(1)

    def close(self, timeout: float) -> None:
        """Give webhook deliveries still pending up to ``timeout`` seconds."""
        if self._webhooks is not None:
            self._webhooks.close(timeout)

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
        """Consume until stopped, or (``burst``) until a receive finds the queue empty. An outage of the
        queue or the bucket is waited out, however long, never a reason to exit."""
        log.info("worker_started", queue=self._queue.url, burst=burst)
        while not self._stopping.is_set():
            if not self._connectivity.ready and not self._wait_out_outage():
                break
            try:
                deliveries = self._queue.receive(
                    self._settings.poll_wait_seconds, self._settings.visibility_timeout_seconds
                )
            except QueueUnavailable as exc:
                self._connectivity.failed("queue", exc)
                continue
            self._beat()
            if not deliveries:
                self._check_dead_letters()
                if burst:
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

    def _wait_out_outage(self) -> bool:
        """Back off until the queue and the bucket answer again; False if the worker stops meanwhile."""
        checks = {"queue": self._queue.depth, "storage": self._store.ping}
        return all(self._connectivity.wait_for(what, checks[what]) for what in list(self._connectivity.down))

    def _check_dead_letters(self) -> None:
        """Now and then, while idle: settle jobs whose worker died on their last attempt."""
        interval = self._settings.dlq_check_seconds
        if self.dead_letters is None or not interval:
            return
        if time.monotonic() - self.dead_letters_checked < interval:
            return
        self.dead_letters_checked = time.monotonic()
        try:
            marked = self.dead_letters.sweep()
        except Exception as exc:  # the next check may reach it
            log.warning("dead_letter_check_failed", error=str(exc))
            return
        if marked:
            log.info("dead_letters_settled", jobs=marked)

    def handle(self, delivery: Delivery) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(message_id=delivery.message_id)
        if delivery.sent_at is not None:
            metrics.QUEUE_AGE.observe(max(0.0, time.time() - delivery.sent_at))
        record: JobRecord | None = None
        claim: Claim | None = None
        try:
            message = JobMessage.decode(delivery.body)
            structlog.contextvars.bind_contextvars(job_id=message.job_id, tenant=message.tenant)
            found = self._store.get_record_versioned(message.tenant, message.job_id)
            if found is None:
                raise JobNotFound(f"job {message.job_id} has no record in storage")
            record, etag = found
            if record.status.terminal:
                log.info("job_already_settled", status=record.status.value)
                if not record.settled:
                    # Cancelled while queued, or a worker died between its final write and settling.
                    self._life.settle(record)
                self._queue.delete(delivery)
                self._count("skipped")
                return
            claim = self._start(record, etag, delivery)
            if claim is None:
                return
            self._render(claim, delivery)
        except Exception as exc:
            self._settle_failure(delivery, claim.record if claim else record, exc, claim)
        finally:
            structlog.contextvars.clear_contextvars()

    def _start(self, record: JobRecord, etag: str, delivery: Delivery) -> Claim | None:
        """Claim the job over the version just read; None if someone else wrote it first."""
        try:
            claim = self._life.start(record, etag)
        except RecordChanged:
            # Cancelled, erased, or started by another worker (a duplicate delivery) since our read.
            latest = self._store.get_record(record.tenant, record.id)
            if latest is None or latest.status.terminal:
                self._queue.delete(delivery)
                self._count("skipped")
            else:
                self._queue.set_visibility(delivery, self._settings.visibility_timeout_seconds)
                self._count("deferred")
            log.info("job_taken_elsewhere", status=latest.status.value if latest else None)
            return None
        self._attempt_started = time.monotonic()
        log.info("job_started", attempt=claim.record.attempts, receive_count=delivery.receive_count)
        return claim

    def _spent(self, claim: Claim) -> None:
        """Add this attempt's rendering time to the job's usage (once per attempt)."""
        if self._attempt_started is None:
            return
        seconds = time.monotonic() - self._attempt_started
        self._attempt_started = None
        record = claim.record
        usage = record.usage.model_copy(
            update={
                "compute_seconds": round(record.usage.compute_seconds + seconds, 3),
                "device": self._pipeline.device_for(record.spec.voice),
            }
        )
        claim.record = record.model_copy(update={"usage": usage})

    def _render(self, claim: Claim, delivery: Delivery) -> None:
        record = claim.record
        progress = ProgressReporter(
            self._life, claim, self._settings.progress_interval_seconds, on_update=self._beat
        )
        stop = StopCheck(
            self._stopping,
            delivery.received_at,
            self._settings.max_receive_seconds,
            cancelled=lambda: (
                self._store.size_of(keys.job_cancel_marker(record.tenant, record.id)) is not None
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
                result, artifacts = self._pipeline.run(claim.record, progress, stop)
                self._spent(claim)
                usage = claim.record.usage.model_copy(
                    update={
                        "audio_seconds": result.duration_seconds,
                        "bytes_stored": sum(a.bytes for a in artifacts),
                    }
                )
                # The record is the commit point: written once, by the worker that holds the job, and
                # the message goes only after it.
                finished = self._life.complete(claim, result, artifacts, usage)
            except RecordChanged:
                self._settle_interrupted(delivery, claim, StopReason.LOST)
                return
            except JobInterrupted as interrupted:
                self._settle_interrupted(delivery, claim, interrupted.reason)
                return
        self._life.settle(finished)
        self._queue.delete(delivery)
        self._count("completed")
        started = finished.started_at or finished.created_at
        elapsed = ((finished.finished_at or finished.updated_at) - started).total_seconds()
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

    def _lost(self, delivery: Delivery, record: JobRecord, why: str) -> None:
        """Someone else wrote the job's record. If that was an erase, clear what this worker left behind
        and drop the message; otherwise the job and its message are the new owner's to settle."""
        self._count("lost")
        log.warning("job_lost", reason=why)
        try:
            if self._store.get_record(record.tenant, record.id) is None:
                # Its list went with the erase; what this attempt stored since, it knows itself.
                listed = chunk_list.read(self._store, record.tenant, record.id)
                saved = {*listed, *self._pipeline.saved_chunks}
                self._store.delete_keys(keys.cached_chunk(record.tenant, d) for d in saved)
                self._store.delete_prefix(keys.job_prefix(record.tenant, record.id))
                self._queue.delete(delivery)
                log.info("job_erased_while_running")
        except Exception as exc:  # its visibility runs out; the redelivery finds no record and drops it
            log.warning("lost_job_cleanup_failed", error=str(exc))

    def _settle_interrupted(self, delivery: Delivery, claim: Claim, reason: StopReason) -> None:
        """Checkpoints are stored; record why the job stopped and settle its message accordingly."""
        self._spent(claim)
        try:
            if reason is StopReason.LOST:
                raise RecordChanged(reason.value)
            if reason is StopReason.CANCELLED:
                self._life.settle(self._life.cancelled(claim))
                self._queue.delete(delivery)
                self._count("cancelled")
                log.info("job_cancelled")
                return
            # Draining or at the receive ceiling: queued again, and visible at once to any worker.
            self._life.release(claim)
        except RecordChanged:
            self._lost(delivery, claim.record, reason.value)
            return
        self._queue.set_visibility(delivery, 0)
        self._count("released")
        done, total = claim.record.progress.done, claim.record.progress.total
        log.info("job_released", reason=reason.value, done=done, total=total)

    def _settle_failure(
        self, delivery: Delivery, record: JobRecord | None, exc: Exception, claim: Claim | None
    ) -> None:
        action = action_for(exc)
        if claim is not None:
            self._spent(claim)
            record = claim.record
        if record is not None and record.status.terminal:
            # The job ended and was recorded; only acknowledging the message failed. Its redelivery
            # finds the job final and lets it go.
            log.warning("message_not_acknowledged", error=str(exc), status=record.status.value)
            self._count("unsettled")
            return
        if action is Action.FAIL and record is None:
            action = Action.DROP  # nothing stored to mark failed
        held: Claim | JobRecord | None = claim or record
        try:
            if action is Action.DROP:
                log.error("message_dropped", error=str(exc))
                self._queue.delete(delivery)
                self._count("dropped")
            elif action is Action.RELEASE:
                self._release_for_outage(delivery, claim, exc)
            elif action is Action.FAIL and held is not None:
                failed = self._life.fail(held, job_error_for(exc))
                self._life.settle(failed)
                self._queue.delete(delivery)
                self._count("failed")
                log.warning("job_failed", error=str(exc), code=job_error_for(exc).code)
            elif delivery.receive_count >= self._settings.max_receive_count:
                # Last delivery: say so in the record before SQS moves the message to the DLQ.
                if held is not None:
                    attempts = max(delivery.receive_count, record.attempts if record else 0)
                    dead = self._life.fail(held, dead_letter_error(exc, attempts))
                    self._life.settle(dead)
                self._queue.set_visibility(delivery, 0)
                self._count("dead_lettered")
                log.error("job_dead_lettered", error=str(exc), receive_count=delivery.receive_count)
            else:
                if isinstance(held, Claim):
                    self._life.release(held, job_error_for(exc))
                elif held is not None:
                    self._life.retry_later(held, job_error_for(exc))
                delay = retry_delay_seconds(delivery.receive_count, self._settings.retry_backoff_seconds)
                self._queue.set_visibility(delivery, delay)
                self._count("retried")
                log.warning("job_will_retry", error=str(exc), retry_in_seconds=delay, exc_info=exc)
        except RecordChanged:
            if record is not None:
                self._lost(delivery, record, str(exc))
        except Exception as settle_exc:
            # Storage or queue is down too: the message's visibility runs out and SQS redelivers it.
            log.error("settle_failed", error=str(settle_exc), original_error=str(exc))
            self._count("unsettled")

    def _release_for_outage(self, delivery: Delivery, claim: Claim | None, exc: Exception) -> None:
        """The queue or the bucket failed under the job: not the job's fault, so it must not fail or
        reach the dead-letter queue. Its checkpoints are stored; it comes back after the outage."""
        self._connectivity.failed("storage" if isinstance(exc, StorageUnavailable) else "queue", exc)
        if claim is not None:
            try:
                self._life.release(claim, job_error_for(exc))
            except Exception as write_exc:  # the bucket is out: the record stays running until taken
                log.debug("release_not_recorded", error=str(write_exc))
        try:
            if delivery.receive_count >= self._settings.max_receive_count:
                # One more receive would send it to the dead-letter queue: queue it afresh, with a new
                # receive count, then let this one go. A duplicate is harmless (the claim is conditional).
                message = JobMessage.decode(delivery.body)
                group = delivery.group_id or message_group_for(message.tenant, 0)
                self._queue.send(message, group, resend=f"outage{time.time_ns()}")
                self._queue.delete(delivery)
            else:
                delay = retry_delay_seconds(1, self._settings.retry_backoff_seconds)
                self._queue.set_visibility(delivery, delay)
        except QueueUnavailable as queue_exc:  # the queue is out too: the visibility runs out by itself
            self._connectivity.failed("queue", queue_exc)
        self._count("released")
        log.warning("job_released_for_outage", error=str(exc))
