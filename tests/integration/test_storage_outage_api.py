"""Every route answers an outage of storage in the error envelope: 503 ``storage_unavailable`` with
Retry-After, never a bare 500; /readyz answers within 2 s even while the store hangs; and a failure nobody
foresaw is still a 500 in the envelope, logged with its traceback."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import structlog
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Route

from api.app import create_app
from devstack.motoserver import free_port
from devstack.provision import Resources
from kontho.aws import s3_client
from kontho.ids import new_job_id
from kontho.settings import Settings
from tests.conftest import AUTH

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।"

# A plausible body for each route that takes one; a new route with a body must add its own here.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/jobs"): {"text": TEXT},
    ("POST", "/v1/uploads"): {"content_type": "text/plain", "bytes": 100},
    ("POST", "/v1/text/preview"): {"text": TEXT},
    ("POST", "/v1/voices/{voice_id}/sample"): {},
    ("PUT", "/v1/lexicons/{name}"): {"entries": [{"grapheme": "BUET", "alias": "বুয়েট"}]},
    ("POST", "/v1/voices"): {
        "name": "Rina",
        "base_voice": "bn-espeak",
        "clips": [new_job_id()],
        "consent": {"speaker_consented": True, "statement": "She agreed in writing."},
    },
}
# Routes that answer without storage, and what they answer; every other route reads or writes it.
WITHOUT_STORAGE = {
    ("GET", "/healthz"): 200,
    ("GET", "/metrics"): 200,
    ("GET", "/v1/voices"): 200,  # with no xtts voice in the catalog, no tenant has voices of its own
    ("GET", "/v1/voices/{voice_id}"): 200,  # bn-espeak, a catalog voice
    ("DELETE", "/v1/voices/{voice_id}"): 409,  # bn-espeak is shared: not the tenant's to delete
    ("POST", "/v1/voices"): 422,  # the catalog has no xtts voice to clone on
    ("POST", "/v1/text/preview"): 200,
    ("GET", "/openapi.json"): 200,
    ("GET", "/docs"): 200,
    ("GET", "/docs/oauth2-redirect"): 200,
    ("GET", "/redoc"): 200,
}


def every_request(app: FastAPI) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(method, route path, concrete path, body) for every method of every route of the app."""
    requests = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute | Route) or route.path is None:
            continue
        # A valid-looking id in every path parameter: an id of the right form reaches storage.
        path = re.sub(r"\{[^}]+\}", new_job_id(), route.path.replace("{voice_id}", "bn-espeak"))
        for method in sorted((route.methods or set()) - {"HEAD"}):
            body = BODIES.get((method, route.path))
            if getattr(route.original_route, "body_field", None) is not None and body is None:
                pytest.fail(f"{method} {route.path} takes a body: give it a plausible one in BODIES")
            requests.append((method, route.path, path, body))
    return requests


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def ask(client: TestClient, method: str, path: str, body: dict[str, Any] | None = None) -> Answer:
    response = client.request(method, path, json=body)
    return Answer(response.status_code, dict(response.headers), response.text)


def sweep(client: TestClient) -> dict[str, Answer]:
    app = client.app
    assert isinstance(app, FastAPI)
    requests = every_request(app)
    assert len(requests) >= 15  # the sweep found the app's routes

    def send(request: tuple[str, str, str, dict[str, Any] | None]) -> Answer:
        method, _, path, body = request
        return ask(client, method, path, body)

    # At once: against a refusing endpoint each storage call spends its retries before it gives up.
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        answers = list(pool.map(send, requests))
    return {f"{r[0]} {r[1]}": answer for r, answer in zip(requests, answers, strict=True)}


def assert_outage_answers(answers: dict[str, Answer]) -> None:
    wrong = {}
    for label, response in answers.items():
        method, path = label.split(" ", 1)
        if (method, path) in WITHOUT_STORAGE:
            expected = WITHOUT_STORAGE[(method, path)]
            if response.status_code != expected:
                wrong[label] = f"{response.status_code} (expected {expected}): {response.text[:200]}"
        elif path == "/readyz":
            # Its documented answer: the checks, not the error envelope.
            if response.status_code != 503 or response.json()["status"] != "not_ready":
                wrong[label] = f"{response.status_code}: {response.text[:200]}"
        else:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                wrong[label] = f"{response.status_code} outside the envelope: {response.text[:200]}"
                continue
            if (response.status_code, error["code"]) != (503, "storage_unavailable"):
                wrong[label] = f"{response.status_code} {error}"
            elif response.headers.get("retry-after") != "5":
                wrong[label] = f"no Retry-After: {response.headers}"
            elif "try again" not in error["message"] or "http" in error["message"]:
                wrong[label] = f"message: {error['message']}"  # no endpoint or key leaks to the client
    assert not wrong, json.dumps(wrong, indent=1, ensure_ascii=False)


def test_every_route_answers_a_deleted_bucket_with_503_in_the_envelope(
    settings: Settings, resources: Resources
) -> None:
    s3_client(settings).delete_bucket(Bucket=resources.bucket)
    with TestClient(create_app(settings), headers=AUTH) as client:
        assert_outage_answers(sweep(client))


def test_every_route_answers_a_refused_connection_with_503_in_the_envelope(settings: Settings) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    dead = settings.model_copy(update={"aws_endpoint_url": endpoint, "queue_url": f"{endpoint}/q"})
    with TestClient(create_app(dead), headers=AUTH) as client:
        assert_outage_answers(sweep(client))


def test_a_malformed_date_range_and_ids_are_still_refused_before_storage(
    settings: Settings, resources: Resources
) -> None:
    s3_client(settings).delete_bucket(Bucket=resources.bucket)
    with TestClient(create_app(settings), headers=AUTH) as client:
        assert client.get("/v1/usage", params={"from": "0001-01-01"}).status_code == 422
        assert client.get("/v1/jobs/not-an-id").status_code == 404
        assert client.get("/v1/jobs", headers={"Authorization": "Bearer nope"}).status_code == 401


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers on them."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def ask_readyz(client: TestClient, answers: list[Answer]) -> None:
    answers.append(ask(client, "GET", "/readyz"))


def test_readyz_answers_within_two_seconds_while_the_store_hangs(
    settings: Settings, silent_endpoint: str
) -> None:
    hung = settings.model_copy(
        update={"aws_endpoint_url": silent_endpoint, "queue_url": f"{silent_endpoint}/q"}
    )
    with TestClient(create_app(hung)) as client:
        for _ in range(3):  # again while the first probes still wait: no pile-up, no longer wait
            answers: list[Answer] = []
            started = time.monotonic()
            asking = threading.Thread(target=ask_readyz, args=(client, answers), daemon=True)
            asking.start()
            asking.join(timeout=5)  # a hung check fails here rather than holding the suite
            elapsed = time.monotonic() - started
            assert answers, "/readyz did not answer within 5 s"
            assert elapsed < 2.5, f"/readyz took {elapsed:.2f} s"
            assert answers[0].status_code == 503
            body = answers[0].json()
            assert body["status"] == "not_ready"
            # The probe's own timeout, or the deadline when that is first.
            assert set(body["checks"]) == {"s3", "sqs"}
            for check in body["checks"].values():
                assert check in {"unavailable: ReadTimeoutError", "unavailable: no answer within 1 s"}


def test_readyz_is_ready_again_once_the_store_answers(api: TestClient) -> None:
    response = api.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {"s3": "ok", "sqs": "ok"}}


def test_an_unforeseen_failure_is_a_500_in_the_envelope_and_logged_with_its_traceback(
    settings: Settings, resources: Resources
) -> None:
    app = create_app(settings)

    @app.get("/v1/broken")
    def broken() -> None:
        raise RuntimeError("a bug nobody foresaw")

    with structlog.testing.capture_logs() as logs, TestClient(app, headers=AUTH) as client:
        response = client.get("/v1/broken", params={"api_key": "secret"})
        metrics = client.get("/metrics").text
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert "nobody foresaw" not in error["message"]  # internals stay in the log
    logged = [entry for entry in logs if entry["event"] == "unhandled_error"]
    assert len(logged) == 1
    assert logged[0]["exc_info"] is True
    assert logged[0]["log_level"] == "error"
    assert logged[0]["path"] == "/v1/broken"  # the path alone: the query may carry a credential
    # The answer still passes the request metrics.
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith("kontho_http_requests_total{") and 'route="/v1/broken"' in line
    ]
    assert len(counted) == 1
    assert 'status="500"' in counted[0]
