"""The text preview reads text as the job will: the same options, the same chapters, the same chunks."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.text import UPLOAD_CHUNKS_LISTED
from devstack.provision import Resources
from kontho.settings import Settings
from kontho.text import epub
from kontho.text.unicode import normalize_unicode
from tests.conftest import AUTH
from tests.epubs import build_epub
from tests.ffprobe import probe
from worker.consumer import Consumer

BOOK = """ভূমিকা: *এই* বইটি __পুরোনো__।

# প্রথম *অধ্যায়*

শকুন্তলা **বনের** পথে [হাঁটছিল](https://example.com/a_b_c)। ![ছবি](deer.png)
পাখিরা `গান` গাইছিল।

- রাজা এলেন।

## দ্বিতীয় অধ্যায়

> হরিণ ছুটে পালাল।
"""


def test_the_preview_of_a_markdown_job_has_the_jobs_chapters_and_chunks(
    api: TestClient, consumer: Consumer
) -> None:
    options = {"text_format": "markdown", "read_chapter_titles": False, "subtitles": True}
    response = api.post("/v1/text/preview", json={"text": BOOK, **options})
    assert response.status_code == 200, response.text
    preview = response.json()
    titles = [c["title"] for c in preview["chapters"]]
    assert titles == [None, *map(normalize_unicode, ["প্রথম অধ্যায়", "দ্বিতীয় অধ্যায়"])]
    assert sum(c["characters"] for c in preview["chapters"]) == preview["spoken_characters"]
    assert [c["chapter"] for c in preview["chunks"]] == [0, 1, 1, 1, 2]
    assert preview["warnings"] == []  # no mark was left for the voice to refuse

    job = api.post("/v1/jobs", json={"text": BOOK, "format": "wav", "loudness": "off", **options}).json()
    assert consumer.run(burst=True)["completed"] == 1
    done = api.get(f"/v1/jobs/{job['id']}").json()
    assert done["progress"]["chapters"] == len(preview["chapters"])
    result = api.get(f"/v1/jobs/{job['id']}/result").json()
    marks_url = next(a["url"] for a in result["artifacts"] if a["kind"] == "marks")
    marks = [m for m in json.loads(httpx.get(marks_url).content) if m["type"] == "sentence"]
    assert [(m["start_char"], m["end_char"]) for m in marks] == [
        (c["start"], c["end"]) for c in preview["chunks"]
    ]


def test_markdown_is_read_as_markdown_only_when_asked(api: TestClient) -> None:
    text = "# শিরোনাম\n\n**কথা** বলো।"
    plain = api.post("/v1/text/preview", json={"text": text}).json()
    assert [c["title"] for c in plain["chapters"]] == [None]
    assert set(plain["warnings"][0]["examples"]) == {"*"}  # plain text: * is a mark, # is read (হ্যাশ)
    markdown = api.post("/v1/text/preview", json={"text": text, "text_format": "markdown"}).json()
    assert [c["title"] for c in markdown["chapters"]] == [normalize_unicode("শিরোনাম")]
    assert [c["text"] for c in markdown["chunks"]] == [
        normalize_unicode("শিরোনাম"),
        normalize_unicode("কথা বলো।"),
    ]
    assert markdown["warnings"] == []


def test_plain_text_chapters_are_previewed_with_what_each_reads(api: TestClient) -> None:
    text = "অধ্যায় ১\nপ্রথম কথা।\nঅধ্যায় ২\nদ্বিতীয় কথা, আরও কথা।"
    preview = api.post("/v1/text/preview", json={"text": text}).json()
    chapters = [(c["title"], c["first_chunk"]) for c in preview["chapters"]]
    assert chapters == [(normalize_unicode("অধ্যায় ১"), 0), (normalize_unicode("অধ্যায় ২"), 2)]  # titles read
    spoken = [sum(len(k["text"]) for k in preview["chunks"] if k["chapter"] == n) for n in range(2)]
    assert [c["characters"] for c in preview["chapters"]] == spoken


def test_a_job_renders_only_the_chapters_it_names_by_their_preview_numbers(
    api: TestClient, consumer: Consumer
) -> None:
    text = "অধ্যায় ১\nপ্রথম কথা।\nঅধ্যায় ২\nদ্বিতীয় কথা।\nঅধ্যায় ৩\nতৃতীয় কথা।\nঅধ্যায় ৪\nচতুর্থ কথা।"
    preview = api.post("/v1/text/preview", json={"text": text}).json()
    assert [c["number"] for c in preview["chapters"]] == [1, 2, 3, 4]
    options = {"text": text, "format": "m4b", "subtitles": True}
    job = api.post("/v1/jobs", json={**options, "chapters": [1, "3-4"]}).json()
    assert job["chapters"] == [1, "3-4"]
    assert consumer.run(burst=True)["completed"] == 1
    done = api.get(f"/v1/jobs/{job['id']}").json()
    assert done["progress"]["chapters"] == 3
    result = api.get(f"/v1/jobs/{job['id']}/result").json()
    marks_url = next(a["url"] for a in result["artifacts"] if a["kind"] == "marks")
    entries = json.loads(httpx.get(marks_url).content)
    said = [m["text"] for m in entries if m["type"] == "sentence"]
    assert said == [
        normalize_unicode(s) for s in ["অধ্যায় ১", "প্রথম কথা।", "অধ্যায় ৩", "তৃতীয় কথা।", "অধ্যায় ৪", "চতুর্থ কথা।"]
    ]
    chapters = [(m["index"], m["title"]) for m in entries if m["type"] == "chapter"]
    assert chapters == [(n, normalize_unicode(t)) for n, t in enumerate(["অধ্যায় ১", "অধ্যায় ৩", "অধ্যায় ৪"])]


def test_a_chapter_beyond_the_text_is_refused_naming_the_field(api: TestClient) -> None:
    response = api.post("/v1/jobs", json={"text": "অধ্যায় ১\nকথা।\nঅধ্যায় ২\nকথা।", "chapters": ["2-5"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("chapter_out_of_range", "chapters")
    assert "chapter 3 is not in the text, which has 2 chapters" in error["message"]
    backwards = api.post("/v1/jobs", json={"text": "কথা।", "chapters": ["5-2"]})
    assert backwards.status_code == 422
    assert "runs backwards" in backwards.text


EPUB_CHAPTERS = [
    ("প্রথম অধ্যায়", "শকুন্তলা বনের পথে হাঁটছিল।\nপাখিরা গান গাইছিল।"),
    ("দ্বিতীয় অধ্যায়", "রাজা দুষ্মন্ত শিকারে এলেন।"),
    ("তৃতীয় অধ্যায়", "হরিণ ছুটে পালাল। ঋষি এলেন।"),
]


def _upload(api: TestClient, data: bytes, content_type: str) -> str:
    upload = api.post("/v1/uploads", json={"content_type": content_type, "bytes": len(data)}).json()
    httpx.put(upload["url"], content=data, headers=upload["headers"]).raise_for_status()
    upload_id: str = upload["id"]
    return upload_id


def test_an_uploaded_epub_is_previewed_with_the_chapter_numbers_a_job_renders(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    upload_id = _upload(api, build_epub(tmp_path / "book.epub", EPUB_CHAPTERS), "application/epub+zip")
    response = api.post("/v1/text/preview", json={"upload": upload_id})
    assert response.status_code == 200, response.text
    preview = response.json()
    assert (preview["title"], preview["author"], preview["text_format"]) == (
        "শকুন্তলা",
        "অবনীন্দ্রনাথ ঠাকুর",
        "markdown",
    )
    chapters = [(c["number"], c["title"]) for c in preview["chapters"]]
    assert chapters == [(n, normalize_unicode(t)) for n, (t, _) in enumerate(EPUB_CHAPTERS, start=1)]
    assert sum(c["characters"] for c in preview["chapters"]) == preview["spoken_characters"]
    assert preview["chunks_total"] == len(preview["chunks"])  # a short book: every chunk listed
    # The title page is front matter, left out unless the request keeps it, as a job would.
    kept = api.post("/v1/text/preview", json={"upload": upload_id, "skip_front_matter": False}).json()
    assert len(kept["chapters"]) == len(EPUB_CHAPTERS) + 1

    job = api.post("/v1/jobs", json={"upload": upload_id, "format": "m4b", "chapters": ["2-3"]}).json()
    assert consumer.run(burst=True)["completed"] == 1
    result = api.get(f"/v1/jobs/{job['id']}/result").json()
    m4b = tmp_path / "book.m4b"
    m4b.write_bytes(httpx.get(result["audio"]["url"]).content)
    rendered = [normalize_unicode(c["tags"]["title"]) for c in probe(m4b, "-show_chapters")["chapters"]]
    assert rendered == [title for number, title in chapters if number in (2, 3)]


def test_a_book_longer_than_an_inline_preview_lists_every_chapter_and_its_first_chunks(
    api: TestClient,
) -> None:
    chapter = "শকুন্তলা বনের পথে হাঁটছিল, পাখিরা গান গাইছিল। " * 100
    book = "".join(f"# অধ্যায় {n}\n\n{chapter}\n\n" for n in range(1, 81))
    assert len(book) > 350_000  # past the inline preview's 100,000 characters: over 1 MB of UTF-8
    upload_id = _upload(api, book.encode(), "text/markdown")
    response = api.post("/v1/text/preview", json={"upload": upload_id, "read_chapter_titles": False})
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["characters"] == len(book)
    assert [c["number"] for c in preview["chapters"]] == list(range(1, 81))
    assert sum(c["characters"] for c in preview["chapters"]) == preview["spoken_characters"]
    assert len(preview["chunks"]) == UPLOAD_CHUNKS_LISTED < preview["chunks_total"]
    assert [c["index"] for c in preview["chunks"]] == list(range(UPLOAD_CHUNKS_LISTED))
    assert preview["chapters"][-1]["first_chunk"] < preview["chunks_total"]
    assert len(response.content) < 300_000  # 200 chunks of at most 400 Bangla characters, and the rest


def test_an_uploads_preview_is_refused_as_its_job_would_be(api: TestClient, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    cases = {
        "unknown_upload": "01m820y5sm9w2j82bfx59v7fdr",
        "upload_not_received": api.post(
            "/v1/uploads", json={"content_type": "text/plain", "bytes": 10}
        ).json()["id"],
        "invalid_epub": _upload(api, b"PK\x03\x04 not really a zip", "application/epub+zip"),
        "upload_not_text": _upload(api, png, "image/png"),
        "invalid_utf8": _upload(api, "পাঠ্য".encode() + b"\xff", "text/plain"),
    }
    for code, upload_id in cases.items():
        preview = api.post("/v1/text/preview", json={"upload": upload_id})
        job = api.post("/v1/jobs", json={"upload": upload_id})
        assert preview.status_code == job.status_code == 422, code
        assert (preview.json()["error"]["code"], preview.json()["error"]["field"]) == (code, "upload")
        assert preview.json()["error"] == job.json()["error"]
    epub = _upload(api, build_epub(tmp_path / "book.epub", EPUB_CHAPTERS), "application/epub+zip")
    told = api.post("/v1/text/preview", json={"upload": epub, "text_format": "markdown"})
    assert told.status_code == 422
    assert (told.json()["error"]["code"], told.json()["error"]["field"]) == (
        "text_format_not_applicable",
        "text_format",
    )


def test_an_uploads_preview_keeps_to_the_jobs_text_limits(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    small = settings.model_copy(update={"max_text_chars": 50, "max_chapters": 2})
    with TestClient(create_app(small), headers=AUTH) as client:
        book = _upload(client, build_epub(tmp_path / "book.epub", EPUB_CHAPTERS), "application/epub+zip")
        epub_too_long = client.post("/v1/text/preview", json={"upload": book})
        assert epub_too_long.status_code == 413
        assert epub_too_long.json()["error"] == client.post("/v1/jobs", json={"upload": book}).json()["error"]
        long = _upload(client, ("কথা। " * 20).encode(), "text/plain")
        too_long = client.post("/v1/text/preview", json={"upload": long})
        assert too_long.status_code == 413
        assert too_long.json()["error"] == {
            "code": "text_too_long",
            "field": "upload",
            "message": "text has 100 characters; the limit is 50",
        }
        chapters = _upload(client, "# এক\n\nক।\n\n# দুই\n\nখ।\n\n# তিন\n\nগ।".encode(), "text/markdown")
        many = client.post("/v1/text/preview", json={"upload": chapters})
        assert many.status_code == 413
        assert many.json()["error"]["code"] == "too_many_chapters"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "কথা।", "upload": "01m820y5sm9w2j82bfx59v7fdr"}, "upload"),
        ({"voice": "bn-espeak"}, "text"),
        ({"text": None, "upload": None}, "text"),
    ],
)
def test_a_preview_names_exactly_one_input(api: TestClient, body: dict[str, object], field: str) -> None:
    response = api.post("/v1/text/preview", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert "exactly one of text" in error["message"]


def test_an_epub_preview_waits_its_turn_for_a_reading_slot_as_a_job_does(
    api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload_id = _upload(api, build_epub(tmp_path / "book.epub", EPUB_CHAPTERS), "application/epub+zip")
    monkeypatch.setattr(epub, "SLOT_WAIT_SECONDS", 0.2)
    with epub.reading_slot(), epub.reading_slot():  # two books are being read
        response = api.post("/v1/text/preview", json={"upload": upload_id})
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == ("busy", "upload")
