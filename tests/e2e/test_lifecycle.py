"""Worker processes under SIGKILL and SIGTERM: jobs are released, resumed from their checkpoints, and
sound the same as an uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import pytest

from client.http import KonthoClient
from devstack.motoserver import free_port
from devstack.provision import Resources
from devstack.stack import LocalStack
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY
from tests.conftest import corpus_chapter
from worker.__main__ import EXIT_OK

pytestmark = pytest.mark.e2e


def _frames(path: Path) -> bytes:
    with wave.open(str(path)) as wav:
        frames: bytes = wav.readframes(wav.getnframes())
    return frames


def _stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_receive_count: int = 3) -> LocalStack:
    for name, value in {
        "KONTHO_PROGRESS_INTERVAL_SECONDS": "0",
        "KONTHO_VISIBILITY_TIMEOUT_SECONDS": "10",
        "KONTHO_HEARTBEAT_SECONDS": "2",
        "KONTHO_POLL_WAIT_SECONDS": "1",
        "KONTHO_DRAIN_SECONDS": "20",
        "KONTHO_MAX_RECEIVE_COUNT": str(max_receive_count),
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        api_port=free_port(),
        local_aws_port=free_port(),
        local_workers=1,
        local_state_dir=tmp_path / "state",
        visibility_timeout_seconds=10,
        heartbeat_seconds=2,
        max_receive_count=max_receive_count,
    )
    return LocalStack(settings)


def _wait_until_done(client: KonthoClient, job_id: str, chunks: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (job := client.job(job_id))["progress"]["done"] < chunks:
        assert job["status"] in {"queued", "running"}, job
        assert time.monotonic() < deadline, f"the job did not reach {chunks} chunks"
        time.sleep(0.02)
    return job


def test_a_killed_worker_is_resumed_from_its_checkpoints_to_the_same_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\n".join(corpus_chapter(n) for n in (1, 2, 3, 4, 1, 2, 3, 4))
    with _stack(tmp_path, monkeypatch) as stack:
        client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
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


def test_sigterm_drains_within_the_grace_period_and_another_worker_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\n".join(corpus_chapter(n) for n in (1, 2, 3, 4) * 2)
    with _stack(tmp_path, monkeypatch) as stack:
        client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
        job = client.submit(text, format="wav")
        _wait_until_done(client, job["id"], 10)
        worker = stack.workers[0]
        sent = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == EXIT_OK
        drain_seconds = time.monotonic() - sent
        released = client.job(job["id"])
        assert released["status"] == "queued"
        assert released["progress"]["done"] < released["progress"]["total"]

        started = time.monotonic()
        stack.add_worker()
        _wait_until_done(client, job["id"], released["progress"]["done"] + 1)
        # Released with visibility 0: taken up at once, not after the 10 s visibility timeout.
        assert time.monotonic() - started < 8
        finished = client.wait(job["id"], timeout=300, poll_seconds=0.2)
        assert finished["status"] == "completed"
        assert finished["progress"]["reused"] >= released["progress"]["done"] - 1
    assert drain_seconds < 5  # one chunk, not the whole job


def test_a_job_survives_five_sigkills_at_random_moments_with_identical_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough (about 315 chunks) that five kills, each up to 25 chunks on from what the last one saw, land
    # before the end even when a resumed worker races through its checkpointed chunks past the target.
    text = "\n".join(corpus_chapter(n) for n in (1, 2, 3, 4) * 3)
    chaos = random.Random(20261122)  # noqa: S311 - a seeded, repeatable schedule of kills
    with _stack(tmp_path, monkeypatch, max_receive_count=10) as stack:
        client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
        job = client.submit(text, format="wav")
        kills = []
        done = 0
        for _ in range(5):
            done = _wait_until_done(client, job["id"], done + chaos.randint(3, 25))["progress"]["done"]
            stack.kill_worker(len(stack.workers) - 1)
            kills.append(done)
            stack.add_worker()
        resumed = client.wait(job["id"], timeout=600, poll_seconds=0.2)
        assert resumed["status"] == "completed", resumed
        assert resumed["attempts"] == 6
        assert resumed["progress"]["total"] > kills[-1], "the last kill came after the job had finished"

        uninterrupted = client.wait(client.submit(text, format="wav")["id"], timeout=300)
        assert uninterrupted["attempts"] == 1
        paths = [
            client.download(client.result(job_id)["audio"]["url"], tmp_path / f"{job_id}.wav")
            for job_id in (job["id"], uninterrupted["id"])
        ]
    assert _frames(paths[0]) == _frames(paths[1])


def test_an_idle_worker_exits_promptly_on_sigterm(settings: Settings, resources: Resources) -> None:
    """In a 20 s long poll with nothing in hand: nothing to drain, so no reason to wait for the poll."""
    env = {
        **os.environ,
        "KONTHO_AWS_ENDPOINT_URL": str(settings.aws_endpoint_url),
        "KONTHO_BUCKET": settings.bucket,
        "KONTHO_QUEUE_URL": resources.queue_url,
        "KONTHO_DLQ_NAME": settings.dlq_name,
        "KONTHO_POLL_WAIT_SECONDS": "20",
        "KONTHO_WORKER_METRICS_PORT": "0",
        "KONTHO_LIVENESS_FILE": str(settings.work_dir / "alive") if settings.work_dir else "/tmp/alive",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert worker.stdout is not None
        for line in worker.stdout:  # wait until it is in its long poll
            if "worker_started" in line:
                break
        time.sleep(2)
        sent = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == EXIT_OK
        assert time.monotonic() - sent < 5
    finally:
        worker.kill()
