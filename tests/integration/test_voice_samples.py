"""Voice samples (POST /v1/voices/{voice_id}/sample): rendered by the worker like any job, in a lane of
their own that the tenant's queued jobs do not block, limited apart from jobs, and private voices kept
private."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.samples import DEFAULT_SAMPLE_TEXT, MAX_SAMPLE_CHARS
from devstack.provision import Resources
from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.keys import SAMPLE_LANES_FROM
from kontho.settings import Settings
from kontho.usage import UsageLedger, today
from tests.conftest import AUTH
from tests.ffprobe import duration
from tests.integration.tenant_keys import auth, write_keys_file
from worker.consumer import Consumer

BOOK = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে অনেক মানুষ বাস করে।"
SAMPLE = "/v1/voices/bn-espeak/sample"


def _tenants(settings: Settings, tmp_path: Path, tenants: dict[str, dict[str, Any]], **more: Any) -> Settings:
    keys_file = write_keys_file(tmp_path / "keys.json", tenants)
    return settings.model_copy(update={"api_keys_file": str(keys_file), **more})


def test_a_sample_renders_through_the_worker_and_is_a_short_audio_file(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    book = api.post("/v1/jobs", json={"text": BOOK}).json()
    created = api.post(SAMPLE)
    assert created.status_code == 202
    sample = created.json()
    assert created.headers["Location"] == f"/v1/jobs/{sample['id']}"
    assert (sample["purpose"], sample["voice"], sample["format"]) == ("sample", "bn-espeak", "mp3")
    assert sample["text_chars"] == len(DEFAULT_SAMPLE_TEXT)
    assert book["purpose"] == "programme"

    assert consumer.run(burst=True)["completed"] == 2
    assert api.get(f"/v1/jobs/{sample['id']}").json()["status"] == "completed"
    audio = api.get(f"/v1/jobs/{sample['id']}/result").json()["audio"]
    path = tmp_path / "sample.mp3"
    path.write_bytes(httpx.get(audio["url"]).content)
    seconds = duration(path)  # ffprobe decodes it: a real MP3
    assert 2.0 < seconds < 20.0
    assert audio["duration_seconds"] == pytest.approx(seconds, abs=0.2)
    assert audio["bytes"] < 400_000

    samples = api.get("/v1/jobs", params={"purpose": "sample"}).json()["jobs"]
    programmes = api.get("/v1/jobs", params={"purpose": "programme"}).json()["jobs"]
    assert [j["id"] for j in samples] == [sample["id"]]
    assert [j["id"] for j in programmes] == [book["id"]]


def test_a_sample_does_not_wait_behind_the_tenants_queued_jobs(
    settings: Settings, resources: Resources, queue: JobQueue, tmp_path: Path
) -> None:
    app = create_app(_tenants(settings, tmp_path, {"prokash": {"concurrency": 2, "max_active_jobs": 10}}))
    with TestClient(app, headers=auth("prokash")) as client:
        books = [client.post("/v1/jobs", json={"text": f"{BOOK} {n}"}).json()["id"] for n in range(5)]
        # Two workers take the head of each of the tenant's two lanes and are busy with them.
        taken = [queue.receive(0, 300)[0] for _ in range(2)]
        assert {d.group_id for d in taken} == {"prokash.0", "prokash.1"}
        assert queue.receive(0, 300) == []  # the three other books wait behind those two
        sample = client.post(SAMPLE, json={"text": "একটি ছোট নমুনা।"}).json()

    # The next worker to ask gets the sample: it waits behind none of the tenant's queued books.
    (delivery,) = queue.receive(0, 300)
    assert sample["id"] in delivery.body
    assert delivery.group_id == f"prokash.{SAMPLE_LANES_FROM}"
    assert not any(book in delivery.body for book in books)


def test_samples_are_limited_apart_from_jobs_and_counted_in_the_day(
    settings: Settings, resources: Resources, store: JobStore, tmp_path: Path
) -> None:
    app = create_app(_tenants(settings, tmp_path, {"prokash": {"max_active_jobs": 1}}))
    with TestClient(app, headers=auth("prokash")) as client:
        assert client.post("/v1/jobs", json={"text": BOOK}).status_code == 202
        assert client.post("/v1/jobs", json={"text": BOOK}).status_code == 429
        # The tenant's jobs at once are used up; samples are counted apart, two at once.
        first = client.post(SAMPLE, json={"text": "প্রথম নমুনা।"})
        second = client.post(SAMPLE, json={"text": "দ্বিতীয় নমুনা।", "format": "wav"})
        assert (first.status_code, second.status_code) == (202, 202)
        refused = client.post(SAMPLE, json={"text": "তৃতীয় নমুনা।"})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        error = refused.json()["error"]
        assert error["code"] == "too_many_samples"
        assert "limit is 2" in error["message"]
        # Asking again for a sample already being made is no new sample: it is that one.
        again = client.post(SAMPLE, json={"text": "প্রথম নমুনা।"})
        assert (again.status_code, again.json()["id"]) == (202, first.json()["id"])
        assert again.headers["Sample-Reused"] == "true"
        # One ends: its place is free.
        assert client.post(f"/v1/jobs/{first.json()['id']}/cancel").status_code == 200
        assert client.post(SAMPLE, json={"text": "তৃতীয় নমুনা।"}).status_code == 202

    day = UsageLedger(store).day("prokash", today())
    characters = len(BOOK) + len("প্রথম নমুনা।") + len("দ্বিতীয় নমুনা।") + len("তৃতীয় নমুনা।")
    assert (day.jobs_submitted, day.characters) == (4, characters)


def test_the_daily_character_limit_holds_for_samples(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    app = create_app(_tenants(settings, tmp_path, {"prokash": {"max_chars_per_day": 60}}))
    with TestClient(app, headers=auth("prokash")) as client:
        refused = client.post(SAMPLE)  # the default sentence is longer than the day allows
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "daily_characters_exceeded"
        assert client.post(SAMPLE, json={"text": "ছোট।"}).status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "ক" * (MAX_SAMPLE_CHARS + 1)}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "?!…"}, "text"),
        ({"text": "কথা\x00"}, "text"),
        ({"format": "m4b"}, "format"),
        ({"speed": 3}, "speed"),
        ({"voice": "bn-espeak"}, "voice"),
    ],
)
def test_a_bad_sample_request_is_refused_naming_the_field(
    api: TestClient, store: JobStore, body: dict[str, Any], field: str
) -> None:
    response = api.post(SAMPLE, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert not store.list_keys("tenants/local/jobs/")


def test_a_long_text_names_the_limit(api: TestClient) -> None:
    error = api.post(SAMPLE, json={"text": "ক" * (MAX_SAMPLE_CHARS + 1)}).json()["error"]
    assert str(MAX_SAMPLE_CHARS) in error["message"]


def test_another_tenant_cannot_sample_a_private_voice(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text(
        "voices:\n  - id: bn-cloned\n    engine: espeak\n    tenants: [prokash]\n    description: private\n"
    )
    app = create_app(_tenants(settings, tmp_path, {"prokash": {}, "other": {}}, voices_file=voices))
    with TestClient(app) as client:
        other = client.post("/v1/voices/bn-cloned/sample", headers=auth("other"))
        unknown = client.post("/v1/voices/bn-nowhere/sample", headers=auth("other"))
        for refused in (other, unknown):
            assert refused.status_code == 404
            assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
                "voice_not_found",
                "voice_id",
            )
        assert "bn-cloned" not in unknown.json()["error"]["message"]
        owner = client.post("/v1/voices/bn-cloned/sample", headers=auth("prokash"))
        assert owner.status_code == 202
        assert owner.json()["voice"] == "bn-cloned"
        # The owner's sample is not handed to another tenant who asks the same of a shared voice either.
        mine = client.post(SAMPLE, headers=auth("prokash")).json()
        theirs = client.post(SAMPLE, headers=auth("other")).json()
        assert mine["id"] != theirs["id"]
        assert client.get(f"/v1/jobs/{mine['id']}", headers=auth("other")).status_code == 404


def test_the_same_sample_asked_again_is_the_sample_already_made(
    api: TestClient, consumer: Consumer, settings: Settings, resources: Resources
) -> None:
    first = api.post(SAMPLE, json={"format": "ogg"})
    assert "Sample-Reused" not in first.headers
    assert consumer.run(burst=True)["completed"] == 1
    again = api.post(SAMPLE, json={"format": "ogg"})
    assert again.headers["Sample-Reused"] == "true"
    assert (again.json()["id"], again.json()["status"]) == (first.json()["id"], "completed")
    # Anything else asked for is another sample.
    faster = api.post(SAMPLE, json={"format": "ogg", "speed": 1.2}).json()
    assert faster["id"] != first.json()["id"]
    assert faster["speed"] == 1.2
    no_reuse = settings.model_copy(update={"sample_reuse_seconds": 0})
    with TestClient(create_app(no_reuse), headers=AUTH) as fresh:
        again_anyway = fresh.post(SAMPLE, json={"format": "ogg"}).json()
    assert again_anyway["id"] != first.json()["id"]


def test_a_browser_can_read_whether_a_sample_was_reused(settings: Settings, resources: Resources) -> None:
    origin = "https://studio.example.com"
    app = create_app(settings.model_copy(update={"cors_origins": [origin]}))
    with TestClient(app, headers={**AUTH, "Origin": origin}) as client:
        client.post(SAMPLE)
        again = client.post(SAMPLE)
    assert again.headers["Sample-Reused"] == "true"
    assert "sample-reused" in again.headers["Access-Control-Expose-Headers"].lower()
