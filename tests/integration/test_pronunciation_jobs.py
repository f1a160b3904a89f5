"""Lexicons and SSML end to end: the API keeps what a job reads, the worker renders it, the audio shows it."""

from __future__ import annotations

import io
import json
import wave

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from kontho.text.unicode import normalize_unicode
from worker.consumer import Consumer

LEXICON = {"entries": [{"grapheme": "Dhaka University", "alias": "ঢাকা ইউনিভার্সিটি"}]}


def _finish(api: TestClient, consumer: Consumer, job: dict[str, object]) -> dict[str, object]:
    assert consumer.run(burst=True)["completed"] >= 1
    done: dict[str, object] = api.get(f"/v1/jobs/{job['id']}").json()
    assert done["status"] == "completed", done
    return done


def _artifact(api: TestClient, job_id: object, kind: str) -> bytes:
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    url = (
        result["audio"]["url"]
        if kind == "audio"
        else next(a["url"] for a in result["artifacts"] if a["kind"] == kind)
    )
    return httpx.get(url).content


def _samples(wav_bytes: bytes) -> tuple[np.ndarray[tuple[int], np.dtype[np.int16]], int]:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), wav.getframerate()


def _longest_silence_ms(samples: np.ndarray[tuple[int], np.dtype[np.int16]], rate: int) -> float:
    quiet = np.abs(samples.astype(np.int32)) <= 1
    longest = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        longest = max(longest, run)
    return longest * 1000 / rate


def test_a_job_reads_its_lexicon_as_submitted_whatever_changes_later(
    api: TestClient, consumer: Consumer
) -> None:
    assert api.put("/v1/lexicons/names", json=LEXICON).status_code in (200, 201)
    text = "আমি Dhaka University যাব।"
    options = {"format": "wav", "loudness": "off"}
    with_lexicon = api.post("/v1/jobs", json={"text": text, "lexicons": ["names"], **options}).json()
    assert list(with_lexicon["lexicon_versions"]) == ["names"]
    # Edited before any worker reads the job: the job still reads the entries it was submitted with.
    changed = {"entries": [{"grapheme": "Dhaka University", "alias": "ঢাকা বিশ্ববিদ্যালয়"}]}
    assert api.put("/v1/lexicons/names", json=changed).status_code in (200, 201)
    inline = api.post("/v1/jobs", json={"text": "আমি ঢাকা ইউনিভার্সিটি যাব।", **options}).json()
    assert consumer.run(burst=True)["completed"] == 2
    assert _artifact(api, with_lexicon["id"], "audio") == _artifact(api, inline["id"], "audio")

    preview = api.post("/v1/text/preview", json={"text": text, "lexicons": ["names"]}).json()
    (chunk,) = preview["chunks"]
    assert chunk["text"] == normalize_unicode("আমি ঢাকা বিশ্ববিদ্যালয় যাব।")
    assert chunk["lexicon_entries"] == [
        {"lexicon": "names", "grapheme": "Dhaka University", "reads": normalize_unicode("ঢাকা বিশ্ববিদ্যালয়")}
    ]


def test_a_job_naming_a_lexicon_the_tenant_lacks_is_refused_before_anything_is_stored(
    api: TestClient,
) -> None:
    response = api.post("/v1/jobs", json={"text": "কথা।", "lexicons": ["nowhere"]})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "lexicons"
    assert "nowhere" in response.json()["error"]["message"]
    assert api.get("/v1/jobs").json()["jobs"] == []
    too_many = api.post("/v1/jobs", json={"text": "কথা।", "lexicons": list("abcdef")})
    assert too_many.status_code == 422
    assert "lexicons" in too_many.text


def test_an_ssml_break_is_that_much_silence_in_the_audio_and_a_mark_is_timed(
    api: TestClient, consumer: Consumer
) -> None:
    ssml = '<speak><p>প্রথম কথা।<break time="1700ms"/><mark name="second"/>দ্বিতীয় কথা।</p></speak>'
    job = api.post("/v1/jobs", json={"text": ssml, "format": "wav", "loudness": "off"}).json()
    assert job["text_format"] == "ssml"
    _finish(api, consumer, job)
    samples, rate = _samples(_artifact(api, job["id"], "audio"))
    assert _longest_silence_ms(samples, rate) == pytest.approx(1700, abs=40)
    marks = json.loads(_artifact(api, job["id"], "marks"))
    (named,) = [m for m in marks if m["type"] == "ssml"]
    assert named["name"] == "second"
    first, second = [m for m in marks if m["type"] == "sentence"]
    # The mark is where the second sentence's speech starts, just after the break.
    assert abs(named["time_ms"] - second["start_ms"]) <= 1
    assert named["time_ms"] - first["end_ms"] == pytest.approx(1700, abs=2)


def test_invalid_ssml_is_refused_with_its_line_and_column(api: TestClient) -> None:
    response = api.post("/v1/jobs", json={"text": "<speak>\n<p>কথা</s>\n</speak>"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_ssml", "text")
    assert "line 2, column" in error["message"]
    doctype = '<?xml version="1.0"?><!DOCTYPE speak [<!ENTITY x "কথা">]><speak>&x;</speak>'
    refused = api.post("/v1/jobs", json={"text": doctype, "text_format": "ssml"})
    assert refused.status_code == 422
    assert "DOCTYPE" in refused.json()["error"]["message"]


def test_slower_prosody_makes_longer_audio(api: TestClient, consumer: Consumer) -> None:
    words = "আমরা সবাই নদীর পাড়ে বসে গান গাইলাম।"
    options = {"format": "wav", "loudness": "off"}
    normal = api.post("/v1/jobs", json={"text": f"<speak>{words}</speak>", **options}).json()
    slow = api.post(
        "/v1/jobs", json={"text": f'<speak><prosody rate="60%">{words}</prosody></speak>', **options}
    ).json()
    assert consumer.run(burst=True)["completed"] == 2
    normal_samples, _ = _samples(_artifact(api, normal["id"], "audio"))
    slow_samples, _ = _samples(_artifact(api, slow["id"], "audio"))
    assert len(slow_samples) > 1.3 * len(normal_samples)
