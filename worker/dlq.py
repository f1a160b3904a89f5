"""``python -m worker.dlq``: list dead-lettered jobs and send them back to the job queue.

``list`` shows every job in the dead-letter queue with its status and last error. A job whose worker died
on its last attempt (killed, out of memory, a crash in a native library) never got to mark itself; the
listing marks such a job failed as dead-lettered, so no job sits in "running" forever.

``redrive`` puts jobs back: each job's record is reset to queued, then the messages move to the job queue,
with SQS's StartMessageMoveTask when every job is redriven and the endpoint supports it, otherwise by
receiving each message and sending a fresh one (a fresh one also restarts its receive count).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from botocore.exceptions import ClientError

from kontho.aws import s3_client
from kontho.errors import KonthoError
from kontho.jobqueue import Delivery, JobQueue, dead_letter_queue, job_queue, message_group_for
from kontho.jobstore import JobStore
from kontho.lifecycle import JobLife
from kontho.logging import configure_logging
from kontho.messages import JobMessage
from kontho.schemas import JobError, JobRecord, JobState
from kontho.settings import Settings, get_settings
from kontho.tenants import ReloadingDirectory
from worker.webhook_delivery import WebhookSender

_PEEK_VISIBILITY_SECONDS = 30


@dataclass(frozen=True)
class DeadLetter:
    job_id: str | None
    delivery: Delivery
    record: JobRecord | None
    message: JobMessage | None = None
    etag: str | None = None


class DeadLetters:
    def __init__(self, store: JobStore, queue: JobQueue, dlq: JobQueue, life: JobLife | None = None) -> None:
        self._store = store
        self._queue = queue
        self._dlq = dlq
        # A job marked failed here ends here: its usage, active marker and webhook are settled here too.
        self._life = life or JobLife(store)

    @property
    def dlq(self) -> JobQueue:
        return self._dlq

    def _receive_all(self, limit: int | None = None) -> list[DeadLetter]:
        """Every message in the DLQ (or the first ``limit``), each held invisible for a short while;
        ``_release`` gives them back."""
        letters: list[DeadLetter] = []
        while (limit is None or len(letters) < limit) and (
            batch := self._dlq.receive(0, _PEEK_VISIBILITY_SECONDS, batch=10)
        ):
            for delivery in batch:
                try:
                    message: JobMessage | None = JobMessage.decode(delivery.body)
                except KonthoError:
                    message = None
                found = self._store.get_record_versioned(message.tenant, message.job_id) if message else None
                record, etag = found if found else (None, None)
                letters.append(
                    DeadLetter(message.job_id if message else None, delivery, record, message, etag)
                )
        return letters

    def _release(self, letters: list[DeadLetter]) -> None:
        for letter in letters:
            self._dlq.set_visibility(letter.delivery, 0)

    def settle_abandoned(self, letters: list[DeadLetter]) -> list[DeadLetter]:
        """Mark failed (and settle) each job whose worker died on its last attempt, still queued or running;
        settle any final record left unsettled. Returns the letters with their records as they now are."""
        out = []
        for letter in letters:
            record = letter.record
            if record is not None and letter.etag is not None and not record.status.terminal:
                error = JobError(
                    code="dead_lettered",
                    message=f"gave up after {record.attempts} attempts: the worker stopped without settling "
                    "the job (killed, out of memory, or crashed)",
                    retryable=True,
                )
                record = self._life.abandoned(record, letter.etag, error) or record
            if record is not None and record.status.terminal and not record.settled:
                record = self._life.settle(record)
            out.append(DeadLetter(letter.job_id, letter.delivery, record, letter.message, letter.etag))
        return out

    def sweep(self, limit: int = 100) -> int:
        """What a worker does from time to time: settle the abandoned jobs among the first ``limit``
        dead letters, leaving every message where it is. How many it marked failed."""
        letters = self._receive_all(limit)
        try:
            settled = self.settle_abandoned(letters)
        finally:
            self._release(letters)
        return sum(
            1
            for before, after in zip(letters, settled, strict=True)
            if before.record is not None
            and after.record is not None
            and before.record.status is not after.record.status
        )

    def listing(self) -> list[DeadLetter]:
        letters = self._receive_all()
        try:
            letters = self.settle_abandoned(letters)
        finally:
            self._release(letters)
        return letters

    def redrive(self, job_ids: set[str] | None = None) -> list[str]:
        """Back to the job queue: ``job_ids``, or every dead-lettered job when None."""
        letters = self._receive_all()
        chosen = [x for x in letters if x.job_id and (job_ids is None or x.job_id in job_ids)]
        try:
            for letter in chosen:
                # A failed job is queued afresh; a completed or cancelled one stays as it is, and the worker
                # that receives it again finds it final and lets it go.
                if letter.record is not None and letter.record.status not in (
                    JobState.COMPLETED,
                    JobState.CANCELLED,
                ):
                    self._life.redrive(letter.record)
        except Exception:
            self._release(letters)
            raise
        if job_ids is None and len(chosen) == len(letters):
            self._release(letters)
            try:
                self._dlq.start_move_to(self._queue)
                return [x.job_id for x in chosen if x.job_id]
            except ClientError:
                # Not every endpoint has message move tasks (moto, some regions' FIFO queues until 2023).
                letters = self._receive_all()
                chosen = [x for x in letters if x.job_id]
        stamp = f"redrive{time.time_ns()}"
        for letter in chosen:
            assert letter.message is not None  # noqa: S101 - chosen only holds decodable messages
            lane = letter.record.lane if letter.record else 0
            group = letter.delivery.group_id or message_group_for(letter.message.tenant, lane)
            self._queue.send(letter.message, group, resend=stamp)
            self._dlq.delete(letter.delivery)
        self._release([x for x in letters if x not in chosen])
        return [x.job_id for x in chosen if x.job_id]


def from_settings(settings: Settings, webhooks: WebhookSender | None) -> DeadLetters:
    store = JobStore(s3_client(settings), settings.bucket)
    life = JobLife(store, announce=webhooks.notify if webhooks else None)
    return DeadLetters(store, job_queue(settings), dead_letter_queue(settings), life)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker.dlq", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list dead-lettered jobs")
    redrive = commands.add_parser("redrive", help="send dead-lettered jobs back to the job queue")
    redrive.add_argument("job_ids", nargs="*", help="jobs to redrive (default: every one)")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    webhooks = WebhookSender(settings, ReloadingDirectory(settings))
    letters = from_settings(settings, webhooks)
    if args.command == "list":
        found = letters.listing()
        webhooks.close(timeout=30)  # webhooks of the jobs just marked failed
        for letter in found:
            record = letter.record
            status = record.status.value if record else "no record"
            error = record.error.message if record and record.error else ""
            print(f"{letter.job_id or '(unreadable message)'}\t{status}\t{error}")
        print(f"{len(found)} dead-lettered", file=sys.stderr)
        return 0
    moved = letters.redrive(set(args.job_ids) or None)
    for job_id in moved:
        print(job_id)
    print(f"{len(moved)} redriven", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
