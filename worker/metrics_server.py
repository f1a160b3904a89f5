"""The worker's metrics endpoint and the gauges sampled in the background: queue depth, GPU memory."""

from __future__ import annotations

import sys
import threading

import structlog
from prometheus_client import start_http_server

from kontho import metrics
from kontho.jobqueue import JobQueue

log = structlog.get_logger(__name__)

_SAMPLE_SECONDS = 15.0


def _sample_gpu() -> None:
    torch = sys.modules.get("torch")  # only a worker that loaded a neural voice has torch imported
    if torch is None or not torch.cuda.is_available():
        return
    metrics.GPU_MEMORY.labels("allocated").set(torch.cuda.memory_allocated())
    metrics.GPU_MEMORY.labels("reserved").set(torch.cuda.memory_reserved())
    metrics.GPU_MEMORY.labels("total").set(torch.cuda.get_device_properties(0).total_memory)
    try:
        metrics.GPU_UTILIZATION.set(torch.cuda.utilization() / 100)
    except Exception:  # needs NVML (pynvml); memory is still reported without it
        return


def _sample(queue: JobQueue, dlq: JobQueue | None, stop: threading.Event) -> None:
    while not stop.wait(_SAMPLE_SECONDS):
        try:
            metrics.record_queue_depth(queue.depth(), sum(dlq.depth().values()) if dlq else None)
            _sample_gpu()
        except Exception as exc:  # a missed sample is harmless; the next one may land
            log.warning("metrics_sample_failed", error=str(exc))


def serve(port: int, queue: JobQueue, dlq: JobQueue | None) -> threading.Event:
    """Serve /metrics on ``port`` and sample the gauges until the returned event is set."""
    start_http_server(port)
    stop = threading.Event()
    threading.Thread(target=_sample, args=(queue, dlq, stop), name="metrics", daemon=True).start()
    log.info("metrics_serving", port=port)
    return stop
