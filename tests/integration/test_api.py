"""The v1 API against a real moto server: what it stores, what it sends, what it refuses."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho import keys
from kontho.aws import sqs_client
from kontho.jobstore import JobStore
from kontho.schemas import JobState
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT
from kontho.text.unicode import normalize_unicode
from tests.conftest import AUTH

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে ২৫০টি পরিবার বাস করে।"


def test_submit_stores_text_and_record_then_queues_a_pointer(
    api: TestClient, store: JobStore, settings: Settings, resources: Resources
) -> None:
    response = api.post("/v1/jobs", json={"text": TEXT, "format": "flac", "title": "গ্রাম"})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued"
    assert job["format"] == "flac"
    assert job["voice"] == "bn-espeak"
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["progress"] == {
        "done": 0,
        "total": 0,
        "percent": 0.0,
        "reused": 0,
        "chapter": 0,
        "chapters": 0,
        "audio_seconds": 0.0,
        "eta_seconds": None,
    }

    assert store.get_text(LOCAL_TENANT, job["id"]) == TEXT
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert record.status is JobState.QUEUED
    assert record.text_chars == len(TEXT)

    sqs = sqs_client(settings)
    messages = sqs.receive_message(
        QueueUrl=resources.queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"],
    )["Messages"]
    assert len(messages) == 1
    assert json.loads(messages[0]["Body"]) == {"v": 1, "job_id": job["id"], "tenant": "local"}
    assert messages[0]["Attributes"]["MessageDeduplicationId"] == job["id"]
    # One of the tenant's lanes: the development tenant has the default concurrency, 4.
    assert messages[0]["Attributes"]["MessageGroupId"] in {f"local.{n}" for n in range(4)}


def test_status_reads_back_and_result_waits_for_completion(api: TestClient) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    status = api.get(f"/v1/jobs/{job_id}")
    assert status.status_code == 200
    body = status.json()
    assert body["id"] == job_id
    assert body["status"] == "queued"
    assert body["error"] is None
    assert body["links"] == {"self": f"/v1/jobs/{job_id}", "result": f"/v1/jobs/{job_id}/result"}

    result = api.get(f"/v1/jobs/{job_id}/result")
    assert result.status_code == 409
    assert result.json()["error"] == {
        "code": "not_ready",
        "status": "queued",
        "message": "job is queued; the result exists once it is completed",
    }


def test_two_jobs_use_separate_message_groups_so_workers_take_both_at_once(
    api: TestClient, settings: Settings, resources: Resources
) -> None:
    ids = {api.post("/v1/jobs", json={"text": TEXT}).json()["id"] for _ in range(2)}
    sqs = sqs_client(settings)
    received = []
    for _ in range(2):  # two workers, each receiving while the other's message is in flight
        received += sqs.receive_message(QueueUrl=resources.queue_url, WaitTimeSeconds=1).get("Messages", [])
    assert {json.loads(m["Body"])["job_id"] for m in received} == ids


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/v1/jobs/01m81hg1jqj7nk29mb7ghd018j", "job_not_found"),
        ("/v1/jobs/..%2F..%2Fetc%2Fpasswd", "not_found"),
        ("/v1/jobs/..%5C..%5Cboot.ini", "job_not_found"),
        ("/v1/jobs/" + "a" * 64, "job_not_found"),
        ("/v1/jobs/01m81hg1jqj7nk29mb7ghd018j/result", "job_not_found"),
    ],
)
def test_unknown_and_malformed_ids_are_404(api: TestClient, path: str, code: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == code


def test_overlong_id_is_refused_before_storage(api: TestClient) -> None:
    response = api.get("/v1/jobs/" + "a" * 500)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "job_id"


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"text": ""}, "text", "only whitespace"),
        ({"text": " \n\t "}, "text", "only whitespace"),
        ({}, "body", "give exactly one of text (inline) and upload"),
        (
            {"text": TEXT, "voice": "nobody"},
            "voice",
            "unknown voice 'nobody'; known voices: bn-coqui-female, bn-coqui-male, bn-espeak",
        ),
        ({"text": TEXT, "format": "aiff"}, "format", "'mp3', 'wav', 'flac', 'ogg' or 'm4b'"),
        ({"text": TEXT, "speed": 2}, "speed", "less than or equal to 1.3"),
        ({"text": TEXT, "pitch": 2}, "pitch", "Extra inputs are not permitted"),
        ({"text": 12}, "text", "valid string"),
        ({"text": TEXT, "title": "x" * 301}, "title", "at most 300 characters"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    api: TestClient, store: JobStore, body: dict[str, object], field: str, fragment: str
) -> None:
    response = api.post("/v1/jobs", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert fragment in error["message"]
    assert not store._s3.list_objects_v2(Bucket=store.bucket).get("Contents")  # nothing stored


def test_malformed_json_is_422(api: TestClient) -> None:
    response = api.post("/v1/jobs", content=b'{"text": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_text_over_the_limit_is_413_naming_the_limit(
    settings: Settings, resources: Resources, store: JobStore
) -> None:
    small = settings.model_copy(update={"max_text_chars": 50})
    with TestClient(create_app(small), headers=AUTH) as client:
        response = client.post("/v1/jobs", json={"text": "ক" * 51})
        assert response.status_code == 413
        assert response.json()["error"] == {
            "code": "text_too_long",
            "field": "text",
            "message": "text has 51 characters; the limit is 50",
        }
        huge = client.post("/v1/jobs", content=b"x" * 1_000_000, headers={"content-type": "application/json"})
        assert huge.status_code == 413
        assert huge.json()["error"]["code"] == "body_too_large"
        assert client.post("/v1/jobs", json={"text": "ক" * 50}).status_code == 202
    stored = [o["Key"] for o in store._s3.list_objects_v2(Bucket=store.bucket)["Contents"]]
    assert len([k for k in stored if "/jobs/" in k]) == 2  # only the accepted job: text and record


def test_job_record_holds_no_text(api: TestClient, store: JobStore) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    raw = store._s3.get_object(Bucket=store.bucket, Key=keys.job_record(LOCAL_TENANT, job_id))["Body"].read()
    assert TEXT.encode() not in raw


def test_health_readiness_voices_and_openapi(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok", "checks": {}}
    assert api.get("/readyz").json() == {"status": "ready", "checks": {"s3": "ok", "sqs": "ok"}}
    voices = {v["id"]: v for v in api.get("/v1/voices").json()}
    assert voices["bn-espeak"] == {
        "id": "bn-espeak",
        "engine": "espeak",
        "language": "bn",
        "sample_rate": 22050,
        "default": True,
        "description": voices["bn-espeak"]["description"],
        "model": None,
        "speaker": None,
        "reads_phonemes": False,
        "speed": 1.0,
        "cloned": False,
        "base_voice": None,
        "name": None,
        "created_at": None,
        "clips": None,
    }
    assert sorted(voices) == ["bn-coqui-female", "bn-coqui-male", "bn-espeak"]
    assert voices["bn-coqui-female"]["model"] == "tts_models/bn/custom/vits-female"  # a public zoo name
    assert [voices[v]["engine"] for v in ("bn-coqui-female", "bn-coqui-male")] == ["vits", "vits"]
    assert not voices["bn-coqui-female"]["default"]
    spec = api.get("/openapi.json").json()
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/result", "/healthz", "/readyz"} <= set(
        spec["paths"]
    )


def test_readyz_is_503_when_aws_is_unreachable(settings: Settings) -> None:
    dead = settings.model_copy(
        update={"aws_endpoint_url": "http://127.0.0.1:9", "queue_url": "http://127.0.0.1:9/q"}
    )
    with TestClient(create_app(dead), headers=AUTH) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["status"] == "not_ready"
        submit = client.post("/v1/jobs", json={"text": TEXT})
        assert submit.status_code == 503
        assert submit.headers["retry-after"] == "5"
        assert submit.json()["error"]["code"] == "storage_unavailable"


def test_preview_shows_the_text_as_the_voice_will_read_it(api: TestClient) -> None:
    response = api.post(
        "/v1/text/preview", json={"text": "ডা. রহিম ১৯৭১ সালে ৳৫০০ পেলেন।\nতারপর ১০:৩০টায় বাড়ি ফিরলেন 🙂।"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["voice"] == "bn-espeak"
    assert [c["text"] for c in body["chunks"]] == [
        normalize_unicode("ডাক্তার রহিম উনিশশো একাত্তর সালে পাঁচশত টাকা পেলেন।"),
        normalize_unicode("তারপর দশটা ত্রিশ মিনিটে বাড়ি ফিরলেন ।"),
    ]
    assert [c["boundary"] for c in body["chunks"]] == ["paragraph", "end"]
    assert body["warnings"] == [
        {
            "kind": "unsupported_characters",
            "count": 1,
            "examples": ["🙂"],
            "message": "1 character the voice cannot read was left out: '🙂' (U+1F642) ×1",
        }
    ]
    assert body["spoken_characters"] == sum(len(c["text"]) for c in body["chunks"])
    assert 3 < body["estimated_seconds"] < 15


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": "নদী।", "voice": "nobody"}, 422, "voice"),
        ({"text": ""}, 422, "text"),
        ({"text": "ক" * 100_001}, 422, "text"),
        ({"text": "নদী।", "extra": 1}, 422, "extra"),
    ],
)
def test_preview_refuses_bad_input(api: TestClient, body: dict[str, object], status: int, field: str) -> None:
    response = api.post("/v1/text/preview", json=body)
    assert response.status_code == status
    assert response.json()["error"]["field"] == field


def test_too_many_chapters_is_413_naming_the_limit(settings: Settings, resources: Resources) -> None:
    with TestClient(create_app(settings.model_copy(update={"max_chapters": 2})), headers=AUTH) as client:
        book = "\n".join(f"# অধ্যায় {n}\nকথা।" for n in range(3))
        response = client.post("/v1/jobs", json={"text": book, "text_format": "markdown"})
        assert response.status_code == 413
        assert response.json()["error"]["message"] == "text has 3 chapters; the limit is 2"
        assert client.post("/v1/jobs", json={"text": book}).status_code == 202  # plain text: no # headings
