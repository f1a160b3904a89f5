"""A voice sample read with the tenant's lexicons: how a producer hears a lexicon's entries."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from worker.consumer import Consumer

SAMPLE = "/v1/voices/bn-espeak/sample"
WRITTEN = "আমি নদী দেখেছি।"
READ = "আমি তটিনী দেখেছি।"


def _pcm(api: TestClient, job_id: str, tmp_path: Path) -> bytes:
    assert api.get(f"/v1/jobs/{job_id}").json()["status"] == "completed"
    url = api.get(f"/v1/jobs/{job_id}/result").json()["audio"]["url"]
    path = tmp_path / f"{job_id}.wav"
    path.write_bytes(httpx.get(url).content)
    decoded = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"]
    return subprocess.run(decoded, capture_output=True, check=True).stdout


def test_a_sample_with_a_lexicon_reads_its_entries(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    assert api.put("/v1/lexicons/names", json={"entries": [{"grapheme": "নদী", "alias": "তটিনী"}]}).is_success
    with_lexicon = api.post(SAMPLE, json={"text": WRITTEN, "lexicons": ["names"], "format": "wav"})
    assert with_lexicon.status_code == 202, with_lexicon.text
    assert with_lexicon.json()["lexicons"] == ["names"]
    plain = api.post(SAMPLE, json={"text": WRITTEN, "format": "wav"}).json()
    assert consumer.run(burst=True)["completed"] == 2  # a tenant has two samples in flight at most
    replaced = api.post(SAMPLE, json={"text": READ, "format": "wav"}).json()
    assert consumer.run(burst=True)["completed"] == 3
    # The lexicon's sample is the replaced sentence's audio, and not the sentence read as written.
    heard = _pcm(api, with_lexicon.json()["id"], tmp_path)
    assert heard == _pcm(api, replaced["id"], tmp_path)
    assert heard != _pcm(api, plain["id"], tmp_path)

    # The same request is the same sample; once the lexicon changes, it is another.
    again = api.post(SAMPLE, json={"text": WRITTEN, "lexicons": ["names"], "format": "wav"})
    assert again.headers.get("Sample-Reused") == "true"
    assert api.put("/v1/lexicons/names", json={"entries": [{"grapheme": "নদী", "alias": "গাঙ"}]}).is_success
    edited = api.post(SAMPLE, json={"text": WRITTEN, "lexicons": ["names"], "format": "wav"})
    assert "Sample-Reused" not in edited.headers
    assert edited.json()["id"] != with_lexicon.json()["id"]


def test_a_sample_naming_an_unknown_lexicon_is_refused_naming_the_field(api: TestClient) -> None:
    response = api.post(SAMPLE, json={"lexicons": ["nowhere"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("unknown_lexicon", "lexicons")
    assert "no lexicon named 'nowhere'" in error["message"]
