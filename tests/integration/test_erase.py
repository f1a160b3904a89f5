"""DELETE /v1/jobs/{id} erases a job: record, text, audio, chunks, listing entry and idempotency claim.
The tenant's usage totals stay. A queued job's message is dropped by the worker that receives it; a
running job stops at its next chunk and leaves nothing behind."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from devstack.provision import Resources
from kontho import keys
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT
from tests.conftest import corpus_chapter, queue_messages
from worker.consumer import Consumer

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে এক কৃষক থাকতেন।"


def _everything_of(store: JobStore, job_id: str) -> set[str]:
    found = store.list_keys(keys.job_prefix(LOCAL_TENANT, job_id))
    found |= {
        k for k in store.list_keys(keys.index_prefix(LOCAL_TENANT)) if keys.job_id_from_index(k) == job_id
    }
    found |= {k for k in store.list_keys(keys.active_prefix(LOCAL_TENANT)) if job_id in k}
    return found


def test_deleting_a_finished_job_erases_it_and_keeps_usage(
    api: TestClient, consumer: Consumer, store: JobStore
) -> None:
    job_id = api.post(
        "/v1/jobs", json={"text": TEXT, "subtitles": True}, headers={"Idempotency-Key": "book-1"}
    ).json()["id"]
    assert consumer.run(burst=True)["completed"] == 1
    assert len(_everything_of(store, job_id)) >= 6  # record, text, audio, chunk, timings, index entry
    usage_before = api.get("/v1/usage").json()["total"]

    response = api.delete(f"/v1/jobs/{job_id}")
    assert (response.status_code, response.content) == (204, b"")
    assert _everything_of(store, job_id) == set()
    assert not store.list_keys(f"idempotency/{LOCAL_TENANT}/")
    gone = api.get(f"/v1/jobs/{job_id}")
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "job_not_found")
    assert api.get(f"/v1/jobs/{job_id}/result").status_code == 404
    assert job_id not in [j["id"] for j in api.get("/v1/jobs").json()["jobs"]]
    assert api.delete(f"/v1/jobs/{job_id}").status_code == 404
    assert api.get("/v1/usage").json()["total"] == usage_before
    # The key is free again: the same request makes a new job, not the erased one back.
    again = api.post(
        "/v1/jobs", json={"text": TEXT, "subtitles": True}, headers={"Idempotency-Key": "book-1"}
    )
    assert again.status_code == 202
    assert again.json()["id"] != job_id


def test_deleting_a_queued_job_erases_it_and_its_message_is_dropped(
    api: TestClient, consumer: Consumer, store: JobStore, settings: Settings, resources: Resources
) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    assert api.delete(f"/v1/jobs/{job_id}").status_code == 204
    counters = consumer.run(burst=True)
    assert (counters["dropped"], counters["completed"]) == (1, 0)
    assert _everything_of(store, job_id) == set()
    assert queue_messages(settings, resources.queue_url) == 0


def test_deleting_a_running_job_stops_it_and_leaves_nothing(
    api: TestClient, consumer: Consumer, store: JobStore, settings: Settings, resources: Resources
) -> None:
    text = "\n".join(corpus_chapter(n) for n in (1, 2))
    job_id = api.post("/v1/jobs", json={"text": text}).json()["id"]
    thread = threading.Thread(target=consumer.run, kwargs={"burst": True}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while api.get(f"/v1/jobs/{job_id}").json()["progress"]["done"] < 3:
        assert time.monotonic() < deadline, "the job never got going"
        time.sleep(0.01)
    assert api.delete(f"/v1/jobs/{job_id}").status_code == 204
    assert api.get(f"/v1/jobs/{job_id}").status_code == 404
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert consumer.counters["lost"] == 1
    assert consumer.counters["completed"] == 0
    assert _everything_of(store, job_id) == set()  # not even the chunks it saved after the erase
    assert queue_messages(settings, resources.queue_url) == 0
