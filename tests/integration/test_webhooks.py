"""Webhooks against real HTTP(S) receivers on this machine: signed, retried with backoff, never blocking
the worker or another tenant's deliveries, their state in the job's record, and never sent to a private
address unless the operator allows it (the address checked is the address connected to)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api.app import create_app
from devstack.provision import Resources
from kontho import keys, webhook_signing
from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.messages import JobMessage
from kontho.schemas import JobRecord, JobState, WebhookDelivery, utcnow
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT, LOCAL_WEBHOOK_SECRET, TenantDirectory
from tests.integration.tenant_keys import auth, write_keys_file
from worker.__main__ import build_consumer
from worker.consumer import Consumer
from worker.webhook_delivery import WebhookSender
from worker.webhook_http import SendFailed, post

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।"
FAST = {"webhook_allow_private": True, "webhook_backoff_seconds": 0.05, "webhook_attempts": 4}


@dataclass
class Receiver:
    port: int
    statuses: list[int] = field(default_factory=list)
    """Answers to give, in order; 200 once they run out."""
    hold: threading.Event | None = None
    """When set up, each request waits for this (20 s at most) before answering."""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    """Wall-clock time each request arrived."""

    @property
    def url(self) -> str:
        # A name, not 127.0.0.1: the API refuses literal loopback addresses; the worker resolves the name.
        return f"http://localhost:{self.port}/hooks/kontho"


@pytest.fixture
def receivers() -> Iterator[Callable[[], Receiver]]:
    servers: list[tuple[ThreadingHTTPServer, Receiver]] = []

    def start() -> Receiver:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state := Receiver(port=0)))
        state.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((server, state))
        return state

    yield start
    for server, state in servers:
        if state.hold is not None:
            state.hold.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(receivers: Callable[[], Receiver]) -> Receiver:
    return receivers()


def _handler_for(state: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers.items()), body))
            state.received_at.append(time.time())
            if state.hold is not None:
                state.hold.wait(20)
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _worker(settings: Settings, resources: Resources, **changes: object) -> Consumer:
    return build_consumer(settings.model_copy(update={"queue_url": resources.queue_url, **FAST, **changes}))


def _sender(settings: Settings, store: JobStore, **options: Any) -> WebhookSender:
    changes = {key: options.pop(key) for key in list(options) if key.startswith("webhook_")}
    return WebhookSender(
        settings.model_copy(update={**FAST, **changes}), TenantDirectory.development(), store, **options
    )


def _deliveries(outcome: str) -> float:
    return REGISTRY.get_sample_value("kontho_webhook_deliveries_total", {"outcome": outcome}) or 0.0


def _finished(api: TestClient, store: JobStore, url: str) -> JobRecord:
    """A job submitted through the API with ``url`` as its webhook, then stored completed and settled, as
    a worker leaves it."""
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": url})
    assert job.status_code == 202, job.text
    record = store.get_record(LOCAL_TENANT, job.json()["id"])
    assert record is not None
    done = record.touch(status=JobState.COMPLETED, finished_at=utcnow(), settled=True)
    store.put_record(done)
    return done


def _webhook(store: JobStore, record: JobRecord) -> WebhookDelivery | None:
    stored = store.get_record(record.tenant, record.id)
    assert stored is not None
    return stored.webhook


def _state(store: JobStore, record: JobRecord) -> tuple[str, int, str | None] | None:
    """The job's webhook state, attempts and last status, as stored."""
    found = _webhook(store, record)
    return None if found is None else (found.state, found.attempts, found.last_status)


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


# The worker end to end.


def test_a_completed_job_is_posted_signed_to_its_webhook(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver, store: JobStore
) -> None:
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    assert job["webhook_url"] == receiver.url
    consumer = _worker(settings, resources)
    consumer.run(burst=True)
    consumer.close(timeout=20)

    [(headers, body)] = receiver.received
    assert webhook_signing.verify(
        LOCAL_WEBHOOK_SECRET,
        headers[webhook_signing.TIMESTAMP_HEADER],
        headers[webhook_signing.SIGNATURE_HEADER],
        body,
    )
    assert not webhook_signing.verify(
        "another-secret-entirely", headers["Kontho-Timestamp"], headers["Kontho-Signature"], body
    )
    assert not webhook_signing.verify(
        LOCAL_WEBHOOK_SECRET, headers["Kontho-Timestamp"], headers["Kontho-Signature"], body + b" "
    )
    event = json.loads(body)
    assert headers["Kontho-Event"] == event["event"] == "job.completed"
    assert event["job"]["id"] == job["id"]
    assert event["job"]["usage"]["characters"] == len(TEXT)
    assert event["job"]["usage"]["audio_seconds"] > 0
    assert event["job"]["usage"]["compute_seconds"] > 0
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert record.settled
    assert record.webhook is not None
    assert (record.webhook.state, record.webhook.attempts, record.webhook.last_status) == (
        "delivered",
        1,
        "HTTP 200",
    )


def test_failed_deliveries_are_retried_with_backoff_under_one_delivery_id(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver, store: JobStore
) -> None:
    receiver.statuses = [503, 500, 429]
    delivered_before = _deliveries("delivered")
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    consumer = _worker(settings, resources)
    consumer.run(burst=True)
    consumer.close(timeout=20)
    assert len(receiver.received) == 4
    assert len({h["Kontho-Delivery"] for h, _ in receiver.received}) == 1
    assert _deliveries("delivered") == delivered_before + 1
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert record.webhook is not None
    assert (record.webhook.state, record.webhook.attempts) == ("delivered", 4)


def test_a_receiver_that_keeps_failing_is_given_up_on_counted_and_recorded(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver, store: JobStore
) -> None:
    receiver.statuses = [503] * 10
    failed_before = _deliveries("failed")
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    consumer = _worker(settings, resources, webhook_attempts=3)
    consumer.run(burst=True)
    consumer.close(timeout=20)
    assert len(receiver.received) == 3
    assert _deliveries("failed") == failed_before + 1
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert record.webhook is not None
    assert (record.webhook.state, record.webhook.attempts, record.webhook.last_status) == (
        "failed",
        3,
        "HTTP 503",
    )


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
    consumer.close(timeout=20)
    assert json.loads(receiver.received[0][1])["job"]["id"] == first["id"]


def test_one_tenants_tarpit_does_not_delay_another_tenants_webhook(
    settings: Settings, resources: Resources, receivers: Callable[[], Receiver], tmp_path: Path
) -> None:
    secrets = {"webhook_secret": "a-webhook-secret-of-some-length"}
    keys_file = write_keys_file(tmp_path / "keys.json", {"slow": secrets, "quick": secrets})
    settings = settings.model_copy(update={"api_keys_file": str(keys_file)})
    tarpit, quick = receivers(), receivers()
    tarpit.hold = threading.Event()  # answers nothing for 20 s
    consumer = _worker(settings, resources, webhook_timeout_seconds=30)
    with TestClient(create_app(settings)) as api:
        for n in range(3):
            response = api.post(
                "/v1/jobs", json={"text": f"{TEXT} {n}", "webhook_url": tarpit.url}, headers=auth("slow")
            )
            assert response.status_code == 202, response.text
        consumer.run(burst=True)
        _eventually(lambda: len(tarpit.received) >= 1)
        job = api.post(
            "/v1/jobs", json={"text": TEXT, "webhook_url": quick.url}, headers=auth("quick")
        ).json()
        consumer.run(burst=True)
        _eventually(lambda: len(quick.received) == 1, seconds=25)
        finished = api.get(f"/v1/jobs/{job['id']}", headers=auth("quick")).json()["finished_at"]
    late = quick.received_at[0] - dt.datetime.fromisoformat(finished).timestamp()
    assert late < 2.0, f"the quick tenant's webhook came {late:.1f} s after its job ended"
    assert not tarpit.hold.is_set()  # the slow tenant's receiver was still holding on
    assert len(tarpit.received) == 1  # one of its deliveries in flight at a time
    tarpit.hold.set()
    consumer.close(timeout=20)
    assert len(tarpit.received) == 3


def test_private_addresses_are_refused_unless_allowed(
    api: TestClient, settings: Settings, resources: Resources, receiver: Receiver, store: JobStore
) -> None:
    refused_before = _deliveries("refused")
    job = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": receiver.url}).json()
    consumer = _worker(settings, resources, webhook_allow_private=False)
    consumer.run(burst=True)
    consumer.close(timeout=20)
    assert receiver.received == []
    assert _deliveries("refused") == refused_before + 1
    assert api.get(f"/v1/jobs/{job['id']}").json()["status"] == "completed"  # the job is not failed for it
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert record.webhook is not None
    assert record.webhook.state == "failed"
    assert "localhost resolves to 127.0.0.1 is a loopback address" in (record.webhook.last_status or "")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "not a url",
        "https://user:pw@example.com/",
        "https://",
        "x" * 3000,
        "http://127.0.0.1:8080/hook",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_malformed_or_private_webhook_url_is_422_naming_the_field(api: TestClient, url: str) -> None:
    response = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": url})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "webhook_url"


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
    assert api.post(f"/v1/jobs/{job['id']}/cancel").json()["status"] == "cancelled"
    consumer = _worker(settings, resources)
    consumer.run(burst=True)
    consumer.close(timeout=20)
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
    consumer.close(timeout=20)
    assert len(receiver.received) == 1
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert record.settled

    def redeliver(tag: str) -> None:
        queue.send(JobMessage(job_id=job["id"]), "local.0", resend=tag)
        again = _worker(settings, resources)
        again.run(burst=True)
        again.close(timeout=20)

    redeliver("duplicate")
    assert len(receiver.received) == 1  # already settled: nothing announced twice
    store.put_record(record.model_copy(update={"settled": False}))  # as if the worker died before settling
    redeliver("after-a-crash")
    assert len(receiver.received) == 2
    assert json.loads(receiver.received[1][1])["event"] == "job.completed"


# The sender on its own: queue bounds, shutdown, and where it connects.


def test_a_full_queue_records_the_delivery_failed_without_blocking(
    api: TestClient, settings: Settings, store: JobStore, receiver: Receiver
) -> None:
    receiver.hold = threading.Event()
    records = [_finished(api, store, receiver.url) for _ in range(4)]
    sender = _sender(settings, store, queue_per_tenant=2, webhook_timeout_seconds=30)
    failed_before = _deliveries("failed")
    started = time.monotonic()
    for record in records:
        sender.notify(record)
    assert time.monotonic() - started < 1.0
    _eventually(lambda: all(_webhook(store, r) is not None for r in records))
    full = "not sent: 2 deliveries of this tenant were already waiting"
    assert [_state(store, r) for r in records] == [
        ("pending", 0, None),
        ("pending", 0, None),
        ("failed", 0, full),
        ("failed", 0, full),
    ]
    assert _deliveries("failed") == failed_before + 2
    receiver.hold.set()
    sender.close(timeout=20)
    assert [_state(store, r) for r in records] == [
        ("delivered", 1, "HTTP 200"),
        ("delivered", 1, "HTTP 200"),
        ("failed", 0, full),
        ("failed", 0, full),
    ]


def test_deliveries_pending_at_shutdown_are_recorded_failed(
    api: TestClient, settings: Settings, store: JobStore, receiver: Receiver
) -> None:
    receiver.hold = threading.Event()
    records = [_finished(api, store, receiver.url) for _ in range(2)]
    sender = _sender(settings, store, webhook_timeout_seconds=30)
    for record in records:
        sender.notify(record)
    _eventually(lambda: len(receiver.received) == 1)
    started = time.monotonic()
    sender.close(timeout=1.5)
    assert time.monotonic() - started < 2.5
    in_flight, waiting = (_webhook(store, r) for r in records)
    assert in_flight is not None
    assert waiting is not None
    assert (in_flight.state, in_flight.attempts) == ("failed", 1)
    assert in_flight.last_status == "given up: the worker stopped during attempt 1"
    assert (waiting.state, waiting.attempts) == ("failed", 0)
    assert waiting.last_status == "not sent: the worker stopped before the first attempt"


def test_an_erased_job_is_not_recreated_by_its_webhook_state(
    api: TestClient, settings: Settings, store: JobStore, receiver: Receiver
) -> None:
    record = _finished(api, store, receiver.url)
    store.delete(keys.job_record(record.tenant, record.id))
    sender = _sender(settings, store)
    sender.notify(record)
    sender.close(timeout=10)
    assert len(receiver.received) == 1
    assert store.get_record(record.tenant, record.id) is None


def test_a_name_resolving_to_loopback_is_refused_at_delivery(
    api: TestClient, settings: Settings, store: JobStore, receiver: Receiver
) -> None:
    record = _finished(api, store, f"http://hooks.kontho.test:{receiver.port}/hook")
    sender = _sender(settings, store, webhook_allow_private=False, resolver=lambda host, port: ["127.0.0.1"])
    sender.notify(record)
    sender.close(timeout=10)
    assert receiver.received == []
    state = _webhook(store, record)
    assert state is not None
    assert state.state == "failed"
    assert state.last_status == "refused: hooks.kontho.test resolves to 127.0.0.1 is a loopback address"


def test_the_connection_goes_to_the_address_that_was_checked(
    api: TestClient, settings: Settings, store: JobStore, receiver: Receiver
) -> None:
    """A name that answers the check with one address and a second lookup with another (DNS rebinding)
    is resolved once: the POST goes to the address checked, under the name."""
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if len(asked) == 1 else ["127.0.0.2"]  # nothing listens on 127.0.0.2

    url = f"http://receiver.kontho.test:{receiver.port}/hook"
    record = _finished(api, store, url)
    sender = _sender(settings, store, resolver=rebinding)
    sender.notify(record)
    sender.close(timeout=10)
    assert asked == ["receiver.kontho.test"]
    [(headers, _)] = receiver.received
    assert headers["Host"] == f"receiver.kontho.test:{receiver.port}"
    assert _state(store, record) == ("delivered", 1, "HTTP 200")


# One attempt: TLS under the name, and a deadline for the whole of it.


@dataclass
class TlsReceiver:
    port: int
    ca: ssl.SSLContext
    server_names: list[str | None]


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[TlsReceiver]:
    """An HTTPS server on 127.0.0.1 with a certificate for receiver.kontho.test only."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "receiver.kontho.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("receiver.kontho.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, sni, ctx: server_names.append(sni)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(Receiver(port=0)))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield TlsReceiver(server.server_address[1], ssl.create_default_context(cafile=cert_file), server_names)
    server.shutdown()
    server.server_close()


def test_tls_is_verified_for_the_name_while_connecting_to_the_checked_address(
    tls_receiver: TlsReceiver,
) -> None:
    def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    options: dict[str, Any] = {
        "timeout": 5,
        "resolver": resolve,
        "allow_private": True,
        "tls": tls_receiver.ca,
    }
    url = f"https://receiver.kontho.test:{tls_receiver.port}/hook"
    assert post(url, b"{}", {"Content-Type": "application/json"}, **options) == 200
    assert tls_receiver.server_names == ["receiver.kontho.test"]
    # The same server under another name: its certificate does not name that one.
    with pytest.raises(SendFailed, match="certificate verify failed"):
        post(f"https://other.kontho.test:{tls_receiver.port}/hook", b"{}", {}, **options)


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.wait(0.2):  # a header line every 0.2 s, for ever: each read is quick
            connection.sendall(b"X-Trickle: 1\r\n")
        connection.close()

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(SendFailed, match="no answer within 1 s"):
            post(
                f"http://trickle.kontho.test:{listener.getsockname()[1]}/",
                b"{}",
                {},
                timeout=1,
                resolver=lambda host, port: ["127.0.0.1"],
                allow_private=True,
            )
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 2
