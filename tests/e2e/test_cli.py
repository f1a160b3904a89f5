"""The kontho command against a running local stack: submit, wait, status, download, voices, cancel."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.settings import Settings

pytestmark = pytest.mark.e2e

BOOK = "# প্রথম অধ্যায়\n\nপদ্মার পাড়ে ছোট একটি গ্রাম।\n\n# দ্বিতীয় অধ্যায়\n\nসেখানে ২৫০টি পরিবার বাস করে।\n"


def _kontho(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args, "--url", url],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "COLUMNS": "200"},
    )


def test_submit_wait_status_download_and_voices(tmp_path: Path) -> None:
    book = tmp_path / "গ্রাম.md"
    book.write_text(BOOK, encoding="utf-8")
    settings = Settings(
        api_port=free_port(), local_aws_port=free_port(), local_workers=1, local_state_dir=tmp_path / "state"
    )
    with LocalStack(settings) as stack:
        url = stack.api_url
        episode = tmp_path / "episode.txt"
        episode_text = "আজকের পর্বে আমরা নদীর কথা বলব।\n"
        episode.write_text(episode_text, encoding="utf-8")
        submitted = _kontho(
            "submit", str(book), str(episode), "--format", "m4b", "--subtitles", "--wait", url=url
        )
        assert submitted.returncode == 0, submitted.stderr
        job_id = submitted.stdout.split()[0]
        lines = submitted.stdout.splitlines()
        # One line per job as it is submitted, then each job's end once all have ended.
        assert lines[0].split()[1:] == ["গ্রাম.md", "queued"]
        assert lines[1].split()[1:] == ["episode.txt", "queued"]
        assert sum(" completed" in line for line in lines) == 2

        status = _kontho("status", job_id, url=url)
        assert status.returncode == 0
        assert f"{job_id}  completed" in status.stdout

        downloaded = _kontho("download", job_id, "-o", str(tmp_path / "out"), url=url)
        assert downloaded.returncode == 0, downloaded.stderr
        names = {p.name for p in (tmp_path / "out" / job_id).iterdir()}
        assert {"audio.m4b", "subtitles.srt", "subtitles.vtt", "marks.json", "manifest.json"} <= names
        manifest = json.loads((tmp_path / "out" / job_id / "manifest.json").read_text())
        assert manifest

        listed = _kontho("jobs", "--status", "completed", url=url)
        assert listed.returncode == 0, listed.stderr
        assert job_id in listed.stdout
        assert job_id not in _kontho("jobs", "--status", "failed", url=url).stdout

        usage = _kontho("usage", url=url)
        assert usage.returncode == 0, usage.stderr
        today = _kontho("usage", "--from", datetime.now(UTC).date().isoformat(), url=url).stdout
        assert f"{len(BOOK) + len(episode_text):,}" in today  # the day's characters: the book and the episode
        assert "characters" in usage.stdout

        voices = _kontho("voices", url=url)
        assert "bn-espeak (default)" in voices.stdout

        finished = _kontho("cancel", job_id, url=url)
        assert finished.returncode == 1
        assert "already_finished" in finished.stderr

        missing = _kontho("status", "01m820y5sm9w2j82bfx59v7fdr", url=url)
        assert missing.returncode == 1
        assert "job_not_found" in missing.stderr
