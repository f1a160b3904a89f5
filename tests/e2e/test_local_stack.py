"""The API and workers as separate processes, as `make run` and `make serve` start them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydub import AudioSegment

from client.http import KonthoClient
from devstack.motoserver import MotoServer, free_port, wait_for_http
from devstack.provision import Resources
from devstack.stack import LOCAL_API_KEY, LocalStack
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY
from tests.conftest import REPO, corpus_chapter

pytestmark = pytest.mark.e2e


def _stack_settings(tmp_path: Path, workers: int) -> Settings:
    return Settings(
        api_port=free_port(),
        local_aws_port=free_port(),
        local_workers=workers,
        local_state_dir=tmp_path / "state",
        poll_wait_seconds=2,
    )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(_stack_settings(tmp_path, workers=1)) as running:
        yield running


def test_a_corpus_chapter_renders_end_to_end_and_downloads_over_http(
    stack: LocalStack, tmp_path: Path
) -> None:
    text = corpus_chapter(1)
    client = KonthoClient(stack.api_url, api_key=LOCAL_API_KEY)
    job = client.submit(text, format="mp3", title="শকুন্তলা")
    seen: list[dict[str, object]] = []
    done = client.wait(job["id"], timeout=300, poll_seconds=0.2, on_update=seen.append)
    assert done["status"] == "completed", done["error"]
    assert done["progress"]["done"] == done["progress"]["total"] > 5
    assert seen[0]["status"] in {"queued", "running"}

    audio = client.result(job["id"])["audio"]
    path = client.download(audio["url"], tmp_path / "chapter_1.mp3")
    assert path.stat().st_size == audio["bytes"]
    decoded = AudioSegment.from_file(path, format="mp3")
    assert decoded.duration_seconds == pytest.approx(audio["duration_seconds"], abs=0.2)
    # Bangla speech runs at roughly 10 to 20 characters a second.
    assert len(text) / 20 <= decoded.duration_seconds <= len(text) / 10
    assert decoded.rms > 300
    worker_log = (stack.state_dir / "logs" / "worker-1.log").read_text()
    assert f"job_id={job['id']}" in worker_log
    # The worker process serves its own metrics, and they moved with the job.
    scrape = httpx.get(f"http://127.0.0.1:{stack.metrics_ports[0]}/metrics", timeout=10).text
    assert 'kontho_jobs_finished_total{outcome="completed"} 1.0' in scrape
    assert 'kontho_chunks_total{source="rendered"}' in scrape


def test_two_workers_share_the_queue(tmp_path: Path) -> None:
    with LocalStack(_stack_settings(tmp_path, workers=2)) as stack:
        client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
        jobs = [client.submit(corpus_chapter(n), format="ogg") for n in (1, 2, 3, 4)]
        finished = [client.wait(j["id"], timeout=300) for j in jobs]
        assert [j["status"] for j in finished] == ["completed"] * 4
        logs = [(stack.state_dir / "logs" / f"worker-{n}.log").read_text() for n in (1, 2)]
    assert all("job_completed" in log for log in logs), "each worker should have rendered a job"
    assert sum(log.count("job_completed") for log in logs) == 4


def test_make_run_renders_the_sample_and_prints_where_it_went(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KONTHO_API_PORT": str(free_port()),
        "KONTHO_LOCAL_AWS_PORT": str(free_port()),
        "KONTHO_LOCAL_STATE_DIR": str(tmp_path / "state"),
        "KONTHO_LOCAL_OUT_DIR": str(tmp_path / "out"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "devstack", "run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The demo drives the stack with the kontho command, as a user would.
    for command in ("$ kontho submit", "$ kontho wait", "$ kontho download", "$ kontho usage"):
        assert command in done.stdout
    [out] = (tmp_path / "out").glob("*/nodir-gan.mp3")
    assert AudioSegment.from_file(out, format="mp3").duration_seconds > 5
    assert f"wrote {out}" in done.stdout
    assert "audio duration" in done.stdout
    assert "the job took" in done.stdout
    # It ends by naming the console and how to reach it.
    assert (
        done.stdout.rstrip()
        .splitlines()[-1]
        .endswith(
            f"run `make serve` and open http://127.0.0.1:{env['KONTHO_API_PORT']}/ (API key {LOCAL_API_KEY})"
        )
    )
    assert (
        (tmp_path / "state" / "local.env").read_text().startswith("KONTHO_AWS_ENDPOINT_URL=http://127.0.0.1:")
    )
    duration = AudioSegment.from_file(out, format="mp3").duration_seconds
    assert 1472 / 20 <= duration <= 1472 / 10


def _burst_worker(env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker", "--burst"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_burst_worker_exits_once_the_queue_is_empty(
    moto_server: MotoServer, settings: Settings, resources: Resources
) -> None:
    done = _burst_worker(
        {
            "KONTHO_AWS_ENDPOINT_URL": moto_server.endpoint,
            "KONTHO_BUCKET": resources.bucket,
            "KONTHO_QUEUE_URL": resources.queue_url,
            "KONTHO_POLL_WAIT_SECONDS": "1",
        }
    )
    assert done.returncode == 0, done.stderr
    assert "worker_stopped" in done.stdout + done.stderr


def test_a_worker_whose_queue_does_not_exist_exits_with_a_startup_error(moto_server: MotoServer) -> None:
    done = _burst_worker(
        {
            "KONTHO_AWS_ENDPOINT_URL": moto_server.endpoint,
            "KONTHO_QUEUE_NAME": "no-such-queue.fifo",
            "KONTHO_LOG_FORMAT": "json",
        }
    )
    assert done.returncode == 3
    assert '"event": "worker_startup_failed"' in done.stdout + done.stderr


def test_a_worker_that_cannot_reach_aws_at_start_waits_for_it(tmp_path: Path) -> None:
    """An outage at start-up is waited out like any other: a fleet restarting into one must not crash-loop."""
    env = {"KONTHO_AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "KONTHO_LOG_FORMAT": "json"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker", "--burst"],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=8)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert '"event": "worker_waiting_for_aws"' in output
    assert "worker_startup_failed" not in output


def test_make_serve_runs_until_interrupted_and_a_second_worker_can_join(tmp_path: Path) -> None:
    state = tmp_path / "state"
    api_port = free_port()
    env = {
        **os.environ,
        "KONTHO_API_PORT": str(api_port),
        "KONTHO_LOCAL_AWS_PORT": str(free_port()),
        "KONTHO_LOCAL_STATE_DIR": str(state),
        "KONTHO_LOCAL_WORKERS": "0",
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "devstack", "serve"], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        wait_for_http(f"http://127.0.0.1:{api_port}/readyz", timeout=60, process=serve)
        joined = dict(line.split("=", 1) for line in (state / "local.env").read_text().splitlines())
        client = KonthoClient(f"http://127.0.0.1:{api_port}", api_key=LOCAL_API_KEY)
        job = client.submit("নদী বয়ে চলে। মাঝি গান গায়।")
        assert client.job(job["id"])["status"] == "queued"  # no worker yet
        extra = _burst_worker({**joined, "KONTHO_POLL_WAIT_SECONDS": "1"})
        assert extra.returncode == 0, extra.stderr
        assert client.job(job["id"])["status"] == "completed"
    finally:
        serve.send_signal(signal.SIGINT)
        out, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0
    assert "set -a && . " in out
    assert f"Console (kontho studio): http://127.0.0.1:{api_port}/\n" in out
    assert "KONTHO_QUEUE_URL=http://127.0.0.1:" in out


def test_a_terminated_stack_takes_its_api_workers_and_moto_with_it(tmp_path: Path) -> None:
    api_port, aws_port = free_port(), free_port()
    env = {
        **os.environ,
        "KONTHO_API_PORT": str(api_port),
        "KONTHO_LOCAL_AWS_PORT": str(aws_port),
        "KONTHO_LOCAL_STATE_DIR": str(tmp_path / "state"),
        "KONTHO_LOCAL_WORKERS": "1",
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "devstack", "serve"], cwd=REPO, env=env, stdout=subprocess.DEVNULL
    )
    wait_for_http(f"http://127.0.0.1:{api_port}/readyz", timeout=60, process=serve)
    serve.terminate()  # what `kill` sends, here just as the stack starts its worker
    assert serve.wait(timeout=60) == 0
    for port in (api_port, aws_port):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
    # No process of this stack is left: workers have no port to probe, so look for their environment.
    assert not _processes_with(f"KONTHO_LOCAL_STATE_DIR={tmp_path / 'state'}")


def _processes_with(variable: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        if variable.encode() in environ:
            found.append(int(proc.name))
    return found
