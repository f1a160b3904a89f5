"""The worker against a real moto server: render, settle, retry, dead-letter, heartbeat."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydub import AudioSegment

from devstack.provision import Resources
from kontho import chunk_list, keys
from kontho.aws import sqs_client
from kontho.errors import EngineFailed
from kontho.ids import new_job_id
from kontho.jobqueue import JobQueue
from kontho.jobspec import JobSpec
from kontho.jobstore import JobStore
from kontho.messages import JobMessage
from kontho.schemas import JobRecord, JobState
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT
from kontho.text.unicode import normalize_unicode
from kontho.voices import VoiceCatalog
from tests.conftest import queue_messages
from worker.consumer import Consumer
from worker.engines.base import Audio
from worker.engines.espeak import EspeakEngine
from worker.heartbeat import Heartbeat
from worker.pipeline import EngineCache, Pipeline

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।\nসেখানে ২৫০টি পরিবার বাস করে। সবাই নদীর সঙ্গে বাঁধা।"


def test_job_renders_to_audio_that_downloads_and_decodes(
    api: TestClient, consumer: Consumer, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT, "format": "mp3", "title": "গ্রাম"}).json()["id"]
    counters = consumer.run(burst=True)
    assert counters["completed"] == 1

    job = api.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "completed"
    assert job["attempts"] == 1
    assert job["error"] is None
    assert job["progress"]["done"] == job["progress"]["total"] == 2
    assert job["progress"]["percent"] == 100.0
    assert job["started_at"] <= job["finished_at"]

    audio = api.get(f"/v1/jobs/{job_id}/result").json()["audio"]
    download = httpx.get(audio["url"])
    assert download.status_code == 200
    assert len(download.content) == audio["bytes"]
    (tmp_path / "a.mp3").write_bytes(download.content)
    decoded = AudioSegment.from_file(tmp_path / "a.mp3", format="mp3")
    assert decoded.duration_seconds == pytest.approx(audio["duration_seconds"], abs=0.15)
    assert 10 <= len(TEXT) / audio["duration_seconds"] <= 20
    assert queue_messages(settings, resources.queue_url) == 0  # acknowledged after the result was stored


def test_unknown_voice_fails_the_job_for_good_and_deletes_the_message(
    store: JobStore, queue: JobQueue, consumer: Consumer, settings: Settings, resources: Resources
) -> None:
    record = JobRecord(id=new_job_id(), spec=JobSpec(voice="retired-voice"), text_chars=len(TEXT))
    store.put_text(record.tenant, record.id, TEXT)
    store.put_record(record)
    queue.send(JobMessage(job_id=record.id), "local.0")
    assert consumer.run(burst=True)["failed"] == 1
    failed = store.get_record(LOCAL_TENANT, record.id)
    assert failed is not None
    assert failed.status is JobState.FAILED
    assert failed.error is not None
    assert failed.error.code == "unknown_voice"
    assert not failed.error.retryable
    assert "retired-voice" in failed.error.message
    assert queue_messages(settings, resources.queue_url) == 0


def test_text_with_nothing_to_read_fails_with_a_reason(
    store: JobStore, queue: JobQueue, consumer: Consumer
) -> None:
    record = JobRecord(id=new_job_id(), spec=JobSpec(voice="bn-espeak"), text_chars=3)
    store.put_text(record.tenant, record.id, "\n \n")
    store.put_record(record)
    queue.send(JobMessage(job_id=record.id), "local.0")
    consumer.run(burst=True)
    failed = store.get_record(LOCAL_TENANT, record.id)
    assert failed is not None
    assert failed.error is not None
    assert (failed.status, failed.error.code) == (JobState.FAILED, "invalid_input")


def test_poison_and_orphan_messages_are_dropped(
    queue: JobQueue, consumer: Consumer, settings: Settings, resources: Resources
) -> None:
    sqs = sqs_client(settings)
    sqs.send_message(
        QueueUrl=resources.queue_url, MessageBody="garbage", MessageGroupId="g", MessageDeduplicationId="1"
    )
    queue.send(JobMessage(job_id=new_job_id()), "local.0")  # a pointer to a job that was never stored
    assert consumer.run(burst=True)["dropped"] == 2
    assert queue_messages(settings, resources.queue_url) == 0


class FlakyEngine(EspeakEngine):
    """The real espeak-ng engine, failing its first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        super().__init__(VoiceCatalog().get("bn-espeak"))
        self.failures = failures

    def synthesize(self, texts: Sequence[str], rates: Sequence[float] | None = None) -> Iterator[Audio]:
        if self.failures > 0:
            self.failures -= 1
            raise EngineFailed("espeak-ng crashed")
        yield from super().synthesize(texts, rates)


def _consumer_with(engine: EspeakEngine, settings: Settings, store: JobStore, queue: JobQueue) -> Consumer:
    engine.load()
    engines = EngineCache(VoiceCatalog(), settings)
    engines._engines["bn-espeak"] = engine
    return Consumer(settings, store, queue, Pipeline(settings, store, engines))


def test_transient_failure_is_retried_on_redelivery_then_completes(
    api: TestClient, store: JobStore, queue: JobQueue, settings: Settings
) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    consumer = _consumer_with(FlakyEngine(failures=1), settings, store, queue)
    counters = consumer.run(burst=True)
    assert (counters["retried"], counters["completed"]) == (1, 1)
    record = store.get_record(LOCAL_TENANT, job_id)
    assert record is not None
    assert record.status is JobState.COMPLETED
    assert record.attempts == 2


def test_last_delivery_marks_the_job_dead_lettered_and_the_message_reaches_the_dlq(
    api: TestClient, store: JobStore, queue: JobQueue, settings: Settings, resources: Resources
) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    consumer = _consumer_with(FlakyEngine(failures=99), settings, store, queue)
    counters = consumer.run(burst=True)
    assert (counters["retried"], counters["dead_lettered"]) == (2, 1)
    record = store.get_record(LOCAL_TENANT, job_id)
    assert record is not None
    assert record.status is JobState.FAILED
    assert record.error is not None
    assert record.error.code == "dead_lettered"
    assert "espeak-ng crashed" in record.error.message
    assert queue_messages(settings, resources.dlq_url) == 1
    assert queue_messages(settings, resources.queue_url) == 0


def test_a_redelivered_completed_job_is_acknowledged_without_work(
    api: TestClient, consumer: Consumer, store: JobStore, queue: JobQueue
) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    consumer.run(burst=True)
    first = store.get_record(LOCAL_TENANT, job_id)
    queue._sqs.send_message(  # SQS delivering the same job again, as at-least-once allows
        QueueUrl=queue.url,
        MessageBody=f'{{"v": 1, "job_id": "{job_id}"}}',
        MessageGroupId=job_id,
        MessageDeduplicationId=job_id + "-again",
    )
    assert consumer.run(burst=True)["skipped"] == 1
    assert store.get_record(LOCAL_TENANT, job_id) == first


def test_heartbeat_keeps_the_message_from_a_second_worker_while_the_first_works(
    api: TestClient, queue: JobQueue
) -> None:
    api.post("/v1/jobs", json={"text": TEXT})
    (delivery,) = queue.receive(wait_seconds=1, visibility_seconds=2)
    with Heartbeat(queue, delivery, every_seconds=0.5, extend_to=2) as beat:
        time.sleep(4)  # twice the visibility timeout
        assert queue.receive(wait_seconds=0, visibility_seconds=2) == []
    assert beat.beats >= 5
    time.sleep(2.5)  # the heartbeat stopped, as it does when a worker dies: the job comes back
    (again,) = queue.receive(wait_seconds=1, visibility_seconds=2)
    assert again.message_id == delivery.message_id
    assert again.receive_count == 2


def test_a_redelivered_job_renders_only_the_chunks_it_lacks_and_sounds_the_same(
    api: TestClient, consumer: Consumer, store: JobStore, queue: JobQueue, settings: Settings, tmp_path: Path
) -> None:
    text = "\n".join(["পদ্মার পাড়ে ছোট একটি গ্রাম।", "সেখানে ২৫০টি পরিবার বাস করে।", "সবাই নদীর সঙ্গে বাঁধা।"] * 3)
    job_id = api.post("/v1/jobs", json={"text": text, "format": "wav"}).json()["id"]
    consumer.run(burst=True)
    first = store.get_bytes(f"tenants/local/jobs/{job_id}/audio.wav")
    chunk_keys = sorted(
        keys.cached_chunk(LOCAL_TENANT, d) for d in chunk_list.read(store, LOCAL_TENANT, job_id)
    )
    assert len(chunk_keys) == 3  # nine paragraphs, three distinct texts
    assert store.list_keys(keys.chunk_cache_prefix(LOCAL_TENANT)) == set(chunk_keys)

    # As after a crash: one checkpoint never made it, the job is back in the queue.
    store._s3.delete_object(Bucket=store.bucket, Key=chunk_keys[0])
    record = store.get_record(LOCAL_TENANT, job_id)
    assert record is not None
    store.put_record(record.touch(status=JobState.QUEUED, result=None))
    queue._sqs.send_message(
        QueueUrl=queue.url,
        MessageBody=f'{{"v": 1, "job_id": "{job_id}"}}',
        MessageGroupId=job_id,
        MessageDeduplicationId=job_id + "-redelivered",
    )
    consumer.run(burst=True)
    again = store.get_record(LOCAL_TENANT, job_id)
    assert again is not None
    assert again.status is JobState.COMPLETED
    assert (again.progress.done, again.progress.total) == (9, 9)
    assert again.progress.reused == 6  # every paragraph but the three whose checkpoint was lost
    assert store.get_bytes(f"tenants/local/jobs/{job_id}/audio.wav") == first


@pytest.mark.parametrize(("preset", "lufs"), [("audiobook", -18.0), ("podcast", -16.0)])
def test_the_programme_is_normalized_to_its_loudness_target(
    api: TestClient, consumer: Consumer, store: JobStore, tmp_path: Path, preset: str, lufs: float
) -> None:
    from worker.audio.loudness import measure

    text = "\n".join(["পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে ২৫০টি পরিবার বাস করে।", "সবাই নদীর সঙ্গে বাঁধা।"] * 4)
    job_id = api.post("/v1/jobs", json={"text": text, "format": "flac", "loudness": preset}).json()["id"]
    consumer.run(burst=True)
    path = tmp_path / "out.flac"
    body = store.get_bytes(f"tenants/local/jobs/{job_id}/audio.flac")
    assert body is not None
    path.write_bytes(body)
    measured = measure(path)
    assert measured.integrated_lufs == pytest.approx(lufs, abs=1.0)
    assert measured.true_peak_dbtp <= -1.5 + 0.5
    record = store.get_record(LOCAL_TENANT, job_id)
    assert record is not None
    assert record.result is not None
    assert record.result.loudness_lufs is not None


def test_subtitles_and_marks_follow_the_audio_to_its_last_sample(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    import hashlib
    import json

    text = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে ২৫০টি পরিবার বাস করে!\r\n\r\nসবাই কি নদীর সঙ্গে বাঁধা? হ্যাঁ।"
    job_id = api.post(
        "/v1/jobs", json={"text": text, "format": "wav", "subtitles": True, "loudness": "off"}
    ).json()["id"]
    consumer.run(burst=True)
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    by_kind = {(a["kind"], a["format"]): a for a in result["artifacts"]}
    assert set(by_kind) == {
        ("audio", "wav"),
        ("subtitles", "srt"),
        ("subtitles", "vtt"),
        ("marks", "json"),
        ("manifest", "json"),
    }
    files = {name: httpx.get(a["url"]).content for name, a in by_kind.items()}
    for name, artifact in by_kind.items():
        assert len(files[name]) == artifact["bytes"]
        if artifact["sha256"]:
            assert hashlib.sha256(files[name]).hexdigest() == artifact["sha256"]
    manifest = json.loads(files[("manifest", "json")])
    assert {a["key"].rsplit("/", 1)[-1] for a in manifest["artifacts"]} == {
        "audio.wav",
        "subtitles.srt",
        "subtitles.vtt",
        "marks.json",
    }

    entries = json.loads(files[("marks", "json")])
    # One untitled chapter, named as the audio's chapter list names it, where the audio starts.
    assert entries[0] == {"type": "chapter", "index": 0, "title": "অধ্যায় ১", "start_ms": 0}
    marks = [m for m in entries if m["type"] == "sentence"]
    assert len(marks) == len(entries) - 1
    sentences = ["পদ্মার পাড়ে ছোট একটি গ্রাম।", "সেখানে ২৫০টি পরিবার বাস করে!", "সবাই কি নদীর সঙ্গে বাঁধা?", "হ্যাঁ।"]
    assert [text[m["start_char"] : m["end_char"]] for m in marks] == sentences
    assert all(a["end_ms"] <= b["start_ms"] for a, b in itertools.pairwise(marks))
    duration_ms = result["audio"]["duration_seconds"] * 1000
    assert marks[-1]["end_ms"] == pytest.approx(duration_ms, abs=1)  # the last cue ends with the audio
    (tmp_path / "a.wav").write_bytes(files[("audio", "wav")])
    assert AudioSegment.from_file(tmp_path / "a.wav").duration_seconds * 1000 == pytest.approx(
        duration_ms, abs=2
    )

    srt = files[("subtitles", "srt")].decode()
    assert srt.startswith("1\n00:00:00,000 --> ")
    assert srt.count(" --> ") == 4
    assert "৪\n" not in srt
    vtt = files[("subtitles", "vtt")].decode()
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")
    assert sentences[1] in vtt  # cues show the text as written, not as read


def test_no_markdown_mark_reaches_the_subtitles_or_the_marks(api: TestClient, consumer: Consumer) -> None:
    import json

    text = (
        "# প্রথম অধ্যায়\n\n**পদ্মার** পাড়ে _ছোট_ একটি [গ্রাম](https://example.org/gram)। "
        "সেখানে `২৫০টি` পরিবার বাস করে!\n\n> সবাই কি নদীর সঙ্গে বাঁধা?\n\n- হ্যাঁ।\n"
    )
    job_id = api.post(
        "/v1/jobs", json={"text": text, "text_format": "markdown", "subtitles": True, "format": "wav"}
    ).json()["id"]
    assert consumer.run(burst=True)["completed"] == 1
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    files = {
        (a["kind"], a["format"]): httpx.get(a["url"]).content.decode()
        for a in result["artifacts"]
        if a["kind"] in ("subtitles", "marks")
    }
    marks = [m for m in json.loads(files[("marks", "json")]) if m["type"] == "sentence"]
    shown = [files[("subtitles", "srt")], files[("subtitles", "vtt")], *(m["text"] for m in marks)]
    for what in shown:
        assert not set("#*_[]()`>") & set(what.replace("-->", "")), what
    assert "example.org" not in "".join(shown)
    assert any(normalize_unicode("পদ্মার পাড়ে ছোট একটি গ্রাম।") in m["text"] for m in marks)


class SilentEngine(EspeakEngine):
    """A voice whose model says nothing at all."""

    def synthesize(self, texts: Sequence[str], rates: Sequence[float] | None = None) -> Iterator[Audio]:
        for _ in texts:
            yield np.zeros(2205, dtype=np.int16)


def test_a_voice_that_renders_only_silence_fails_its_job_at_once_saying_so(
    api: TestClient, settings: Settings, store: JobStore, queue: JobQueue
) -> None:
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    counters = _consumer_with(SilentEngine(VoiceCatalog().get("bn-espeak")), settings, store, queue).run(
        burst=True
    )
    assert counters["failed"] == 1
    job = api.get(f"/v1/jobs/{job_id}").json()
    assert job["attempts"] == 1
    assert "only silence" in job["error"]["message"]
