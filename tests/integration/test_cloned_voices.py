"""Cloned voices through the API over the moto server: made from uploaded WAV, MP3 and FLAC clips on an
xtts base voice, listed beside the shared voices, usable in jobs, dialogues, previews and samples by their
tenant only, refused clip by clip with the reason, and deleted with their clips."""

from __future__ import annotations

import io
import json
import re
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho import keys
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import key_hash
from tests.integration.tenant_keys import auth, key_of, write_keys_file
from tests.voice_clips import consent, encoded, speechlike, upload
from worker.__main__ import build_consumer

BASE = "bn-xtts-base"
TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে অনেক মানুষ বাস করে।"
OWNER, OTHER = "prokash", "onno"
REF = "s3://m/bn-xtts/narrator.wav"


@pytest.fixture
def cloning(settings: Settings, resources: Resources, tmp_path: Path) -> Settings:
    voices = {
        "voices": [
            {
                "id": BASE,
                "engine": "xtts",
                "model": "s3://m/bn-xtts/",
                "sample_rate": 24000,
                "references": [REF],
            },
            {
                "id": "bn-xtts-private",
                "engine": "xtts",
                "model": "s3://m/x/",
                "tenants": [OTHER],
                "references": [REF],
            },
        ]
    }
    (tmp_path / "voices.yaml").write_text(yaml.safe_dump(voices))
    keys_file = write_keys_file(tmp_path / "keys.json", {OWNER: {}, OTHER: {}})
    return settings.model_copy(
        update={
            "voices_file": tmp_path / "voices.yaml",
            "api_keys_file": str(keys_file),
            "max_cloned_voices": 3,
        }
    )


@pytest.fixture
def owner(cloning: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(cloning), headers=auth(OWNER)) as client:
        yield client


@pytest.fixture
def other(cloning: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(cloning), headers=auth(OTHER)) as client:
        yield client


def _create(client: TestClient, clips: list[str], **more: object) -> dict[str, object]:
    body = {"name": "Rina", "base_voice": BASE, "clips": clips, "consent": consent(), **more}
    created = client.post("/v1/voices", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _voice(client: TestClient) -> str:
    return str(_create(client, [upload(client, speechlike(5))])["id"])


def test_a_voice_is_cloned_from_wav_mp3_and_flac_clips(owner: TestClient, store: JobStore) -> None:
    wav = speechlike(8, seed=1)
    clips = [
        upload(owner, wav),
        upload(owner, encoded(speechlike(6, seed=2), "mp3"), "audio/mpeg"),
        upload(owner, encoded(speechlike(12, seed=3), "flac"), "audio/flac"),
    ]
    statement = "Rina Akter, the narrator, agreed by signed letter (ref. 2026-14) to have her voice cloned."
    created = owner.post(
        "/v1/voices",
        json={"name": "Rina", "description": "Warm narrator", "base_voice": BASE, "clips": clips,
              "consent": consent(statement)},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    voice = created.json()
    assert created.headers["Location"] == f"/v1/voices/{voice['id']}"
    assert voice["id"].startswith("cv-")
    assert (voice["cloned"], voice["base_voice"], voice["engine"], voice["name"]) == (
        True,
        BASE,
        "xtts",
        "Rina",
    )
    assert voice["description"] == "Warm narrator"
    assert [c["upload"] for c in voice["clips"]] == clips
    assert [round(c["seconds"]) for c in voice["clips"]] == [8, 6, 12]
    assert all(-40 < c["active_dbfs"] < 0 for c in voice["clips"])

    listed = owner.get("/v1/voices").json()
    assert [v["id"] for v in listed][-1] == voice["id"]
    assert not any(v["cloned"] for v in listed[:-1])
    assert owner.get(f"/v1/voices/{voice['id']}").json() == voice

    record = json.loads(store.get_bytes(keys.tenant_voice(OWNER, voice["id"])) or b"")
    assert record["consent"] == {"speaker_consented": True, "statement": statement}
    assert record["created_by"] == key_hash(key_of(OWNER))[:16]
    assert record["base_voice"] == BASE
    for n, clip in enumerate(record["clips"]):
        assert clip["key"] == keys.tenant_voice_clip(OWNER, voice["id"], n)
        with wave.open(io.BytesIO(store.get_bytes(clip["key"]) or b"")) as stored:
            assert (stored.getnchannels(), stored.getsampwidth(), stored.getframerate()) == (1, 2, 22050)


BAD_CLIPS = {
    "too short": (speechlike(2), "audio/wav", "is 2.0 s long"),
    "too long": (speechlike(31), "audio/wav", "longer than 30 s"),
    "silent": (speechlike(6, level=0.0), "audio/wav", "silent"),
    "too quiet": (speechlike(6, level=0.01), "audio/wav", "too quiet"),
    "clipped": (speechlike(6, level=20), "audio/wav", "clipped"),
    "corrupt": (b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 40, "audio/wav", "does not decode"),
    "an MP3 named FLAC": (encoded(speechlike(5), "mp3"), "audio/flac", "does not decode as FLAC"),
    "not audio": ("এটা একটা বই।".encode(), "text/plain", "is text/plain, not audio"),
}


@pytest.mark.parametrize("case", BAD_CLIPS)
def test_a_bad_clip_is_422_naming_the_clip_and_the_reason(
    owner: TestClient, store: JobStore, case: str
) -> None:
    data, content_type, reason = BAD_CLIPS[case]
    good, bad = upload(owner, speechlike(5)), upload(owner, data, content_type)
    refused = owner.post(
        "/v1/voices", json={"name": "Rina", "base_voice": BASE, "clips": [good, bad], "consent": consent()}
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["field"] == "clips.1"
    assert f"clips.1 (upload {bad!r})" in error["message"]
    assert reason in error["message"]
    assert not store.list_keys(keys.tenant_voices_prefix(OWNER))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": None}, "consent"),
        ({"consent": {"speaker_consented": False, "statement": "She said it was fine to do so."}},
         "consent.speaker_consented"),
        ({"consent": {"statement": "She said it was fine to do so."}}, "consent.speaker_consented"),
        ({"consent": {"speaker_consented": True}}, "consent.statement"),
        ({"base_voice": "bn-espeak"}, "base_voice"),
        ({"base_voice": "bn-xtts-private"}, "base_voice"),
        ({"clips": []}, "clips"),
        ({"clips": ["0" * 26]}, "clips.0"),
    ],
)  # fmt: skip
def test_a_request_without_consent_or_a_usable_base_is_422_naming_the_field(
    owner: TestClient, store: JobStore, change: dict[str, object], field: str
) -> None:
    body: dict[str, object] = {"name": "Rina", "base_voice": BASE, "clips": [upload(owner, speechlike(5))]}
    body.update({"consent": consent(), **change})
    refused = owner.post("/v1/voices", json={k: v for k, v in body.items() if v is not None})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field
    assert not store.list_keys(keys.tenant_voices_prefix(OWNER))


def test_the_tenant_uses_its_voice_everywhere_a_voice_is_named(owner: TestClient) -> None:
    voice = _voice(owner)
    job = owner.post("/v1/jobs", json={"text": TEXT, "voice": voice})
    assert job.status_code == 202, job.text
    assert job.json()["voice"] == voice
    dialogue = owner.post("/v1/jobs", json={"text": "রিনা: আমি সকালে ভাত খাই।", "speakers": {"রিনা": voice}})
    assert dialogue.status_code == 202, dialogue.text
    assert owner.post("/v1/text/preview", json={"text": TEXT, "voice": voice}).json()["voice"] == voice
    sample = owner.post(f"/v1/voices/{voice}/sample")
    assert sample.status_code == 202, sample.text


def test_another_tenant_can_neither_see_nor_use_it(
    owner: TestClient, other: TestClient, store: JobStore
) -> None:
    voice = _voice(owner)
    assert voice not in [v["id"] for v in other.get("/v1/voices").json()]
    assert other.get(f"/v1/voices/{voice}").json()["error"]["code"] == "voice_not_found"
    job = other.post("/v1/jobs", json={"text": TEXT, "voice": voice})
    assert (job.status_code, job.json()["error"]["field"]) == (422, "voice")
    assert voice not in job.json()["error"]["message"].split("known voices:")[1]
    dialogue = other.post("/v1/jobs", json={"text": "রিনা: আমি সকালে ভাত খাই।", "speakers": {"রিনা": voice}})
    assert (dialogue.status_code, dialogue.json()["error"]["field"]) == (422, "speakers")
    preview = other.post("/v1/text/preview", json={"text": TEXT, "voice": voice})
    assert preview.status_code == 422
    assert other.post(f"/v1/voices/{voice}/sample").status_code == 404
    assert other.delete(f"/v1/voices/{voice}").status_code == 404
    assert store.get_bytes(keys.tenant_voice(OWNER, voice)) is not None
    # The owner's uploads are not the other tenant's clips either.
    clip = upload(owner, speechlike(5))
    refused = other.post(
        "/v1/voices", json={"name": "X", "base_voice": BASE, "clips": [clip], "consent": consent()}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "unknown_upload")


def test_deleting_a_voice_removes_it_its_clips_and_their_uploads(owner: TestClient, store: JobStore) -> None:
    voice = _voice(owner)
    (clip,) = [c["upload"] for c in owner.get(f"/v1/voices/{voice}").json()["clips"]]
    assert store.list_keys(keys.tenant_voice_clips(OWNER, voice))
    assert owner.delete(f"/v1/voices/{voice}").status_code == 204
    assert not store.list_keys(keys.tenant_voices_prefix(OWNER))
    assert store.get_bytes(keys.upload_file(OWNER, clip)) is None
    assert owner.get(f"/v1/uploads/{clip}").status_code == 404
    assert owner.get(f"/v1/voices/{voice}").status_code == 404
    assert voice not in [v["id"] for v in owner.get("/v1/voices").json()]
    assert owner.delete(f"/v1/voices/{voice}").status_code == 404
    job = owner.post("/v1/jobs", json={"text": TEXT, "voice": voice})
    assert (job.status_code, job.json()["error"]["code"]) == (422, "unknown_voice")
    shared = owner.delete(f"/v1/voices/{BASE}")
    assert (shared.status_code, shared.json()["error"]["code"]) == (409, "voice_not_deletable")


def test_a_job_whose_voice_was_deleted_fails_and_is_not_retried(
    owner: TestClient, cloning: Settings, resources: Resources
) -> None:
    voice = _voice(owner)
    job_id = owner.post("/v1/jobs", json={"text": TEXT, "voice": voice}).json()["id"]
    assert owner.delete(f"/v1/voices/{voice}").status_code == 204
    consumer = build_consumer(cloning.model_copy(update={"queue_url": resources.queue_url}))
    assert consumer.run(burst=True)["failed"] == 1
    job = owner.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "failed"
    assert (job["error"]["code"], job["error"]["retryable"]) == ("voice_not_found", False)
    assert voice in job["error"]["message"]


def test_a_tenant_keeps_at_most_its_limit_of_voices(owner: TestClient) -> None:
    for _ in range(2):
        _voice(owner)
    last = {
        "name": "Third",
        "base_voice": BASE,
        "clips": [upload(owner, speechlike(5))],
        "consent": consent(),
    }
    made = owner.post("/v1/voices", json=last, headers={"Idempotency-Key": "third"})
    assert made.status_code == 201, made.text
    refused = owner.post(
        "/v1/voices",
        json={
            "name": "One more",
            "base_voice": BASE,
            "clips": [upload(owner, speechlike(5))],
            "consent": consent(),
        },
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "voice_limit_reached")
    # The request that made the last voice allowed, made again, is answered with that voice.
    again = owner.post("/v1/voices", json=last, headers={"Idempotency-Key": "third"})
    assert (again.status_code, again.json()["id"]) == (201, made.json()["id"])


def test_a_clip_is_no_text_and_has_its_own_size_limit(owner: TestClient, cloning: Settings) -> None:
    clip = upload(owner, speechlike(5))
    job = owner.post("/v1/jobs", json={"upload": clip})
    assert (job.status_code, job.json()["error"]["code"]) == (422, "upload_not_text")
    big = owner.post(
        "/v1/uploads", json={"content_type": "audio/flac", "bytes": cloning.max_voice_clip_bytes + 1}
    )
    assert (big.status_code, big.json()["error"]["field"]) == (413, "bytes")


def test_a_repeated_request_with_its_idempotency_key_returns_the_same_voice(owner: TestClient) -> None:
    body = {"name": "Rina", "base_voice": BASE, "clips": [upload(owner, speechlike(5))], "consent": consent()}
    first = owner.post("/v1/voices", json=body, headers={"Idempotency-Key": "rina-1"})
    again = owner.post("/v1/voices", json=body, headers={"Idempotency-Key": "rina-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert (again.headers["Idempotent-Replayed"], "Idempotent-Replayed" in first.headers) == ("true", False)
    assert len([v for v in owner.get("/v1/voices").json() if v["cloned"]]) == 1
    other = owner.post("/v1/voices", json={**body, "name": "Rina 2"}, headers={"Idempotency-Key": "rina-1"})
    assert (other.status_code, other.json()["error"]["code"]) == (422, "idempotency_key_reused")
    # The same key names a job of its own: a voice's claim and a job's are kept apart.
    job = owner.post("/v1/jobs", json={"text": TEXT}, headers={"Idempotency-Key": "rina-1"})
    assert job.status_code == 202, job.text
    # A deleted voice takes its claim (and its uploads) with it: the key is free for a new voice.
    assert owner.delete(f"/v1/voices/{first.json()['id']}").status_code == 204
    body["clips"] = [upload(owner, speechlike(5))]
    anew = owner.post("/v1/voices", json=body, headers={"Idempotency-Key": "rina-1"})
    assert anew.status_code == 201, anew.text
    assert anew.json()["id"] != first.json()["id"]


def test_the_schema_states_the_base_voices_and_lets_a_job_name_a_cloned_voice(
    cloning: Settings, tmp_path: Path
) -> None:
    # Only shared voices: then the schema names them (with a private one, ids stay a pattern).
    base = {"id": BASE, "engine": "xtts", "model": "s3://m/bn-xtts/", "references": [REF]}
    (tmp_path / "shared.yaml").write_text(yaml.safe_dump({"voices": [base]}))
    shared = cloning.model_copy(update={"voices_file": tmp_path / "shared.yaml"})
    with TestClient(create_app(shared), headers=auth(OWNER)) as api:
        schema = api.get("/openapi.json").json()["components"]["schemas"]
        with_voice = api.post("/v1/voices", json={
            "name": "Rina", "base_voice": BASE, "clips": [upload(api, speechlike(5))], "consent": consent()
        })  # fmt: skip
    assert schema["CreateVoiceRequest"]["properties"]["base_voice"]["enum"] == [BASE]
    (voice,) = [
        b for b in schema["CreateJobRequest"]["properties"]["voice"]["anyOf"] if b.get("type") == "string"
    ]
    assert "enum" not in voice
    pattern = re.compile(voice["pattern"])
    assert pattern.fullmatch("bn-espeak")
    assert pattern.fullmatch(BASE)
    assert pattern.fullmatch(with_voice.json()["id"])
    assert not pattern.fullmatch("bn-espeakx")
