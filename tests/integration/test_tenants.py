"""API keys and tenants: every /v1 route needs a key, and a tenant sees only its own jobs and uploads."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import key_hash

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।"
KEYS = {"prothom": "key-of-prothom", "anyaprokash": "key-of-anyaprokash"}


@pytest.fixture
def two_tenants(settings: Settings, resources: Resources, tmp_path: Path) -> Iterator[dict[str, TestClient]]:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(
        json.dumps({"tenants": [{"id": t, "key_sha256": [key_hash(k)]} for t, k in KEYS.items()]})
    )
    app = create_app(settings.model_copy(update={"api_keys_file": str(keys_file)}))
    with TestClient(app) as anonymous:
        yield {
            "none": anonymous,
            **{t: TestClient(app, headers={"Authorization": f"Bearer {k}"}) for t, k in KEYS.items()},
        }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/jobs"),
        ("GET", "/v1/jobs"),
        ("GET", "/v1/usage"),
        ("GET", "/v1/jobs/01m820y5sm9w2j82bfx59v7fdr"),
        ("GET", "/v1/jobs/01m820y5sm9w2j82bfx59v7fdr/result"),
        ("DELETE", "/v1/jobs/01m820y5sm9w2j82bfx59v7fdr"),
        ("POST", "/v1/jobs/01m820y5sm9w2j82bfx59v7fdr/cancel"),
        ("POST", "/v1/uploads"),
        ("GET", "/v1/uploads/01m820y5sm9w2j82bfx59v7fdr"),
        ("GET", "/v1/voices"),
        ("POST", "/v1/text/preview"),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic a2V5", "Bearer "])
def test_every_v1_route_is_401_without_a_valid_key(
    two_tenants: dict[str, TestClient], method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = two_tenants["none"].request(method, path, headers=headers, json={"text": TEXT})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


def test_health_and_metrics_need_no_key(two_tenants: dict[str, TestClient]) -> None:
    assert two_tenants["none"].get("/healthz").status_code == 200
    assert two_tenants["none"].get("/metrics").status_code == 200


def test_a_tenant_sees_only_its_own_jobs_and_uploads(
    two_tenants: dict[str, TestClient], store: JobStore
) -> None:
    mine, theirs = two_tenants["prothom"], two_tenants["anyaprokash"]
    job_id = mine.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    record = store.get_record("prothom", job_id)
    assert record is not None
    assert record.tenant == "prothom"
    assert store.get_record("anyaprokash", job_id) is None  # its objects live under its tenant only
    assert mine.get(f"/v1/jobs/{job_id}").status_code == 200
    for method, path in [
        ("GET", f"/v1/jobs/{job_id}"),
        ("GET", f"/v1/jobs/{job_id}/result"),
        ("DELETE", f"/v1/jobs/{job_id}"),
        ("POST", f"/v1/jobs/{job_id}/cancel"),
    ]:
        response = theirs.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "job_not_found"
    assert mine.get(f"/v1/jobs/{job_id}").json()["status"] == "queued"  # the other's DELETE did nothing

    upload_id = mine.post("/v1/uploads", json={"content_type": "text/plain", "bytes": 10}).json()["id"]
    assert theirs.get(f"/v1/uploads/{upload_id}").status_code == 404
    refused = theirs.post("/v1/jobs", json={"upload": upload_id})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "unknown_upload"


def test_idempotency_keys_are_per_tenant(two_tenants: dict[str, TestClient]) -> None:
    key = {"Idempotency-Key": "same-key"}
    a = two_tenants["prothom"].post("/v1/jobs", json={"text": TEXT}, headers=key).json()
    b = two_tenants["anyaprokash"].post("/v1/jobs", json={"text": TEXT}, headers=key).json()
    assert a["id"] != b["id"]


def test_keys_are_stored_hashed_and_never_logged(
    two_tenants: dict[str, TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    two_tenants["prothom"].post("/v1/jobs", json={"text": TEXT})
    two_tenants["none"].get("/v1/voices", headers={"Authorization": "Bearer a-guessed-key"})
    out = capsys.readouterr()
    for key in [*KEYS.values(), "a-guessed-key"]:
        assert key not in out.out + out.err
    assert "tenant=prothom" in out.out + out.err


def test_cors_allows_only_the_listed_origins(settings: Settings, resources: Resources) -> None:
    allowed = "https://studio.example.com"
    app = create_app(settings.model_copy(update={"cors_origins": [allowed]}))
    with TestClient(app) as client:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        }
        ok = client.options("/v1/jobs", headers={"Origin": allowed, **preflight})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == allowed
        other = client.options("/v1/jobs", headers={"Origin": "https://evil.example.com", **preflight})
        assert "access-control-allow-origin" not in other.headers


def test_a_private_voice_is_seen_and_used_only_by_its_tenant(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    voices_file = tmp_path / "voices.yaml"
    voices_file.write_text(
        "voices:\n"
        "  - {id: prothom-narrator, engine: espeak, tenants: [prothom], description: the house narrator}\n"
    )
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(
        json.dumps({"tenants": [{"id": t, "key_sha256": [key_hash(k)]} for t, k in KEYS.items()]})
    )
    app = create_app(
        settings.model_copy(update={"api_keys_file": str(keys_file), "voices_file": voices_file})
    )
    mine = TestClient(app, headers={"Authorization": f"Bearer {KEYS['prothom']}"})
    theirs = TestClient(app, headers={"Authorization": f"Bearer {KEYS['anyaprokash']}"})
    assert "prothom-narrator" in {v["id"] for v in mine.get("/v1/voices").json()}
    assert "prothom-narrator" not in {v["id"] for v in theirs.get("/v1/voices").json()}
    assert mine.post("/v1/jobs", json={"text": TEXT, "voice": "prothom-narrator"}).status_code == 202
    for path, body in [
        ("/v1/jobs", {"text": TEXT, "voice": "prothom-narrator"}),
        ("/v1/text/preview", {"text": TEXT, "voice": "prothom-narrator"}),
    ]:
        refused = theirs.post(path, json=body)
        assert refused.status_code == 422, path
        assert refused.json()["error"]["code"] == "unknown_voice"
        known = "known voices: bn-coqui-female, bn-coqui-male, bn-espeak"
        assert refused.json()["error"]["message"].endswith(known)


def test_a_key_added_to_the_file_works_without_a_restart_and_a_broken_file_changes_nothing(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.json"

    def write(tenants: dict[str, str]) -> None:
        keys_file.write_text(
            json.dumps({"tenants": [{"id": t, "key_sha256": [key_hash(k)]} for t, k in tenants.items()]})
        )

    write({"prothom": KEYS["prothom"]})
    app = create_app(
        settings.model_copy(update={"api_keys_file": str(keys_file), "api_keys_reload_seconds": 0.2})
    )
    newcomer = TestClient(app, headers={"Authorization": f"Bearer {KEYS['anyaprokash']}"})
    assert newcomer.get("/v1/voices").status_code == 401
    write(KEYS)
    time.sleep(0.3)
    assert newcomer.get("/v1/voices").status_code == 200
    keys_file.write_text("tenants: [this is not valid")
    time.sleep(0.3)
    assert newcomer.get("/v1/voices").status_code == 200  # the last good file still holds
    write({"prothom": KEYS["prothom"]})  # revoked
    time.sleep(0.3)
    assert newcomer.get("/v1/voices").status_code == 401
