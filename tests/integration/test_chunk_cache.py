"""The tenant's chunk cache over a real S3 protocol: a later job renders only what changed, and the
audio it reuses is the audio it would have rendered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho import chunk_list, keys
from kontho.jobstore import JobStore
from kontho.schemas import JobRecord
from kontho.settings import Settings
from kontho.usage import UsageLedger, today
from tests.integration.tenant_keys import auth, write_keys_file
from worker.__main__ import build_consumer
from worker.chunk_cache import ChunkCache

PARAGRAPHS = [
    "পদ্মার পাড়ে ছোট একটি গ্রাম।",
    "সেখানে আড়াইশো পরিবার বাস করে।",
    "সবাই নদীর সঙ্গে বাঁধা।",
    "বর্ষায় নদী ফুলে ওঠে।",
    "শীতে চর জেগে ওঠে।",
]
TEXT = "\n\n".join(PARAGRAPHS)
OPTIONS = {"format": "wav", "loudness": "off"}


@pytest.fixture
def tenant_settings(settings: Settings, resources: Resources, tmp_path: Path) -> Settings:
    keys_file = write_keys_file(tmp_path / "keys.json", {"alpha": {"chunk_cache_days": 7}, "beta": {}})
    return settings.model_copy(update={"api_keys_file": str(keys_file), "queue_url": resources.queue_url})


@pytest.fixture
def api(tenant_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(tenant_settings), headers=auth("alpha")) as client:
        yield client


def _render(api: TestClient, settings: Settings, text: str, **options: Any) -> dict[str, Any]:
    job_id = api.post("/v1/jobs", json={"text": text, **OPTIONS, **options}).json()["id"]
    assert build_consumer(settings).run(burst=True)["completed"] == 1
    job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "completed", job
    return job


def _audio(store: JobStore, job: dict[str, Any], tenant: str = "alpha") -> bytes:
    body = store.get_bytes(keys.job_audio(tenant, job["id"], "wav"))
    assert body is not None
    return body


def _result(store: JobStore, job: dict[str, Any], tenant: str = "alpha") -> Any:
    record = store.get_record(tenant, job["id"])
    assert record is not None
    assert record.result is not None
    return record.result


def test_the_same_text_again_is_read_from_the_cache_and_sounds_the_same(
    api: TestClient, tenant_settings: Settings, store: JobStore
) -> None:
    first = _render(api, tenant_settings, TEXT)
    second = _render(api, tenant_settings, TEXT)
    assert _audio(store, second) == _audio(store, first)
    done = _result(store, first)
    assert (done.chunks_total, done.chunks_rendered, done.chunks_reused) == (5, 5, 0)
    again = _result(store, second)
    assert (again.chunks_total, again.chunks_rendered, again.chunks_reused) == (5, 0, 5)
    # Billed: every character submitted, but only what was synthesized as synthesis.
    assert first["usage"]["characters_synthesized"] > 0
    assert second["usage"]["characters_synthesized"] == 0
    assert first["usage"]["synthesis_seconds"] > 0
    assert second["usage"]["synthesis_seconds"] == 0
    assert second["usage"]["characters"] == first["usage"]["characters"] == len(TEXT)
    day = UsageLedger(store).day("alpha", today())
    assert day.characters == 2 * len(TEXT)
    assert day.characters_synthesized == first["usage"]["characters_synthesized"]
    # The tenant's own days (7) name the lifecycle rule the chunks are tagged for.
    (digest, *_) = chunk_list.read(store, "alpha", first["id"])
    tags = store._s3.get_object_tagging(Bucket=store.bucket, Key=keys.cached_chunk("alpha", digest))
    assert {t["Key"]: t["Value"] for t in tags["TagSet"]} == {
        "kontho-kind": "chunk",
        "kontho-cache-days": "7",
    }


def test_one_edited_sentence_renders_one_chunk(
    api: TestClient, tenant_settings: Settings, store: JobStore
) -> None:
    first = _render(api, tenant_settings, TEXT)
    edited = TEXT.replace("সবাই নদীর সঙ্গে বাঁধা।", "সবাই নদীর সঙ্গে গভীরভাবে বাঁধা।")
    second = _render(api, tenant_settings, edited)
    result = _result(store, second)
    assert (result.chunks_rendered, result.chunks_reused) == (1, 4)
    assert second["usage"]["characters_synthesized"] == len("সবাই নদীর সঙ্গে গভীরভাবে বাঁধা।")
    fresh = _render(api, tenant_settings, edited, reuse=False)
    assert (_result(store, fresh).chunks_rendered, _result(store, fresh).chunks_reused) == (5, 0)
    assert _audio(store, fresh) == _audio(store, second)  # reused audio is what a fresh render gives
    assert _audio(store, first) != _audio(store, second)


def test_another_tenant_never_reads_the_cache(
    api: TestClient, tenant_settings: Settings, store: JobStore
) -> None:
    _render(api, tenant_settings, TEXT)
    with TestClient(create_app(tenant_settings), headers=auth("beta")) as beta:
        job = _render(beta, tenant_settings, TEXT)
    result = _result(store, job, "beta")
    assert (result.chunks_rendered, result.chunks_reused) == (5, 0)
    assert len(store.list_keys(keys.chunk_cache_prefix("beta"))) == 5


def test_a_chunk_gone_between_planning_and_assembly_is_rendered_again(
    api: TestClient, tenant_settings: Settings, store: JobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _render(api, tenant_settings, TEXT)
    looked_up = ChunkCache.look_up

    def expire_one(cache: ChunkCache, digests: list[str]) -> set[str]:
        found = looked_up(cache, digests)
        store.delete(keys.cached_chunk("alpha", digests[2]))  # as a lifecycle rule would, meanwhile
        return found

    monkeypatch.setattr(ChunkCache, "look_up", expire_one)
    second = _render(api, tenant_settings, TEXT)
    assert _audio(store, second) == _audio(store, first)
    assert (_result(store, second).chunks_rendered, _result(store, second).chunks_reused) == (1, 4)
    assert second["usage"]["characters_synthesized"] == len(PARAGRAPHS[2])


def test_a_reused_chunk_restarts_its_expiry_clock(
    api: TestClient, tenant_settings: Settings, store: JobStore
) -> None:
    job = _render(api, tenant_settings, TEXT)
    digest = chunk_list.read(store, "alpha", job["id"])[0]
    key = keys.cached_chunk("alpha", digest)
    written = store.last_modified(key)
    body = store.get_bytes(key)
    cache = ChunkCache(store, "alpha", 22_050, 14, refresh_after=timedelta(0))
    cache.look_up([digest])
    with cache:
        assert cache.load(digest) is not None
        cache.flush()
    refreshed = store.last_modified(key)
    assert written is not None
    assert refreshed is not None
    assert refreshed > written
    assert store.get_bytes(key) == body
    tags = store._s3.get_object_tagging(Bucket=store.bucket, Key=key)["TagSet"]
    assert {"Key": "kontho-cache-days", "Value": "14"} in tags


def test_erasing_a_job_erases_its_chunks_from_the_cache(
    api: TestClient, tenant_settings: Settings, store: JobStore
) -> None:
    job = _render(api, tenant_settings, TEXT)
    assert len(store.list_keys(keys.chunk_cache_prefix("alpha"))) == 5
    assert api.delete(f"/v1/jobs/{job['id']}").status_code == 204
    assert store.list_keys(keys.chunk_cache_prefix("alpha")) == set()
    assert store.get_record("alpha", job["id"]) is None


def test_a_tenant_may_keep_chunks_only_for_a_number_of_days_a_rule_exists_for() -> None:
    from pydantic import ValidationError

    from kontho.tenants import Tenant

    with pytest.raises(ValidationError, match="chunk_cache_days"):
        Tenant(id="alpha", key_sha256=["0" * 64], chunk_cache_days=10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one of"):
        keys.chunk_cache_tag(10)


def test_the_record_says_whether_a_job_reuses(api: TestClient, store: JobStore) -> None:
    job = api.post("/v1/jobs", json={"text": TEXT, "reuse": False}).json()
    record: JobRecord | None = store.get_record("alpha", job["id"])
    assert record is not None
    assert record.spec.reuse is False
    assert api.post("/v1/jobs", json={"text": TEXT, "reuse": "no"}).status_code == 422


def test_a_reused_render_has_the_loudness_marks_and_subtitles_of_a_fresh_one(
    api: TestClient, tenant_settings: Settings, store: JobStore
) -> None:
    options = {"format": "mp3", "loudness": "podcast", "subtitles": True}
    _render(api, tenant_settings, TEXT, **options)
    reused = _render(api, tenant_settings, TEXT, **options)
    fresh = _render(api, tenant_settings, TEXT, reuse=False, **options)
    assert _result(store, reused).chunks_reused == 5
    assert _result(store, fresh).chunks_reused == 0
    assert _result(store, reused).loudness_lufs == _result(store, fresh).loudness_lufs
    for name in ("marks.json", "subtitles.srt", "subtitles.vtt"):
        assert store.get_bytes(keys.job_file("alpha", reused["id"], name)) == store.get_bytes(
            keys.job_file("alpha", fresh["id"], name)
        )
    audio = [store.get_bytes(keys.job_audio("alpha", job["id"], "mp3")) for job in (reused, fresh)]
    assert audio[0] is not None
    assert audio[0] == audio[1]
