"""Prometheus metrics: every name kontho exports, declared in one place.

Names follow Prometheus conventions: the ``kontho_`` namespace, units in the name (``_seconds``,
``_bytes``), ``_total`` for counters, and only bounded labels (route templates, outcomes, formats, never
job ids or tenants' free text). The API serves them at ``/metrics``; each worker on a port of its own
(``KONTHO_WORKER_METRICS_PORT``). Both processes import this module, so a dashboard or an alert can rely on
a name existing in the code (a test checks the names infra/ uses against this list).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_JOB_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 43_200)

# API
HTTP_REQUESTS = Counter(
    "kontho_http_requests_total", "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)  # fmt: skip
HTTP_DURATION = Histogram(
    "kontho_http_request_duration_seconds", "Time to answer an HTTP request, by route template and method.",
    ["route", "method"], buckets=_LATENCY_BUCKETS,
)  # fmt: skip
JOBS_SUBMITTED = Counter(
    "kontho_jobs_submitted_total", "Jobs accepted by the API, by audio format.", ["format"]
)

JOB_STATES = Counter(
    "kontho_job_state_changes_total",
    "Jobs entering a state: queued (accepted or released), running, completed, failed, cancelled. Queued "
    "and running now: kontho_queue_messages{state=visible|in_flight}.",
    ["state"],
)

# Worker
JOBS_FINISHED = Counter(
    "kontho_jobs_finished_total",
    "Job attempts that ended, by outcome: completed, failed, dead_lettered, retried, released, cancelled, "
    "lost, skipped, dropped.",
    ["outcome"],
)
JOBS_IN_PROGRESS = Gauge("kontho_jobs_in_progress", "Jobs this worker is rendering now (0 or 1).")
WORKER_READY = Gauge(
    "kontho_worker_ready", "1 while this worker reaches its queue and bucket; 0 while it waits out an outage."
)
JOB_DURATION = Histogram(
    "kontho_job_duration_seconds",
    "Wall time of a completed job attempt, receive to commit.",
    buckets=_JOB_BUCKETS,
)
AUDIO_RENDERED = Counter("kontho_audio_rendered_seconds_total", "Seconds of audio in completed jobs.")
REALTIME_FACTOR = Histogram(
    "kontho_job_realtime_factor",
    "Seconds of audio per second of wall time, per completed job attempt.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
CHUNKS = Counter(
    "kontho_chunks_total", "Chunks written into programmes, by source: rendered or reused.", ["source"]
)
MODEL_LOAD = Histogram(
    "kontho_model_load_seconds", "Time to load a voice's engine, by engine.", ["engine"],
    buckets=(0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120),
)  # fmt: skip
QUEUE_AGE = Histogram(
    "kontho_queue_message_age_seconds",
    "Age of a job message when a worker receives it (since it was first sent; redeliveries included).",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 86_400),
)
QUEUE_MESSAGES = Gauge(
    "kontho_queue_messages", "Messages in the job queue, by state: visible or in_flight.", ["state"]
)
DLQ_MESSAGES = Gauge("kontho_dlq_messages", "Messages in the dead-letter queue.")
WEBHOOK_DELIVERIES = Counter(
    "kontho_webhook_deliveries_total",
    "Webhook deliveries, by outcome: delivered, failed, refused.",
    ["outcome"],
)
GPU_MEMORY = Gauge(
    "kontho_gpu_memory_bytes",
    "GPU memory, by kind: allocated and reserved by this worker's tensors, total on the device.",
    ["kind"],
)
GPU_UTILIZATION = Gauge(
    "kontho_gpu_utilization_ratio", "GPU busy fraction over the last sample period (0-1)."
)


def record_queue_depth(queue: dict[str, int], dead_letters: int | None) -> None:
    """Set the queue gauges from ``JobQueue.depth()`` readings (the DLQ's summed, when known)."""
    QUEUE_MESSAGES.labels("visible").set(queue["visible"])
    QUEUE_MESSAGES.labels("in_flight").set(queue["in_flight"])
    if dead_letters is not None:
        DLQ_MESSAGES.set(dead_letters)


NAMES = frozenset(
    {
        "kontho_http_requests_total",
        "kontho_http_request_duration_seconds",
        "kontho_jobs_submitted_total",
        "kontho_job_state_changes_total",
        "kontho_webhook_deliveries_total",
        "kontho_jobs_finished_total",
        "kontho_jobs_in_progress",
        "kontho_job_duration_seconds",
        "kontho_audio_rendered_seconds_total",
        "kontho_job_realtime_factor",
        "kontho_chunks_total",
        "kontho_model_load_seconds",
        "kontho_queue_messages",
        "kontho_queue_message_age_seconds",
        "kontho_dlq_messages",
        "kontho_gpu_memory_bytes",
        "kontho_gpu_utilization_ratio",
    }
)
"""Every metric name, as a scrape shows it (histograms add _bucket, _sum and _count)."""
