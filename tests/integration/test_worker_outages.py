"""A worker rides out an outage of its queue and bucket, of any length: it backs off, says it is not
ready, logs once per change, and resumes when they return, never losing, failing or doubling a job.
The outage is real: the worker talks to moto through a relay that is cut and restored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from devstack.motoserver import MotoServer
from devstack.provision import Resources
from kontho.settings import Settings
from tests.conftest import corpus_chapter
from tests.outage import CuttableRelay
from worker.__main__ import build_consumer
from worker.consumer import Consumer

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে এক কৃষক থাকতেন।"


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _worker(settings: Settings, resources: Resources, relay: CuttableRelay) -> Consumer:
    return build_consumer(
        settings.model_copy(
            update={
                "aws_endpoint_url": relay.endpoint,
                "queue_url": resources.queue_url,
                "visibility_timeout_seconds": 10,
                "heartbeat_seconds": 2,
                "dlq_check_seconds": 0,
            }
        )
    )


def _run(consumer: Consumer) -> threading.Thread:
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    return thread


@pytest.mark.timeout(180)
def test_an_idle_worker_waits_out_an_outage_and_takes_the_next_job(
    api: TestClient, settings: Settings, resources: Resources, moto_server: MotoServer
) -> None:
    with CuttableRelay(moto_server.port) as relay, capture_logs() as logs:
        consumer = _worker(settings, resources, relay)
        relay.cut()
        thread = _run(consumer)
        _until(lambda: not consumer._connectivity.ready, 60, "the worker never noticed the outage")
        time.sleep(8)  # several backoff rounds
        assert thread.is_alive(), "the worker exited during the outage"
        relay.restore()
        job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
        _until(lambda: api.get(f"/v1/jobs/{job_id}").json()["status"] == "completed", 60, "never rendered")
        assert consumer._connectivity.ready
        consumer.stop()
        thread.join(timeout=30)
    events = [e["event"] for e in logs]
    assert events.count("dependency_unavailable") == 1  # once per change, not once per attempt
    assert events.count("dependency_available") == 1
    assert consumer.counters["completed"] == 1


@pytest.mark.timeout(240)
def test_a_job_in_hand_when_the_bucket_and_queue_vanish_is_released_and_completes_once(
    api: TestClient, settings: Settings, resources: Resources, moto_server: MotoServer
) -> None:
    text = "\n".join(corpus_chapter(n) for n in (1, 2))
    job_id = api.post("/v1/jobs", json={"text": text}).json()["id"]
    seen: set[str] = set()

    def status() -> str:
        value: str = api.get(f"/v1/jobs/{job_id}").json()["status"]
        seen.add(value)
        return value

    with CuttableRelay(moto_server.port) as relay:
        consumer = _worker(settings, resources, relay)
        thread = _run(consumer)
        _until(lambda: api.get(f"/v1/jobs/{job_id}").json()["progress"]["done"] >= 3, 60, "never started")
        relay.cut()
        # Longer than every retry inside the worker: the job in hand meets the outage for real.
        _until(lambda: consumer.counters["released"] >= 1 or not thread.is_alive(), 90, "never released")
        relay.restore()
        _until(lambda: status() in {"completed", "failed"}, 120, "never finished")
        consumer.stop()
        thread.join(timeout=30)
    job = api.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "completed"
    assert "failed" not in seen
    assert consumer.counters["completed"] == 1
    assert consumer.counters["failed"] == consumer.counters["dead_lettered"] == 0
    assert job["progress"]["reused"] >= 3  # resumed from its checkpoints, not started over
