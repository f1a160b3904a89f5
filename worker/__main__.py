"""``python -m worker``: consume jobs from the queue the settings name (AWS or the local stack)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from types import FrameType

import structlog
from botocore.exceptions import ClientError

from kontho.aws import s3_client
from kontho.errors import PermanentError, TransientError
from kontho.jobqueue import JobQueue, dead_letter_queue, job_queue
from kontho.jobstore import JobStore
from kontho.lifecycle import JobLife
from kontho.logging import configure_logging
from kontho.settings import Settings, get_settings
from kontho.tenants import ReloadingDirectory
from kontho.voices import VoiceCatalog
from worker import metrics_server, scratch
from worker.consumer import Consumer
from worker.dlq import DeadLetters
from worker.pipeline import EngineCache, Pipeline
from worker.webhook_delivery import WebhookSender

log = structlog.get_logger("worker")

# On the way out, queued webhook deliveries get this long; the drain's own budget bounds the whole exit.
_WEBHOOK_GRACE_SECONDS = 5.0

EXIT_OK = 0
"""Stopped: idle, the queue empty in burst mode, or drained (the job in hand released to another worker)."""
EXIT_STARTUP_FAILED = 3
"""The worker could not start: bad settings, S3 or SQS unreachable."""
EXIT_DRAIN_TIMEOUT = 4
"""SIGTERM, and the job in hand did not reach a chunk boundary within KONTHO_DRAIN_SECONDS."""
EXIT_INTERRUPTED = 130
"""A second SIGTERM or SIGINT: left at once, the job in hand released without waiting for its chunk."""


def build_consumer(settings: Settings) -> Consumer:
    root = scratch.scratch_root(settings.work_dir)
    root.mkdir(parents=True, exist_ok=True)
    scratch.clean_abandoned(root)  # what killed workers left behind
    store = JobStore(s3_client(settings), settings.bucket)
    queue = job_queue(settings)
    engines = EngineCache(VoiceCatalog.from_file(settings.voices_file), settings)
    # Warm the default voice before the first receive, so the first job does not pay for loading. A voice
    # that cannot load fails its own jobs with the reason; it must not stop the worker serving the others.
    try:
        engines.get(settings.default_voice)
    except PermanentError as exc:
        log.error("default_voice_unavailable", voice=settings.default_voice, error=str(exc), code=exc.code)
    tenants = ReloadingDirectory(settings)
    webhooks = WebhookSender(settings, tenants)
    try:
        dlq: JobQueue | None = dead_letter_queue(settings)
    except Exception as exc:  # dead letters are settled by `python -m worker.dlq list` instead
        log.warning("dlq_not_found", queue=settings.dlq_name, error=str(exc))
        dlq = None
    life = JobLife(store, announce=webhooks.notify)
    dead_letters = DeadLetters(store, queue, dlq, life) if dlq is not None else None
    pipeline = Pipeline(settings, store, engines, tenants)
    return Consumer(settings, store, queue, pipeline, webhooks, dead_letters)


_NO_QUEUE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


def _names_no_queue(exc: BaseException) -> bool:
    """A queue that does not exist when the worker starts is a wrong name, not an outage."""
    cause = exc.__cause__
    return isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in _NO_QUEUE


def _start_up(settings: Settings) -> Consumer | None:
    """The consumer, once the queue can be found: an outage at start-up is waited out like any other
    (SIGTERM ends the wait). None when the settings themselves are wrong."""
    pause = 1.0
    while True:
        try:
            return build_consumer(settings)
        except TransientError as exc:
            if _names_no_queue(exc):
                log.error("worker_startup_failed", error=f"{exc}; check KONTHO_QUEUE_NAME / KONTHO_QUEUE_URL")
                return None
            log.warning("worker_waiting_for_aws", error=str(exc), retry_in_seconds=pause)
            time.sleep(pause)
            pause = min(30.0, pause * 2)
        except Exception as exc:
            log.error("worker_startup_failed", error=str(exc))
            return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit once a receive finds the queue empty")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    consumer = _start_up(settings)
    if consumer is None:
        return EXIT_STARTUP_FAILED

    def drain_timed_out() -> None:
        log.error("worker_drain_timeout", seconds=settings.drain_seconds)
        consumer.release_current()
        os._exit(EXIT_DRAIN_TIMEOUT)  # the main thread is inside a native call; only this ends it

    def on_signal(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not consumer.busy:
            # Idle, or waiting in a long poll: nothing in hand to finish.
            log.info("worker_stopped", signal=name, **dict(consumer.counters))
            raise SystemExit(EXIT_OK)
        if consumer.stopping:
            log.warning("worker_exit_now", signal=name)
            consumer.release_current()
            raise SystemExit(EXIT_INTERRUPTED)
        # The job stops at its next chunk, its checkpoints stored, and is released to another worker.
        log.info("worker_draining", signal=name, grace_seconds=settings.drain_seconds)
        consumer.stop()
        timer = threading.Timer(settings.drain_seconds, drain_timed_out)
        timer.daemon = True
        timer.start()

    if settings.worker_metrics_port:
        dlq = consumer.dead_letters.dlq if consumer.dead_letters else None
        try:
            metrics_server.serve(settings.worker_metrics_port, consumer.queue, dlq)
        except OSError as exc:
            log.error("worker_startup_failed", error=f"metrics port {settings.worker_metrics_port}: {exc}")
            return EXIT_STARTUP_FAILED

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        consumer.run(burst=args.burst)
    finally:
        consumer.close(timeout=_WEBHOOK_GRACE_SECONDS)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
