"""Per-tenant limits: active jobs, characters per day, requests per minute; each a 429 with Retry-After,
and a refused submit stores nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.jobstore import JobStore
from kontho.schemas import JobState
from kontho.settings import Settings
from tests.integration.tenant_keys import auth, write_keys_file

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।"


def _client(settings: Settings, tmp_path: Path, tenant: str, **limits: int) -> TestClient:
    keys_file = write_keys_file(tmp_path / "keys.json", {tenant: limits, "other": {}})
    app = create_app(settings.model_copy(update={"api_keys_file": str(keys_file)}))
    return TestClient(app, headers=auth(tenant))


def _stored_jobs(store: JobStore, tenant: str) -> int:
    return len([k for k in store.list_keys(f"tenants/{tenant}/jobs/") if k.endswith("/job.json")])


def test_active_jobs_over_the_limit_are_429_until_one_ends(
    settings: Settings, resources: Resources, store: JobStore, tmp_path: Path
) -> None:
    client = _client(settings, tmp_path, "prothom", max_active_jobs=2)
    first = client.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    assert client.post("/v1/jobs", json={"text": TEXT}).status_code == 202
    refused = client.post("/v1/jobs", json={"text": TEXT})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    error = refused.json()["error"]
    assert error["code"] == "too_many_active_jobs"
    assert "limit is 2" in error["message"]
    assert _stored_jobs(store, "prothom") == 2
    # Ending one frees its place.
    assert client.post(f"/v1/jobs/{first}/cancel").status_code == 200
    assert client.post("/v1/jobs", json={"text": TEXT}).status_code == 202


def test_a_stale_active_marker_is_swept_when_the_limit_is_reached(
    settings: Settings, resources: Resources, store: JobStore, tmp_path: Path
) -> None:
    client = _client(settings, tmp_path, "prothom", max_active_jobs=1)
    job_id = client.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    record = store.get_record("prothom", job_id)
    assert record is not None
    # The job ended but the process died before it removed its marker.
    store.put_record(record.touch(status=JobState.COMPLETED))
    assert client.post("/v1/jobs", json={"text": TEXT}).status_code == 202


def test_characters_per_day_over_the_limit_are_429_until_midnight(
    settings: Settings, resources: Resources, store: JobStore, tmp_path: Path
) -> None:
    client = _client(settings, tmp_path, "prothom", max_chars_per_day=len(TEXT) * 2)
    assert client.post("/v1/jobs", json={"text": TEXT}).status_code == 202
    assert client.post("/v1/jobs", json={"text": TEXT}).status_code == 202
    refused = client.post("/v1/jobs", json={"text": TEXT})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400
    assert refused.json()["error"]["code"] == "daily_characters_exceeded"
    assert refused.json()["error"]["field"] == "text"
    # The refused job's characters were not counted, and nothing of it was stored.
    assert client.get("/v1/usage").json()["total"]["characters"] == len(TEXT) * 2
    assert _stored_jobs(store, "prothom") == 2


def test_requests_per_minute_over_the_limit_are_429_for_that_tenant_only(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    client = _client(settings, tmp_path, "prothom", requests_per_minute=5)
    answers = [client.get("/v1/voices").status_code for _ in range(8)]
    assert answers[:5] == [200] * 5
    assert answers[5:] == [429] * 3
    refused = client.get("/v1/voices")
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 12  # one token comes back every 12 s
    other = TestClient(client.app, headers=auth("other"))
    assert other.get("/v1/voices").status_code == 200
