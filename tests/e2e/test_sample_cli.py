"""``kontho voices sample`` against a real API (uvicorn) and a worker (in a thread), on a moto server: the
command submits, follows, downloads the audio and prints its path; a voice that is not there is an error."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.provision import Resources
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY
from worker.__main__ import build_consumer


@pytest.fixture
def worker(settings: Settings, resources: Resources) -> Iterator[None]:
    consumer = build_consumer(settings.model_copy(update={"queue_url": resources.queue_url}))
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    yield
    consumer.stop()
    thread.join(timeout=30)


def kontho(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, in a process of its own, at 80 columns, without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "client.cli", "voices", "sample", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/nonexistent",
            "COLUMNS": "80",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "KONTHO_URL": url,
            "KONTHO_API_KEY": LOCAL_KEY,
        },
    )


def test_a_sample_is_rendered_downloaded_and_its_path_printed(
    api_url: str, worker: None, tmp_path: Path
) -> None:
    done = kontho(api_url, "bn-espeak", "--format", "wav", "--text", "আমার সোনার বাংলা।", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "bn-espeak-sample.wav"
    assert done.stdout.strip() == path.name
    # Without a terminal, each phase is a line on stderr, as for submit --wait.
    assert "bn-espeak sample: queued" in done.stderr or "bn-espeak sample: planning" in done.stderr
    assert "of audio" in done.stderr
    with wave.open(str(path)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 0.5 < seconds < 10

    chosen = tmp_path / "out" / "slow.mp3"
    as_json = kontho(api_url, "bn-espeak", "--speed", "0.8", "-o", str(chosen), "--json", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    job = json.loads(as_json.stdout)
    assert (job["purpose"], job["status"], job["speed"]) == ("sample", "completed", 0.8)
    assert chosen.stat().st_size > 1000


def test_a_voice_that_is_not_there_is_an_error(api_url: str, tmp_path: Path) -> None:
    refused = kontho(api_url, "bn-nowhere", cwd=tmp_path)
    assert refused.returncode == 1
    assert "voice_not_found" in refused.stderr
    assert refused.stdout == ""
    assert list(tmp_path.iterdir()) == []
