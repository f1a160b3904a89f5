"""The kontho command against a running local stack, in an 80-column terminal, as a user types it."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from client.http import KonthoClient
from devstack.__main__ import SAMPLE
from devstack.motoserver import free_port
from devstack.stack import LOCAL_API_KEY, LocalStack
from kontho.settings import Settings
from tests.conftest import REPO

pytestmark = pytest.mark.e2e

BOOK = "# প্রথম অধ্যায়\n\nপদ্মার পাড়ে ছোট একটি গ্রাম।\n\n# দ্বিতীয় অধ্যায়\n\nসেখানে ২৫০টি পরিবার বাস করে।\n"
# About 60,000 characters: long enough to still be rendering when a test acts on it.
LONG_TEXT = SAMPLE.read_text(encoding="utf-8") * 40
PHASES = {"queued", "planning", "rendering", "encoding and uploading"}
FULL_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _kontho(
    *args: str, url: str | None = None, env: dict[str, str] | None = None, stdin: Any = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args, *(["--url", url] if url else [])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=stdin,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "COLUMNS": "80", **(env or {})},
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    state = tmp_path_factory.mktemp("state")
    settings = Settings(
        api_port=free_port(), local_aws_port=free_port(), local_workers=1, local_state_dir=state
    )
    with LocalStack(settings) as running:
        yield running


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # A name, not a literal address: the API refuses literal loopback addresses whatever the settings.
        yield f"http://localhost:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_submit_wait_status_download_jobs_usage_and_voices(
    stack: LocalStack, tmp_path: Path, webhook_receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url = stack.api_url
    hook, received = webhook_receiver
    book = tmp_path / "গ্রাম.md"
    book.write_text(BOOK, encoding="utf-8")
    episode = tmp_path / "episode.text"  # not a suffix kontho knows: sent because --text-format says so
    episode_text = "আজকের পর্বে আমরা নদীর কথা বলব।\n"
    episode.write_text(episode_text, encoding="utf-8")
    submitted = _kontho(
        *("submit", str(book), str(episode), "--format", "m4b", "--subtitles", "--chapter-files"),
        *("--author", "কালিদাস", "--loudness", "podcast", "--webhook-url", hook, "--text-format", "markdown"),
        *("--no-skip-front-matter", "--wait"),
        url=url,
    )
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.split()[0]
    lines = submitted.stdout.splitlines()
    # One line per job as it is submitted, then each job's end once all have ended.
    assert lines[0].split()[1:] == ["গ্রাম.md", "queued"]
    assert lines[1].split()[1:] == ["episode.text", "queued"]
    assert sum(" completed " in line for line in lines) == 2
    # Not the default server: the command says which one, on stderr.
    assert f"kontho: using {url} (from --url)" in submitted.stderr
    # Without a terminal, each job's phases are written as lines labelled by the file.
    phases = [line.split(": ", 1) for line in submitted.stderr.splitlines() if ": " in line]
    followed = [(label, phase) for label, phase in phases if label in {"গ্রাম.md", "episode.text"}]
    assert {label for label, _ in followed} == {"গ্রাম.md", "episode.text"}
    assert {phase.split(" chapter")[0] for _, phase in followed} <= PHASES

    status = _kontho("status", job_id, url=url)
    assert status.returncode == 0
    assert status.stdout.startswith(f"{job_id}  completed\n")
    assert re.search(r"audio +\d+:\d\d:\d\d\n", status.stdout)
    assert re.search(r"stored +[\d.,]+ MB\n", status.stdout)
    record = json.loads(_kontho("status", job_id, "--json", url=url).stdout)
    assert record["id"] == job_id
    asked = {
        k: record[k] for k in ("author", "loudness", "chapter_files", "webhook_url", "skip_front_matter")
    }
    assert asked == {
        "author": "কালিদাস",
        "loudness": "podcast",
        "chapter_files": True,
        "webhook_url": hook,
        "skip_front_matter": False,
    }
    episode_id = lines[1].split()[0]
    assert json.loads(_kontho("status", episode_id, "--json", url=url).stdout)["text_format"] == "markdown"

    downloaded = _kontho("download", job_id, "-o", str(tmp_path / "out"), url=url)
    assert downloaded.returncode == 0, downloaded.stderr
    names = {p.name for p in (tmp_path / "out" / job_id).iterdir()}
    assert {
        "গ্রাম.m4b",
        "গ্রাম - subtitles.srt",
        "গ্রাম - subtitles.vtt",
        "গ্রাম - marks.json",
        "গ্রাম - manifest.json",
        "গ্রাম - chapter 0001.m4b",
        "গ্রাম - chapter 0002.m4b",
    } <= names
    assert json.loads((tmp_path / "out" / job_id / "গ্রাম - manifest.json").read_text())
    assert re.search(r"গ্রাম\.m4b  [\d.,]+ MB", downloaded.stdout)

    listed = _kontho("jobs", "--status", "completed", url=url)
    assert listed.returncode == 0, listed.stderr
    assert job_id in listed.stdout
    # At 80 columns the dates and headers are whole (they used to be cut to "2026-1…").
    assert "created (UTC)" in listed.stdout
    assert FULL_TIMESTAMP.search(listed.stdout)
    assert "…" not in listed.stdout
    assert job_id not in _kontho("jobs", "--status", "failed", url=url).stdout
    as_json = json.loads(_kontho("jobs", "--status", "completed", "--json", url=url).stdout)
    assert {job_id, episode_id} <= {job["id"] for job in as_json}

    today = datetime.now(UTC).date().isoformat()
    usage = _kontho("usage", "--from", today, url=url)
    assert usage.returncode == 0, usage.stderr
    assert f"{len(BOOK) + len(episode_text):,}" in usage.stdout  # the day's characters: book and episode
    for whole in (today, "characters", "completed", "stored MB"):
        assert whole in usage.stdout
    assert "…" not in usage.stdout
    usage_json = json.loads(_kontho("usage", "--from", today, "--json", url=url).stdout)
    assert usage_json["total"]["characters"] == len(BOOK) + len(episode_text)

    voices = _kontho("voices", url=url)
    assert "bn-espeak (default)" in voices.stdout
    assert "bn-espeak" in {v["id"] for v in json.loads(_kontho("voices", "--json", url=url).stdout)}

    finished = _kontho("cancel", job_id, url=url)
    assert finished.returncode == 1
    assert "already_finished" in finished.stderr

    missing = _kontho("status", "01m820y5sm9w2j82bfx59v7fdr", url=url)
    assert missing.returncode == 1
    assert "job_not_found" in missing.stderr

    deadline = time.monotonic() + 30
    while len(received) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert {event["job"]["id"] for event in received} == {job_id, episode_id}


def test_files_kontho_cannot_read_are_refused_before_anything_is_sent(
    stack: LocalStack, tmp_path: Path
) -> None:
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    done = _kontho("submit", str(pdf), url=stack.api_url)
    assert done.returncode == 2
    assert "book.pdf" in done.stderr
    assert ".txt" in done.stderr
    assert ".epub" in done.stderr
    assert done.stdout == ""


def _until(check: Any, timeout: float = 120, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out" + (f"; the log:\n{log.read_text()}" if log else ""))


def test_cancel_a_queued_and_a_running_job_then_erase_them(stack: LocalStack) -> None:
    url = stack.api_url
    client = KonthoClient(url, api_key=LOCAL_API_KEY)
    running = client.submit(LONG_TEXT, title="দীর্ঘ")["id"]
    _until(lambda: client.job(running)["status"] == "running")
    queued = client.submit("নদী বয়ে চলে।", title="ছোট")["id"]  # the one worker is busy

    cancelled = _kontho("cancel", queued, url=url)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout == f"{queued}  cancelled\n"
    stopping = _kontho("cancel", running, url=url)
    assert stopping.returncode == 0, stopping.stderr
    assert stopping.stdout == f"{running}  running: stops at its next chunk\n"
    assert client.wait(running, timeout=120)["status"] == "cancelled"
    assert _kontho("cancel", running, url=url).stdout == f"{running}  cancelled\n"  # as often as you like

    # Erasing cannot be undone: without a terminal to ask on, only --yes erases.
    refused = _kontho("delete", running, url=url)
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert client.job(running)["status"] == "cancelled"
    erased = _kontho("delete", running, queued, "--yes", url=url)
    assert erased.returncode == 0, erased.stderr
    assert erased.stdout == f"{running}  erased\n{queued}  erased\n"
    for job_id in (running, queued):
        gone = _kontho("status", job_id, url=url)
        assert gone.returncode == 1
        assert "job_not_found" in gone.stderr
        assert job_id not in _kontho("jobs", url=url).stdout


def _delete_on_a_terminal(job_id: str, url: str, answer: bytes) -> subprocess.CompletedProcess[str]:
    controller, terminal = os.openpty()
    try:
        os.write(controller, answer)
        return _kontho("delete", job_id, url=url, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)


def test_delete_asks_on_a_terminal(stack: LocalStack) -> None:
    client = KonthoClient(stack.api_url, api_key=LOCAL_API_KEY)
    job_id = client.submit("নদী বয়ে চলে।")["id"]
    kept = _delete_on_a_terminal(job_id, stack.api_url, b"n\n")
    assert kept.returncode == 1
    assert "cannot be undone" in " ".join(kept.stderr.split())
    assert "nothing erased" in kept.stderr
    assert client.job(job_id)["id"] == job_id
    erased = _delete_on_a_terminal(job_id, stack.api_url, b"y\n")
    assert erased.returncode == 0, erased.stderr
    assert erased.stdout == f"{job_id}  erased\n"
    assert _kontho("status", job_id, url=stack.api_url).returncode == 1


def _worker_pids(parent: int) -> set[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    found = set()
    for child in children:
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if argv[1:3] == [b"-m", b"worker"]:
            found.add(int(child))
    return found


def test_make_serve_prints_the_exports_and_restarts_a_worker_that_dies(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    env = {
        **os.environ,
        "KONTHO_API_PORT": str(free_port()),
        "KONTHO_LOCAL_AWS_PORT": str(free_port()),
        "KONTHO_LOCAL_STATE_DIR": str(tmp_path / "state"),
        "KONTHO_LOCAL_WORKERS": "1",
        # A killed worker's job comes back to the queue after the visibility timeout: keep it short here.
        "KONTHO_VISIBILITY_TIMEOUT_SECONDS": "10",
        "KONTHO_HEARTBEAT_SECONDS": "2",
        "KONTHO_POLL_WAIT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    with log_path.open("w") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "devstack", "serve"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        export = _until(
            lambda: next(
                (ln for ln in log_path.read_text().splitlines() if "export KONTHO_URL=" in ln), None
            ),
            timeout=90,
            log=log_path,
        )
        # What a user pastes: their shell would set these, and kontho reads them.
        exported = dict(word.split("=", 1) for word in shlex.split(export)[1:])
        assert set(exported) == {"KONTHO_URL", "KONTHO_API_KEY"}
        [worker] = _until(lambda: _worker_pids(serve.pid), timeout=30, log=log_path)

        text = tmp_path / "দীর্ঘ.txt"
        text.write_text(LONG_TEXT[: len(LONG_TEXT) // 4], encoding="utf-8")
        submitted = _kontho("submit", str(text), env=exported)
        assert submitted.returncode == 0, submitted.stderr
        assert f"kontho: using {exported['KONTHO_URL']} (from KONTHO_URL)" in submitted.stderr
        job_id = submitted.stdout.split()[0]
        client = KonthoClient(exported["KONTHO_URL"], api_key=exported["KONTHO_API_KEY"])
        _until(lambda: client.job(job_id)["progress"]["done"] > 0)

        os.kill(worker, signal.SIGKILL)
        [restarted] = _until(lambda: _worker_pids(serve.pid) - {worker}, timeout=30, log=log_path)
        assert serve.poll() is None, "the stack stopped with its worker"
        waited = _kontho("wait", job_id, env=exported)
        assert waited.returncode == 0, waited.stderr + log_path.read_text()
        assert f"{job_id}  দীর্ঘ  completed" in waited.stdout
        assert client.job(job_id)["attempts"] >= 2
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
    output = log_path.read_text()
    assert serve.returncode == 0, output
    assert f"worker 1 (pid {worker}) exited with code -9" in output
    assert f"worker 1 restarted (pid {restarted})" in output


def test_an_api_that_cannot_be_reached_is_one_line_not_a_traceback() -> None:
    done = _kontho("voices", url=f"http://127.0.0.1:{free_port()}", env={"KONTHO_API_KEY": "k"})
    assert done.returncode == 1
    assert "cannot reach the kontho API" in done.stderr
    assert "Traceback" not in done.stderr


def test_submit_with_a_cover_and_a_year_tags_the_mp3(stack: LocalStack, tmp_path: Path) -> None:
    from PIL import Image

    from tests.ffprobe import probe

    cover = tmp_path / "cover.png"
    Image.new("RGB", (16, 16), (20, 120, 60)).save(cover)
    script = tmp_path / "পর্ব.txt"
    script.write_text("আজ আমরা নদীর গল্প বলব।\n", encoding="utf-8")
    submitted = _kontho(
        *("submit", str(script), "--format", "mp3", "--cover", str(cover), "--year", "2026", "--wait"),
        url=stack.api_url,
    )
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.split()[0]
    done = _kontho("download", job_id, "-o", str(tmp_path / "out"), url=stack.api_url)
    assert done.returncode == 0, done.stderr
    (mp3,) = (tmp_path / "out" / job_id).glob("*.mp3")
    found = probe(mp3, "-show_streams", "-show_format")
    (picture,) = [s for s in found["streams"] if s["codec_type"] == "video"]
    assert picture["disposition"]["attached_pic"] == 1
    assert (picture["width"], picture["height"]) == (16, 16)
    assert found["format"]["tags"]["date"] == "2026"
