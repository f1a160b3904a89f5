"""A cloned voice end to end: a tenant clones a voice through the API on an xtts base voice (the tests' tiny
random-weight XTTS, from S3 through the model cache), names it in a job, and a worker renders the job
with the tenant's own clips as the speaker's reference."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho import keys
from kontho.jobstore import JobStore
from kontho.settings import Settings
from tests.ffprobe import duration
from tests.integration.tenant_keys import auth, write_keys_file
from tests.integration.test_vits import upload_model
from tests.tiny_xtts import build_tiny_xtts, reference_clip
from tests.voice_clips import consent, upload
from worker.__main__ import build_consumer
from worker.engines import xtts

TENANT = "prokash"


@pytest.fixture(autouse=True)
def _fresh_conditioning_memory() -> None:
    xtts.CONDITIONING_STORES.clear()  # each test has its own bucket


def test_a_voice_cloned_through_the_api_reads_a_job(
    settings: Settings, resources: Resources, store: JobStore, tmp_path: Path
) -> None:
    model = upload_model(settings, build_tiny_xtts(tmp_path / "xtts-tiny"), "models/xtts-tiny/")
    # The base voice's own reference is never stored: the job completes only on the tenant's clips.
    narrator = "models/xtts-tiny/narrator-never-stored.wav"
    base = {
        "id": "bn-xtts",
        "engine": "xtts",
        "model": model,
        "sample_rate": 24000,
        "references": [f"s3://{settings.bucket}/{narrator}"],
    }
    (tmp_path / "voices.yaml").write_text(yaml.safe_dump({"voices": [base]}))
    stack = settings.model_copy(
        update={
            "voices_file": tmp_path / "voices.yaml",
            "api_keys_file": str(write_keys_file(tmp_path / "keys.json", {TENANT: {}})),
            "queue_url": resources.queue_url,
            "model_cache_dir": tmp_path / "cache",
            "device": "cpu",
        }
    )
    with TestClient(create_app(stack), headers=auth(TENANT)) as api:
        clip = upload(api, reference_clip(4.0, seed=2))
        body = {"name": "Rina", "base_voice": "bn-xtts", "clips": [clip], "consent": consent()}
        created = api.post("/v1/voices", json=body)
        assert created.status_code == 201, created.text
        voice = created.json()["id"]
        job = api.post("/v1/jobs", json={"text": "এক নিবিড় অরণ্য ছিল।", "voice": voice, "format": "wav"})
        assert job.status_code == 202, job.text

        assert build_consumer(stack).run(burst=True)["completed"] == 1
        assert api.get(f"/v1/jobs/{job.json()['id']}").json()["status"] == "completed"
        audio = api.get(f"/v1/jobs/{job.json()['id']}/result").json()["audio"]
    path = tmp_path / "job.wav"
    path.write_bytes(httpx.get(audio["url"]).content)
    assert duration(path) > 0.1  # ffprobe reads it: real audio
    assert store.get_bytes(keys.tenant_voice_clip(TENANT, voice, 0)) is not None
    assert len(store.list_keys("xtts-conditioning/")) == 1  # the cloned voice's, kept for every worker
