"""Webhooks against a real HTTP receiver on this machine: signed, retried with backoff, never blocking
the worker, and never sent to private addresses unless the operator allows it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api.app import create_app
from devstack.provision import Resources
from kontho import webhooks
from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.messages import JobMessage
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT, LOCAL_WEBHOOK_SECRET
from tests.integration.tenant_keys import auth, write_keys_file
from worker.__main__ import build_consumer
from worker.consumer import Consumer

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।"


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)
    """Answers to give, in order; 200 once they run out."""
    hold: threading.Event | None = None
    """When set up, each request waits for this before answering."""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers.items()), body))
            if state.hold is not None:
                state.hold.wait(20)
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kontho"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()


def _worker(settings: Settings, resources: Resources, **changes: object) -> Consumer:
    fast = {"webhook_allow_private": True, "webhook_backoff_seconds": 0.05, "webhook_attempts": 4}
    return build_consumer(settings.model_copy(update={"queue_url": resources.queue_url, **fast, **changes}))


def _deliveries(outcome: str) -> float:
    return REGISTRY.get_sample_value("kontho_webhook_deliveries_total", {"outcome": outcome}) or 0.0


def test_a_completed_job_is_posted_signed_to_its_webhook(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver
) -> None:
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    assert job["webhook_url"] == receiver.url
    consumer = _worker(settings, resources)
    consumer.run(burst=True)
    consumer.finisher.close(timeout=20)

    [(headers, body)] = receiver.received
    assert webhooks.verify(
        LOCAL_WEBHOOK_SECRET, headers[webhooks.TIMESTAMP_HEADER], headers[webhooks.SIGNATURE_HEADER], body
    )
    assert not webhooks.verify(
        "another-secret-entirely", headers["Kontho-Timestamp"], headers["Kontho-Signature"], body
    )
    assert not webhooks.verify(
        LOCAL_WEBHOOK_SECRET, headers["Kontho-Timestamp"], headers["Kontho-Signature"], body + b" "
    )
    event = json.loads(body)
    assert headers["Kontho-Event"] == event["event"] == "job.completed"
    assert event["job"]["id"] == job["id"]
    assert event["job"]["usage"]["characters"] == len(TEXT)
    assert event["job"]["usage"]["audio_seconds"] > 0
    assert event["job"]["usage"]["compute_seconds"] > 0


def test_failed_deliveries_are_retried_with_backoff_under_one_delivery_id(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver
) -> None:
    receiver.statuses = [503, 500, 429]
    delivered_before = _deliveries("delivered")
    api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url})
    consumer = _worker(settings, resources)
    consumer.run(burst=True)
    consumer.finisher.close(timeout=20)
    assert len(receiver.received) == 4
    assert len({h["Kontho-Delivery"] for h, _ in receiver.received}) == 1
    assert _deliveries("delivered") == delivered_before + 1


def test_a_receiver_that_keeps_failing_is_given_up_on_and_counted(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver
) -> None:
    receiver.statuses = [503] * 10
    failed_before = _deliveries("failed")
    api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url})
    consumer = _worker(settings, resources, webhook_attempts=3)
    consumer.run(burst=True)
    consumer.finisher.close(timeout=20)
    assert len(receiver.received) == 3
    assert _deliveries("failed") == failed_before + 1


def test_a_slow_receiver_never_holds_up_the_worker(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver
) -> None:
    receiver.hold = threading.Event()
    first = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    second = api.post("/v1/jobs", json={"text": TEXT + " আবার"}).json()
    consumer = _worker(settings, resources, webhook_timeout_seconds=60)
    started = time.monotonic()
    consumer.run(burst=True)
    elapsed = time.monotonic() - started
    # Both jobs finished while the receiver still held the first delivery (it waits up to 20 s).
    assert elapsed < 15
    assert api.get(f"/v1/jobs/{second['id']}").json()["status"] == "completed"
    receiver.hold.set()
    consumer.finisher.close(timeout=20)
    assert json.loads(receiver.received[0][1])["job"]["id"] == first["id"]


def test_private_addresses_are_refused_unless_allowed(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver
) -> None:
    refused_before = _deliveries("refused")
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    consumer = _worker(settings, resources, webhook_allow_private=False)
    consumer.run(burst=True)
    consumer.finisher.close(timeout=20)
    assert receiver.received == []
    assert _deliveries("refused") == refused_before + 1
    assert api.get(f"/v1/jobs/{job['id']}").json()["status"] == "completed"  # the job is not failed for it


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "not a url", "https://user:pw@example.com/", "https://", "x" * 3000]
)
def test_a_malformed_webhook_url_is_422_naming_the_field(api: TestClient, url: str) -> None:
    response = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": url})
    assert response.status_code == 422
    assert "webhook_url" in response.text


def test_a_tenant_without_a_webhook_secret_cannot_name_a_webhook(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    keys_file = write_keys_file(tmp_path / "keys.json", {"nosecret": {}})
    app = create_app(settings.model_copy(update={"api_keys_file": str(keys_file)}))
    with TestClient(app, headers=auth("nosecret")) as client:
        response = client.post("/v1/jobs", json={"text": TEXT, "webhook_url": "https://example.com/hook"})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "webhooks_not_configured",
        "field": "webhook_url",
        "message": response.json()["error"]["message"],
    }


def test_a_job_cancelled_while_queued_is_announced_by_the_worker_that_receives_it(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver
) -> None:
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    assert api.delete(f"/v1/jobs/{job['id']}").json()["status"] == "cancelled"
    consumer = _worker(settings, resources)
    consumer.run(burst=True)
    consumer.finisher.close(timeout=20)
    [(headers, body)] = receiver.received
    assert headers["Kontho-Event"] == "job.cancelled"
    assert json.loads(body)["job"]["id"] == job["id"]


def test_a_redelivered_final_job_is_settled_only_if_its_worker_died_before_settling(
    api: TestClient,
    settings: Settings,
    resources: Resources,
    receiver: Receiver,
    store: JobStore,
    queue: JobQueue,
) -> None:
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    consumer = _worker(settings, resources)
    consumer.run(burst=True)
    consumer.finisher.close(timeout=20)
    assert len(receiver.received) == 1
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert record.settled

    def redeliver(tag: str) -> None:
        queue.send(JobMessage(job_id=job["id"]), "local.0", resend=tag)
        again = _worker(settings, resources)
        again.run(burst=True)
        again.finisher.close(timeout=20)

    redeliver("duplicate")
    assert len(receiver.received) == 1  # already settled: nothing announced twice
    store.put_record(record.model_copy(update={"settled": False}))  # as if the worker died before settling
    redeliver("after-a-crash")
    assert len(receiver.received) == 2
    assert json.loads(receiver.received[1][1])["event"] == "job.completed"
