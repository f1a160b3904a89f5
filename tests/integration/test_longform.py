"""The shared corpus as one Markdown book: chapters in, a chaptered M4B with subtitles out."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from kontho.jobstore import JobStore
from kontho.tenants import LOCAL_TENANT
from kontho.text.unicode import normalize_unicode
from tests import ffprobe
from tests.conftest import corpus_chapter
from tests.epubs import build_epub
from worker.audio.loudness import measure
from worker.consumer import Consumer

TITLES = ["প্রথম পর্ব: আশ্রম", "দ্বিতীয় পর্ব: রাজা", "তৃতীয় পর্ব: বিদায়", "চতুর্থ পর্ব: অভিজ্ঞান"]


def _book() -> str:
    return "\n\n".join(f"# {title}\n\n{corpus_chapter(n + 1)}" for n, title in enumerate(TITLES))


def _submit_book(api: TestClient, store: JobStore, as_epub: bool, tmp_path: Path) -> tuple[str, str]:
    """Submit the corpus as Markdown text or as an uploaded EPUB; returns the job id and its stored text."""
    common = {"format": "m4b", "subtitles": True, "title": "শকুন্তলা", "author": "অবনীন্দ্রনাথ ঠাকুর"}
    if not as_epub:
        book = _book()
        job = api.post("/v1/jobs", json={"text": book, "text_format": "markdown", **common}).json()
        return job["id"], book
    chapters = [(title, corpus_chapter(n + 1)) for n, title in enumerate(TITLES)]
    data = build_epub(tmp_path / "book.epub", chapters)
    upload = api.post("/v1/uploads", json={"content_type": "application/epub+zip", "bytes": len(data)}).json()
    httpx.put(upload["url"], content=data, headers=upload["headers"]).raise_for_status()
    response = api.post("/v1/jobs", json={"upload": upload["id"], **common})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    text = store.get_text(LOCAL_TENANT, job_id)  # the EPUB as the Markdown the worker reads
    assert text is not None
    return job_id, text


@pytest.mark.parametrize("as_epub", [False, True], ids=["markdown", "epub"])
def test_the_book_becomes_a_chaptered_m4b_with_subtitles(
    api: TestClient, consumer: Consumer, store: JobStore, tmp_path: Path, as_epub: bool
) -> None:
    job_id, book = _submit_book(api, store, as_epub, tmp_path)
    assert consumer.run(burst=True)["completed"] == 1
    job = api.get(f"/v1/jobs/{job_id}").json()
    assert (job["progress"]["chapter"], job["progress"]["chapters"]) == (4, 4)
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    files = {(a["kind"], a["format"]): a for a in result["artifacts"]}

    m4b = tmp_path / "book.m4b"
    m4b.write_bytes(httpx.get(files[("audio", "m4b")]["url"]).content)
    probe = ffprobe.probe(m4b, "-show_chapters", "-show_format")
    chapters = probe["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [normalize_unicode(t) for t in TITLES]
    assert float(chapters[0]["start_time"]) == 0.0
    assert all(
        float(a["end_time"]) <= float(b["start_time"]) + 0.001 for a, b in itertools.pairwise(chapters)
    )
    duration = float(probe["format"]["duration"])
    assert probe["format"]["tags"]["title"] == "শকুন্তলা"
    assert probe["format"]["tags"]["artist"] == "অবনীন্দ্রনাথ ঠাকুর"

    entries = json.loads(httpx.get(files[("marks", "json")]["url"]).content)
    # marks.json names the chapters where the M4B's chapter list starts them, titled alike.
    titled = [(m["title"], m["start_ms"]) for m in entries if m["type"] == "chapter"]
    assert [title for title, _ in titled] == [c["tags"]["title"] for c in chapters]
    for (_, start_ms), chapter in zip(titled, chapters, strict=True):
        assert start_ms / 1000 == pytest.approx(float(chapter["start_time"]), abs=0.002)
    marks = [m for m in entries if m["type"] == "sentence"]
    assert marks[-1]["end_ms"] / 1000 == pytest.approx(duration, abs=0.5)
    assert book[marks[0]["start_char"] : marks[0]["end_char"]] == f"# {TITLES[0]}"
    assert measure(m4b).integrated_lufs == pytest.approx(-18.0, abs=1.0)


def test_chapter_titles_can_be_left_unread_and_chapters_come_as_files(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    text = "# ভূমিকা\n\nএকটি কথা।\n\n# শেষ\n\nআরেকটি কথা।"
    job_id = api.post(
        "/v1/jobs",
        json={
            "text": text,
            "text_format": "markdown",
            "read_chapter_titles": False,
            "subtitles": True,
            "format": "wav",
            "chapter_files": True,
            "loudness": "off",
        },
    ).json()["id"]
    consumer.run(burst=True)
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    marks_url = next(a["url"] for a in result["artifacts"] if a["kind"] == "marks")
    entries = json.loads(httpx.get(marks_url).content)
    marks = [m for m in entries if m["type"] == "sentence"]
    assert [m["text"] for m in marks] == ["একটি কথা।", "আরেকটি কথা।"]
    parts = [a for a in result["artifacts"] if a["kind"] == "chapter_audio"]
    # The titles are not read, yet the marks still name each chapter where its file begins.
    titled = [(m["title"], m["start_ms"]) for m in entries if m["type"] == "chapter"]
    assert [title for title, _ in titled] == ["ভূমিকা", "শেষ"]
    assert titled[1][1] / 1000 == pytest.approx(parts[0]["duration_seconds"], abs=0.002)
    assert [p["chapter"] for p in parts] == [1, 2]
    assert sum(p["duration_seconds"] for p in parts) == pytest.approx(
        result["audio"]["duration_seconds"], abs=0.01
    )
    for part in parts:
        path = tmp_path / f"{part['chapter']}.wav"
        path.write_bytes(httpx.get(part["url"]).content)
        assert measure(path).integrated_lufs > -70  # speech, not silence
        assert (
            marks[part["chapter"] - 1]["end_ms"] / 1000
            <= sum(p["duration_seconds"] for p in parts[: part["chapter"]]) + 0.01
        )
