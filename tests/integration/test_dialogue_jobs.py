"""A script with two speakers end to end: API, queue, worker with two VITS models, S3, and the timings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from devstack.provision import Resources
from kontho import chunk_list, keys
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT
from tests.conftest import AUTH
from tests.tiny_vits import build_tiny_vits
from worker.__main__ import build_consumer

SCRIPT = "আজকের আলাপ শুরু।\nরহিম: আমি সকালে ভাত খাই।\nকরিম: আমি সকালে রুটি খাই।\nমনে রেখো: এটা গদ্য।"
SPEAKERS = {"রহিম": "bn-rahim", "করিম": "bn-karim"}
OPTIONS = {"format": "wav", "loudness": "off", "subtitles": True}


@pytest.fixture(scope="module")
def two_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dialogue-models")
    # Seeds whose untrained weights speak well above the silence threshold, each with a voice of its own.
    return build_tiny_vits(root / "rahim", seed=1), build_tiny_vits(root / "karim", seed=4)


@pytest.fixture
def worker_settings(
    settings: Settings, resources: Resources, two_models: tuple[Path, Path], tmp_path: Path
) -> Settings:
    voices = [
        {"id": "bn-rahim", "engine": "vits", "model": str(two_models[0]), "description": "রহিম"},
        {"id": "bn-karim", "engine": "vits", "model": str(two_models[1]), "description": "করিম"},
    ]
    catalog = tmp_path / "voices.yaml"
    catalog.write_text(yaml.safe_dump({"voices": voices}, allow_unicode=True))
    return settings.model_copy(
        update={"voices_file": catalog, "queue_url": resources.queue_url, "model_cache_dir": tmp_path / "c"}
    )


@pytest.fixture
def api(worker_settings: Settings) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app(worker_settings), headers=AUTH) as client:
        yield client


def _download(api: TestClient, job_id: str, kind: str, suffix: str = "") -> bytes:
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    if kind == "audio":
        return httpx.get(result["audio"]["url"]).content
    url = next(a["url"] for a in result["artifacts"] if a["kind"] == kind and a["format"] == suffix)
    return httpx.get(url).content


def _chunks(store: JobStore, job_id: str) -> dict[str, bytes]:
    digests = chunk_list.read(store, LOCAL_TENANT, job_id)
    return {d: store.get_bytes(keys.cached_chunk(LOCAL_TENANT, d)) or b"" for d in digests}


def test_two_speakers_read_their_turns_with_their_own_voices(
    api: TestClient, worker_settings: Settings, store: JobStore
) -> None:
    preview = api.post("/v1/text/preview", json={"text": SCRIPT, "speakers": SPEAKERS}).json()
    assert [(c["speaker"], c["voice"]) for c in preview["chunks"]] == [
        (None, "bn-espeak"),
        ("রহিম", "bn-rahim"),
        ("করিম", "bn-karim"),
        (None, "bn-espeak"),
    ]
    assert "রহিম" not in preview["chunks"][1]["text"]  # the label is not read

    dialogue = api.post("/v1/jobs", json={"text": SCRIPT, "speakers": SPEAKERS, **OPTIONS}).json()
    alone = {
        voice: api.post("/v1/jobs", json={"text": line, "voice": voice, **OPTIONS}).json()["id"]
        for voice, line in [("bn-rahim", "আমি সকালে ভাত খাই।"), ("bn-karim", "আমি সকালে রুটি খাই।")]
    }
    assert build_consumer(worker_settings).run(burst=True)["completed"] == 3

    entries = json.loads(_download(api, dialogue["id"], "marks", "json"))
    marks = [m for m in entries if m["type"] == "sentence"]
    assert [m.get("speaker") for m in marks] == [None, "রহিম", "করিম", None]
    vtt = _download(api, dialogue["id"], "subtitles", "vtt").decode()
    assert "<v রহিম>আমি সকালে ভাত খাই।" in vtt
    assert "<v করিম>আমি সকালে রুটি খাই।" in vtt

    # Each turn is exactly what its voice renders alone, and the two voices differ.
    in_dialogue = _chunks(store, dialogue["id"])
    rahim, karim = (_chunks(store, alone[v]) for v in ("bn-rahim", "bn-karim"))
    assert rahim.items() <= in_dialogue.items()
    assert karim.items() <= in_dialogue.items()
    assert next(iter(rahim.values())) != next(iter(karim.values()))
    assert all(len(body) > 10_000 for body in in_dialogue.values())  # every turn was heard, none trimmed away
    assert len(in_dialogue) == 4


def test_a_dialogue_resumed_from_its_checkpoints_is_the_same_audio(
    api: TestClient, worker_settings: Settings, store: JobStore
) -> None:
    first = api.post("/v1/jobs", json={"text": SCRIPT, "speakers": SPEAKERS, **OPTIONS}).json()["id"]
    assert build_consumer(worker_settings).run(burst=True)["completed"] == 1
    second = api.post("/v1/jobs", json={"text": SCRIPT, "speakers": SPEAKERS, **OPTIONS}).json()["id"]
    # What an interrupted attempt leaves: some chunks already stored, the rest to render.
    gone = sorted(_chunks(store, first))[2:]
    store.delete_keys(keys.cached_chunk(LOCAL_TENANT, d) for d in gone)
    assert build_consumer(worker_settings).run(burst=True)["completed"] == 1
    assert api.get(f"/v1/jobs/{second}").json()["progress"]["reused"] == 2
    assert _download(api, second, "audio") == _download(api, first, "audio")


def test_a_speaker_mapped_to_an_unknown_voice_is_refused_before_anything_is_stored(api: TestClient) -> None:
    response = api.post("/v1/jobs", json={"text": SCRIPT, "speakers": {"রহিম": "bn-nobody"}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "speakers"
    assert "রহিম" in error["message"]
    assert "bn-nobody" in error["message"]
    ssml = '<speak><voice name="bn-nobody">কথা।</voice></speak>'
    refused = api.post("/v1/jobs", json={"text": ssml})
    assert refused.status_code == 422
    assert "line 1" in refused.json()["error"]["message"]
    assert api.get("/v1/jobs").json()["jobs"] == []
