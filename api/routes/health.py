"""Liveness and readiness."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.settings import Settings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client
    from types_boto3_sqs import SQSClient

router = APIRouter(tags=["health"])

DEADLINE_SECONDS = 1.0
"""/readyz waits this long for S3 and SQS, however they behave (Kubernetes' probe gives up after 5 s)."""


def _probe_clients(settings: Settings) -> tuple[S3Client, SQSClient]:
    """Clients of the probe's own: one quick try each, since a check that waits out retries reports an
    outage late, and one that waits on a silent endpoint never reports at all."""
    config = Config(
        region_name=settings.aws_region,
        connect_timeout=DEADLINE_SECONDS,
        read_timeout=DEADLINE_SECONDS,
        retries={"mode": "standard", "total_max_attempts": 1},
        signature_version="s3v4",
        s3={"addressing_style": "path" if settings.aws_endpoint_url else "auto"},
    )
    session = boto3.session.Session()  # one session: the second client reuses what the first loaded
    endpoint = settings.aws_endpoint_url
    return (
        session.client("s3", endpoint_url=endpoint, config=config),
        session.client("sqs", endpoint_url=endpoint, config=config),
    )


def _code(exc: BaseException) -> str:
    return str(exc.response.get("Error", {}).get("Code", "")) if isinstance(exc, ClientError) else ""


class Readiness:
    """Probes S3 and SQS, each answered within ``DEADLINE_SECONDS``.

    A probe still running from an earlier request is waited on rather than started again, so an endpoint
    that accepts connections and never answers holds at most one thread per probe. The clients are made
    with the app: making them is local work that cannot hang, but it takes a second on a busy host, which
    a probe's deadline must not pay.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")
        self._lock = threading.Lock()
        self._running: dict[str, Future[None]] = {}
        self._queue_url = settings.queue_url
        self._clients = _probe_clients(settings)

    def _s3_answers(self) -> None:
        JobStore(self._clients[0], self._settings.bucket).ping()

    def _sqs_answers(self) -> None:
        sqs = self._clients[1]
        if not self._queue_url:
            self._queue_url = JobQueue.lookup(sqs, self._settings.queue_name).url
        JobQueue(sqs, self._queue_url).depth()

    def _start(self, name: str, probe: Callable[[], None]) -> Future[None]:
        with self._lock:
            running = self._running.get(name)
            if running is None or running.done():
                running = self._running[name] = self._pool.submit(probe)
            return running

    def check(self) -> dict[str, str]:
        deadline = time.monotonic() + DEADLINE_SECONDS
        probes = {"s3": self._s3_answers, "sqs": self._sqs_answers}
        started = {name: self._start(name, probe) for name, probe in probes.items()}
        checks: dict[str, str] = {}
        for name, running in started.items():
            try:
                running.result(timeout=max(0.0, deadline - time.monotonic()))
                checks[name] = "ok"
            except FutureTimeout:
                checks[name] = f"unavailable: no answer within {DEADLINE_SECONDS:g} s"
            except Exception as exc:
                # What went wrong underneath (ReadTimeoutError, NoSuchBucket...), not the wrapper's name.
                cause = exc.__cause__ or exc
                checks[name] = f"unavailable: {_code(cause) or type(cause).__name__}"
        return checks


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(request: Request) -> JSONResponse:
    """S3 and SQS answer: the API can take jobs. Answers within about a second, whatever they do."""
    readiness: Readiness = request.app.state.readiness
    checks = readiness.check()
    ready = all(v == "ok" for v in checks.values())
    body = Health(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
