"""Hostile and broken input: every endpoint answers with a 4xx naming the problem, and stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.text import epub
from kontho.text.chunking import plan_chunks
from tests.conftest import AUTH
from tests.epubs import build_epub, build_long_chapter_epub


def _nothing_stored(store: JobStore) -> bool:
    return not store._s3.list_objects_v2(Bucket=store.bucket).get("Contents")


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("কথা\x00বলা", "invalid_characters", "U+0000 at character 3"),
        ("কথা\x1bবলা", "invalid_characters", "U+001B"),
        ("।,;!?—…", "nothing_to_read", "no letters or digits"),
        ("   ...   ", "invalid_request", "only whitespace"),
    ],
)
def test_text_that_is_not_readable_is_422(
    api: TestClient, store: JobStore, text: str, code: str, fragment: str
) -> None:
    response = api.post("/v1/jobs", json={"text": text})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code or (code == "invalid_request" and error["code"] == "nothing_to_read")
    assert error["field"] in {"text", "body"}
    assert _nothing_stored(store)


def test_a_lone_surrogate_escaped_in_json_is_422(api: TestClient, store: JobStore) -> None:
    response = api.post(
        "/v1/jobs", content=b'{"text": "\\u0995\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "lone surrogates" in response.json()["error"]["message"]
    assert _nothing_stored(store)


def test_a_body_that_is_not_utf8_is_400_naming_the_body(api: TestClient, store: JobStore) -> None:
    response = api.post(
        "/v1/jobs", content=b'{"text": "\xff\xfe"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_body",
        "field": "body",
        "message": "the body could not be read: send JSON encoded as UTF-8",
    }
    assert _nothing_stored(store)


def test_latin_text_is_accepted_for_the_espeak_voice_which_reads_it(api: TestClient) -> None:
    assert api.post("/v1/jobs", json={"text": "Hello from Dhaka."}).status_code == 202


def test_tabs_form_feeds_and_carriage_returns_are_text(api: TestClient) -> None:
    assert api.post("/v1/jobs", json={"text": "এক\tদুই\r\nতিন\x0cচার"}).status_code == 202


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"text": "unterminated', {"Content-Type": "application/json"}),
        (b"text=hello", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"hello", {"Content-Type": "text/plain"}),
        (b"[1, 2, 3]", {"Content-Type": "application/json"}),
        (b'{"text": "x", "bytes": 1e999}', {"Content-Type": "application/json"}),
    ],
)
def test_malformed_bodies_and_wrong_content_types_are_422(
    api: TestClient, store: JobStore, content: bytes, headers: dict[str, str]
) -> None:
    response = api.post("/v1/jobs", content=content, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert _nothing_stored(store)


@pytest.mark.parametrize("bytes_", [10**30, -1, 0, 1.5, "many"])
def test_numbers_out_of_range_are_refused_with_a_4xx(api: TestClient, bytes_: object) -> None:
    response = api.post("/v1/uploads", json={"content_type": "text/plain", "bytes": bytes_})
    assert response.status_code in {413, 422}, response.text
    assert response.json()["error"]["field"] == "bytes"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/jobs/..%2F..%2Fetc%2Fpasswd",
        "/v1/jobs/..",
        "/v1/jobs/%00",
        "/v1/jobs/" + "9" * 26,
        "/v1/uploads/..%2Fjobs",
        "/v1/jobs/01m820y5sm9w2j82bfx59v7fdr/result",
    ],
)
def test_ids_with_path_characters_name_nothing(api: TestClient, path: str) -> None:
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code in {404, 405}


def test_very_long_ids_are_refused_without_a_storage_read(api: TestClient) -> None:
    response = api.get("/v1/jobs/" + "a" * 10_000)
    assert response.status_code in {404, 414, 422}


def test_a_chunked_body_over_the_limit_is_cut_off_with_413(settings: Settings, resources: Resources) -> None:
    with TestClient(create_app(settings.model_copy(update={"max_text_chars": 100})), headers=AUTH) as client:

        def streamed() -> Iterator[bytes]:  # no Content-Length: sent chunked, 600 kB in all
            yield b'{"text": "'
            for _ in range(20):
                yield "ক".encode() * 10_000

        response = client.post("/v1/jobs", content=streamed(), headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "body_too_large"


def test_a_declared_body_over_the_limit_is_refused_before_reading(
    settings: Settings, resources: Resources
) -> None:
    with TestClient(create_app(settings.model_copy(update={"max_text_chars": 100})), headers=AUTH) as client:
        response = client.post(
            "/v1/jobs",
            content=b"{}",
            headers={"Content-Type": "application/json", "Content-Length": "999999999"},
        )
        assert response.status_code == 413


def test_a_200000_character_sentence_without_punctuation_or_spaces_is_chunked_safely(
    api: TestClient,
) -> None:
    text = "কি" * 100_000
    response = api.post("/v1/jobs", json={"text": text})
    assert response.status_code == 202
    chunks = plan_chunks(text, 400)
    assert max(len(c.text) for c in chunks) <= 400
    assert "".join(c.text for c in chunks) == text
    preview = api.post("/v1/text/preview", json={"text": "কি" * 10_000})
    assert preview.status_code == 200
    assert max(len(c["text"]) for c in preview.json()["chunks"]) <= 400


def _upload_epub(api: TestClient, data: bytes) -> str:
    upload = api.post("/v1/uploads", json={"content_type": "application/epub+zip", "bytes": len(data)}).json()
    assert httpx.put(upload["url"], content=data, headers=upload["headers"]).status_code == 200
    upload_id: str = upload["id"]
    return upload_id


def test_an_epub_whose_text_passes_the_limit_is_413_naming_the_upload_and_the_limit(
    api: TestClient, store: JobStore, tmp_path: Path
) -> None:
    # 12 MiB of text in a 40 kB file: far past the 2,000,000 characters a job may have.
    data = build_long_chapter_epub(tmp_path / "long.epub", 12 * 2**20)
    upload_id = _upload_epub(api, data)
    response = api.post("/v1/jobs", json={"upload": upload_id})
    assert response.status_code == 413, response.text
    assert response.json()["error"] == {
        "code": "text_too_long",
        "field": "upload",
        "message": "the EPUB's text has more than 2,000,000 characters (reading stopped there); "
        "the limit is 2,000,000",
    }
    assert not [key for key in store.list_keys("tenants/") if "/jobs/" in key]  # no job was made


def test_an_epub_that_finds_every_reading_slot_taken_is_503_with_retry_after(
    api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload_id = _upload_epub(api, build_epub(tmp_path / "book.epub", [("এক", "প্রথম কথা।")]))
    monkeypatch.setattr(epub, "SLOT_WAIT_SECONDS", 0.2)
    with epub.reading_slot(), epub.reading_slot():  # two books are being read
        response = api.post("/v1/jobs", json={"upload": upload_id})
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "busy"
    assert response.json()["error"]["field"] == "upload"
    assert api.post("/v1/jobs", json={"upload": upload_id}).status_code == 202  # the slots are free again
