"""The text preview reads text as the job will: the same options, the same chapters, the same chunks."""

from __future__ import annotations

import json

import httpx
from fastapi.testclient import TestClient

from kontho.text.unicode import normalize_unicode
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
    marks = json.loads(httpx.get(marks_url).content)
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
    said = [m["text"] for m in json.loads(httpx.get(marks_url).content)]
    assert said == [
        normalize_unicode(s) for s in ["অধ্যায় ১", "প্রথম কথা।", "অধ্যায় ৩", "তৃতীয় কথা।", "অধ্যায় ৪", "চতুর্থ কথা।"]
    ]


def test_a_chapter_beyond_the_text_is_refused_naming_the_field(api: TestClient) -> None:
    response = api.post("/v1/jobs", json={"text": "অধ্যায় ১\nকথা।\nঅধ্যায় ২\nকথা।", "chapters": ["2-5"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("chapter_out_of_range", "chapters")
    assert "chapter 3 is not in the text, which has 2 chapters" in error["message"]
    backwards = api.post("/v1/jobs", json={"text": "কথা।", "chapters": ["5-2"]})
    assert backwards.status_code == 422
    assert "runs backwards" in backwards.text
