"""Listening while a book renders: each chapter's file is offered by the result endpoint as soon as it is
finished, and the chapter files put together are exactly the whole programme."""

from __future__ import annotations

import io
import time
import wave
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from kontho.schemas import Artifact
from kontho.settings import Settings
from kontho.text.chunking import Chunk
from tests.ffprobe import duration
from worker.cast import Cast
from worker.consumer import Consumer
from worker.engines.base import Audio
from worker.progress import ProgressReporter

BOOK = "\n\n".join(
    f"# অধ্যায় {n}\n\n" + "\n\n".join(f"এটি {n} নম্বর অধ্যায়ের {p} নম্বর অনুচ্ছেদ। নদী বয়ে চলে।" for p in range(3))
    for n in ("এক", "দুই", "তিন")
)


def _frames(body: bytes) -> bytes:
    with wave.open(io.BytesIO(body)) as wav:
        frames: bytes = wav.readframes(wav.getnframes())
    return frames


def test_finished_chapters_are_offered_while_the_rest_renders(
    api: TestClient, consumer: Consumer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    job_id = api.post(
        "/v1/jobs",
        json={
            "text": BOOK,
            "text_format": "markdown",
            "format": "wav",
            "loudness": "off",
            "chapter_files": True,
        },
    ).json()["id"]
    seen: list[dict[str, Any]] = []
    ready = ProgressReporter.chapter_ready

    def look(progress: ProgressReporter, artifact: Artifact) -> None:
        ready(progress, artifact)
        # What a producer polling the API sees at this moment.
        seen.append(
            {"job": api.get(f"/v1/jobs/{job_id}").json(), "result": api.get(f"/v1/jobs/{job_id}/result")}
        )

    monkeypatch.setattr(ProgressReporter, "chapter_ready", look)
    levelled = Cast.levelled

    def slowly(cast: Cast, chunk: Chunk, audio: Audio) -> Audio:
        time.sleep(0.3)  # a long book's pace: chapters finish long before the book does
        return levelled(cast, chunk, audio)

    monkeypatch.setattr(Cast, "levelled", slowly)
    assert api.get(f"/v1/jobs/{job_id}/result").status_code == 409  # queued: nothing yet
    consumer.run(burst=True)

    running = [s for s in seen if s["job"]["status"] == "running"]
    assert len(running) >= 2  # chapters 1 and 2 at least came before the job ended
    first = running[0]["result"]
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "running"
    assert body["audio"] is None
    assert [a["chapter"] for a in body["artifacts"]] == [1]
    early = httpx.get(body["artifacts"][0]["url"]).content
    path = tmp_path / "chapter-1.wav"
    path.write_bytes(early)
    assert duration(path) > 1.0
    assert running[0]["job"]["progress"]["done"] < running[0]["job"]["progress"]["total"]

    result = api.get(f"/v1/jobs/{job_id}/result").json()
    assert result["status"] == "completed"
    chapters = sorted(
        (a for a in result["artifacts"] if a["kind"] == "chapter_audio"), key=lambda a: a["chapter"]
    )
    assert [a["chapter"] for a in chapters] == [1, 2, 3]
    bodies = [httpx.get(a["url"]).content for a in chapters]
    assert bodies[0] == early  # the file offered early is the final one
    whole = httpx.get(result["audio"]["url"]).content
    # Cut at the sample: no gap, no repeated sample at a chapter boundary.
    assert b"".join(_frames(b) for b in bodies) == _frames(whole)
    assert (result["chunks_total"], result["chunks_rendered"], result["chunks_reused"]) == (
        result["chunks_total"],
        result["chunks_total"],
        0,
    )


def test_chapter_files_follow_a_gain_decided_after_they_finished(
    settings: Settings, api: TestClient, consumer: Consumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opening that sets the gain is longer than the first chapters: they wait for it, and each file
    still carries the programme's gain (the whole and the chapters agree sample for sample, as WAV)."""
    job_id = api.post(
        "/v1/jobs",
        json={"text": BOOK, "text_format": "markdown", "format": "wav", "chapter_files": True},
    ).json()["id"]
    consumer.run(burst=True)
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    chapters = sorted(
        (a for a in result["artifacts"] if a["kind"] == "chapter_audio"), key=lambda a: a["chapter"]
    )
    joined = b"".join(_frames(httpx.get(a["url"]).content) for a in chapters)
    whole = _frames(httpx.get(result["audio"]["url"]).content)
    assert len(joined) == len(whole)
    assert joined == whole
