"""A worker killed with SIGKILL mid-job: another worker finishes the job from its checkpoints."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import pytest

from devstack.client import KonthoClient
from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.settings import Settings
from tests.conftest import corpus_chapter

pytestmark = pytest.mark.e2e


def _frames(path: Path) -> bytes:
    with wave.open(str(path)) as wav:
        frames: bytes = wav.readframes(wav.getnframes())
    return frames


def test_a_killed_worker_is_resumed_from_its_checkpoints_to_the_same_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers read these from the environment: save every chunk's progress, and let a dead worker's
    # message come back quickly.
    monkeypatch.setenv("KONTHO_PROGRESS_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("KONTHO_VISIBILITY_TIMEOUT_SECONDS", "10")
    monkeypatch.setenv("KONTHO_HEARTBEAT_SECONDS", "2")
    monkeypatch.setenv("KONTHO_POLL_WAIT_SECONDS", "1")
    text = "\n".join(corpus_chapter(n) for n in (1, 2, 3, 4, 1, 2, 3, 4))
    settings = Settings(
        api_port=free_port(),
        local_aws_port=free_port(),
        local_workers=1,
        local_state_dir=tmp_path / "state",
        visibility_timeout_seconds=10,
        heartbeat_seconds=2,
    )
    with LocalStack(settings) as stack:
        client = KonthoClient(stack.api_url)
        job = client.submit(text, format="wav")
        deadline = time.monotonic() + 120
        while (status := client.job(job["id"]))["progress"]["done"] < 20:
            assert status["status"] in {"queued", "running"}
            assert time.monotonic() < deadline, "the job never got going"
            time.sleep(0.02)
        stack.kill_worker(0)
        done_at_kill = client.job(job["id"])["progress"]["done"]
        assert done_at_kill < status["progress"]["total"], "the worker finished before it could be killed"

        stack.add_worker()
        resumed = client.wait(job["id"], timeout=300, poll_seconds=0.2)
        assert resumed["status"] == "completed"
        assert resumed["attempts"] == 2
        # Chunks stored before the kill were reused, not rendered again.
        assert resumed["progress"]["reused"] >= done_at_kill - 8
        assert resumed["progress"]["reused"] < resumed["progress"]["total"]

        uninterrupted = client.wait(client.submit(text, format="wav")["id"], timeout=300)
        assert uninterrupted["attempts"] == 1
        paths = []
        for job_id in (job["id"], uninterrupted["id"]):
            audio = client.result(job_id)["audio"]
            paths.append(client.download(audio["url"], tmp_path / f"{job_id}.wav"))
    assert _frames(paths[0]) == _frames(paths[1])
