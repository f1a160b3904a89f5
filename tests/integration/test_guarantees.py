"""Delivery guarantees against the moto server: drain, cancel, idempotent submits, dead letters, redrive."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho import keys
from kontho.aws import sqs_client
from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.schemas import JobState
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT
from tests.conftest import AUTH, corpus_chapter, queue_messages
from worker.__main__ import build_consumer
from worker.consumer import Consumer
from worker.dlq import DeadLetters

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে ২৫০টি পরিবার বাস করে।"


def _run_in_background(consumer: Consumer) -> threading.Thread:
    thread = threading.Thread(target=consumer.run, kwargs={"burst": True}, daemon=True)
    thread.start()
    return thread


def _wait_for_chunks(api: TestClient, job_id: str, done: int) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while (job := api.get(f"/v1/jobs/{job_id}").json())["progress"]["done"] < done:
        assert job["status"] in {"queued", "running"}, job
        assert time.monotonic() < deadline, "the job never got going"
        time.sleep(0.01)
    return dict(job)


@pytest.fixture
def long_text() -> str:
    return "\n".join(corpus_chapter(n) for n in (1, 2))


def test_a_draining_worker_releases_its_job_and_another_resumes_it(
    api: TestClient, settings: Settings, resources: Resources, long_text: str
) -> None:
    config = settings.model_copy(update={"queue_url": resources.queue_url})
    job_id = api.post("/v1/jobs", json={"text": long_text, "format": "wav"}).json()["id"]
    first = build_consumer(config)
    thread = _run_in_background(first)
    _wait_for_chunks(api, job_id, 5)
    first.stop()  # what SIGTERM does
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert first.counters["released"] == 1
    released = api.get(f"/v1/jobs/{job_id}").json()
    assert released["status"] == "queued"
    done_at_release = released["progress"]["done"]
    assert 5 <= done_at_release < released["progress"]["total"]

    # Released at once (visibility 0): a second worker takes it now, not after the visibility timeout.
    second = build_consumer(config)
    assert second.run(burst=True)["completed"] == 1
    finished = api.get(f"/v1/jobs/{job_id}").json()
    assert finished["status"] == "completed"
    assert finished["progress"]["reused"] >= done_at_release - 1


def test_cancelling_a_queued_job_means_it_never_starts(
    api: TestClient, consumer: Consumer, settings: Settings, resources: Resources
) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    response = api.post(f"/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert api.post(f"/v1/jobs/{job_id}/cancel").status_code == 200  # cancelling twice is harmless
    counters = consumer.run(burst=True)
    assert (counters["skipped"], counters["completed"]) == (1, 0)
    assert api.get(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
    assert queue_messages(settings, resources.queue_url) == 0


def test_cancelling_a_running_job_stops_it_within_a_chunk_or_two(
    api: TestClient,
    consumer: Consumer,
    store: JobStore,
    settings: Settings,
    resources: Resources,
    long_text: str,
) -> None:
    job_id = api.post("/v1/jobs", json={"text": long_text}).json()["id"]
    thread = _run_in_background(consumer)
    _wait_for_chunks(api, job_id, 3)
    response = api.post(f"/v1/jobs/{job_id}/cancel")
    assert response.status_code == 202
    thread.join(timeout=30)
    assert consumer.counters["cancelled"] == 1
    job = api.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "cancelled"
    assert job["progress"]["done"] < job["progress"]["total"]
    assert not store.list_keys(f"tenants/local/jobs/{job_id}/audio")
    assert queue_messages(settings, resources.queue_url) == 0


def test_a_finished_job_cannot_be_cancelled(api: TestClient, consumer: Consumer) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    consumer.run(burst=True)
    response = api.post(f"/v1/jobs/{job_id}/cancel")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "already_finished",
        "message": "job is completed; only queued or running jobs can be cancelled",
        "status": "completed",
    }


def test_the_same_idempotency_key_returns_the_same_job_beyond_the_dedup_window(
    api: TestClient, settings: Settings, resources: Resources
) -> None:
    body = {"text": TEXT, "format": "flac"}
    first = api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "order-17"})
    again = api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "order-17"})
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert queue_messages(settings, resources.queue_url) == 1
    other = api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "order-18"})
    assert other.json()["id"] != first.json()["id"]


def test_an_idempotency_key_reused_for_another_request_is_refused(api: TestClient) -> None:
    api.post("/v1/jobs", json={"text": TEXT}, headers={"Idempotency-Key": "k1"})
    response = api.post("/v1/jobs", json={"text": TEXT + " আরও"}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["field"] == "Idempotency-Key"


def test_a_submit_that_died_after_claiming_its_key_is_finished_by_the_retry(
    api: TestClient, store: JobStore, settings: Settings, resources: Resources
) -> None:
    body = {"text": TEXT}
    first = api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "crashy"}).json()
    # As if the first request had died after its claim and before storing anything else.
    for key in store.list_keys(f"tenants/local/jobs/{first['id']}/"):
        store._s3.delete_object(Bucket=store.bucket, Key=key)
    retry = api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "crashy"})
    assert retry.status_code == 202
    assert retry.json()["id"] == first["id"]
    assert store.get_text(LOCAL_TENANT, first["id"]) == TEXT
    assert queue_messages(settings, resources.queue_url) == 1  # SQS deduplicated the second send


def test_a_job_that_always_fails_reaches_the_dlq_marked_and_redrive_brings_it_back(
    api: TestClient,
    store: JobStore,
    queue: JobQueue,
    settings: Settings,
    resources: Resources,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ffmpeg crashes on every call (a broken host, a bad codec build): a transient failure every time.
    crashing = tmp_path / "bin"
    crashing.mkdir()
    (crashing / "ffmpeg").write_text("#!/bin/sh\necho 'ffmpeg: simulated crash' >&2\nexit 1\n")
    (crashing / "ffmpeg").chmod(0o755)
    monkeypatch.setenv("PATH", f"{crashing}:{os.environ['PATH']}")
    config = settings.model_copy(update={"queue_url": resources.queue_url})
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    consumer = build_consumer(config)
    counters = consumer.run(burst=True)
    assert (counters["retried"], counters["dead_lettered"]) == (2, 1)  # exactly maxReceiveCount receives
    assert queue_messages(settings, resources.dlq_url) == 1
    record = store.get_record(LOCAL_TENANT, job_id)
    assert record is not None
    assert record.status is JobState.FAILED
    assert record.error is not None
    assert record.error.code == "dead_lettered"
    assert "ffmpeg" in record.error.message
    assert record.error.message.startswith(f"gave up after {record.attempts} attempts")

    dead = DeadLetters(store, queue, JobQueue(sqs_client(settings), resources.dlq_url))
    assert [x.job_id for x in dead.listing()] == [job_id]
    assert dead.redrive() == [job_id]
    assert queue_messages(settings, resources.dlq_url) == 0
    assert queue_messages(settings, resources.queue_url) == 1
    redriven = store.get_record(LOCAL_TENANT, job_id)
    assert redriven is not None
    assert (redriven.status, redriven.error) == (JobState.QUEUED, None)


def test_a_voice_espeak_does_not_have_fails_its_job_at_once(
    store: JobStore, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    voices = tmp_path / "voices.json"
    broken = {"id": "bn-broken", "engine": "espeak", "language": "bn", "sample_rate": 22050}
    voices.write_text(json.dumps({"voices": [{**broken, "params": {"espeak_voice": "qqq"}}]}))
    config = settings.model_copy(update={"queue_url": resources.queue_url, "voices_file": voices})
    with TestClient(create_app(config), headers=AUTH) as client:
        job_id = client.post("/v1/jobs", json={"text": TEXT, "voice": "bn-broken"}).json()["id"]
    counters = build_consumer(config).run(burst=True)
    assert (counters["failed"], counters["retried"]) == (1, 0)  # a catalog mistake no retry can mend
    record = store.get_record(LOCAL_TENANT, job_id)
    assert record is not None
    assert record.error is not None
    assert (record.status, record.error.code, record.error.retryable) == (
        JobState.FAILED,
        "model_load_failed",
        False,
    )
    assert "qqq" in record.error.message


def _killed_on_every_attempt(api: TestClient, store: JobStore, queue: JobQueue, settings: Settings) -> str:
    """A job whose worker was killed on every delivery, the last included: now in the dead-letter queue,
    its record still running."""
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    record = store.get_record(LOCAL_TENANT, job_id)
    assert record is not None
    store.put_record(record.touch(status=JobState.RUNNING, attempts=3))  # and then the process vanished
    # Receives that never settle, as when a worker is killed each time; the next one goes to the DLQ.
    for _ in range(settings.max_receive_count):
        (delivery,) = queue.receive(wait_seconds=1, visibility_seconds=10)
        queue.set_visibility(delivery, 0)
    assert queue.receive(wait_seconds=0, visibility_seconds=10) == []
    return str(job_id)


def test_a_job_whose_worker_died_on_its_last_attempt_is_marked_by_the_dlq_listing(
    api: TestClient, store: JobStore, queue: JobQueue, settings: Settings, resources: Resources
) -> None:
    job_id = _killed_on_every_attempt(api, store, queue, settings)
    dead = DeadLetters(store, queue, JobQueue(sqs_client(settings), resources.dlq_url))
    (letter,) = dead.listing()
    assert letter.record is not None
    assert letter.record.status is JobState.FAILED
    assert letter.record.error is not None
    assert "stopped without settling" in letter.record.error.message
    assert keys.job_record(LOCAL_TENANT, job_id) in store.list_keys(keys.job_prefix(LOCAL_TENANT, job_id))
    # The job has ended: it no longer counts against the tenant's active jobs, and its failure is counted.
    assert not store.list_keys(keys.active_prefix(LOCAL_TENANT))
    assert api.get("/v1/usage").json()["total"]["jobs_failed"] == 1


def test_an_idle_worker_settles_a_job_whose_worker_died_on_its_last_attempt(
    api: TestClient, store: JobStore, queue: JobQueue, settings: Settings, resources: Resources
) -> None:
    job_id = _killed_on_every_attempt(api, store, queue, settings)
    worker = build_consumer(
        settings.model_copy(update={"queue_url": resources.queue_url, "dlq_check_seconds": 0.01})
    )
    time.sleep(0.05)
    worker.run(burst=True)  # an idle worker, with no operator running `python -m worker.dlq list`
    failed = store.get_record(LOCAL_TENANT, job_id)
    assert failed is not None
    assert (failed.status, failed.settled) == (JobState.FAILED, True)
    assert failed.error is not None
    assert failed.error.message.startswith("gave up after 3 attempts")
    assert not store.list_keys(keys.active_prefix(LOCAL_TENANT))
    assert queue_messages(settings, resources.dlq_url) == 1  # left for an operator to redrive


def test_a_worker_whose_heartbeats_are_lost_yields_the_job_to_the_next_and_it_completes_once(
    api: TestClient, settings: Settings, resources: Resources
) -> None:
    config = settings.model_copy(
        update={"queue_url": resources.queue_url, "visibility_timeout_seconds": 10, "heartbeat_seconds": 2}
    )
    text = "\n".join(corpus_chapter(n) for n in (1, 2, 3, 4) * 4)
    job_id = api.post("/v1/jobs", json={"text": text}).json()["id"]
    # The first worker saves progress only when planning and at the end, so the second worker's claim
    # cannot meet one of its writes halfway (that race ends with the second standing aside, also correct).
    first = build_consumer(config.model_copy(update={"progress_interval_seconds": 3600}))
    # Its heartbeats never reach SQS (a partition, a stalled thread): the message comes back after 10 s
    # while it still renders, and SQS hands it to another worker.
    first._queue.set_visibility = lambda delivery, seconds: None  # type: ignore[method-assign]
    thread = _run_in_background(first)
    deadline = time.monotonic() + 30
    while api.get(f"/v1/jobs/{job_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(10.5)  # the visibility timeout runs out
    assert first.busy, "the job ended too soon to test"
    second = build_consumer(config)
    counters = second.run(burst=True)
    thread.join(timeout=120)
    assert (first.counters["lost"], first.counters["completed"]) == (1, 0)
    assert counters["completed"] == 1
    job = api.get(f"/v1/jobs/{job_id}").json()
    assert (job["status"], job["attempts"]) == ("completed", 2)
