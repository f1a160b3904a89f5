"""Prometheus scrape endpoint. Not under /v1: scraped inside the cluster, not called by customers.

The API also reports the job queue's and the DLQ's depth, read from SQS at most every 15 s: workers
report them too, but they scale to zero, and an alert on waiting jobs or dead letters must still fire
when no worker runs.
"""

from __future__ import annotations

import threading
import time

import structlog
from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import ServicesDep
from kontho import metrics

router = APIRouter(tags=["operations"])
log = structlog.get_logger(__name__)

_SAMPLE_SECONDS = 15.0
_lock = threading.Lock()
_sampled_at = [float("-inf")]


def _sample_queues(services: ServicesDep) -> None:
    with _lock:
        if time.monotonic() - _sampled_at[0] < _SAMPLE_SECONDS:
            return
        _sampled_at[0] = time.monotonic()
    try:
        dlq = services.dlq
        metrics.record_queue_depth(services.queue.depth(), sum(dlq.depth().values()) if dlq else None)
    except Exception as exc:  # the scrape still answers; the gauges keep their last values
        log.warning("metrics_sample_failed", error=str(exc))


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def scrape(services: ServicesDep) -> Response:
    """Metrics in the Prometheus text format."""
    _sample_queues(services)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
