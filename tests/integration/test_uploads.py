"""Uploads: a presigned PUT to S3 (the moto server), then a job naming the upload."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT
from tests.conftest import AUTH
from tests.epubs import build_epub
from worker.consumer import Consumer

CHAPTERS = [
    ("প্রথম অধ্যায়", "শকুন্তলা বনের পথে হাঁটছিল।\nপাখিরা গান গাইছিল।"),
    ("দ্বিতীয় অধ্যায়", "রাজা দুষ্মন্ত শিকারে এলেন। হরিণ ছুটে পালাল।"),
]


def _upload(api: TestClient, data: bytes, content_type: str) -> str:
    response = api.post("/v1/uploads", json={"content_type": content_type, "bytes": len(data)})
    assert response.status_code == 201, response.text
    upload = response.json()
    assert upload["received"] is False
    assert upload["method"] == "PUT"
    put = httpx.put(upload["url"], content=data, headers=upload["headers"])
    assert put.status_code == 200, put.text
    assert api.get(f"/v1/uploads/{upload['id']}").json()["received"] is True
    upload_id: str = upload["id"]
    return upload_id


def test_an_epub_upload_becomes_a_chaptered_job(
    api: TestClient, consumer: Consumer, store: JobStore, tmp_path: Path
) -> None:
    upload_id = _upload(api, build_epub(tmp_path / "book.epub", CHAPTERS), "application/epub+zip")
    response = api.post("/v1/jobs", json={"upload": upload_id, "format": "m4b"})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["upload"] == upload_id
    assert job["title"] == "শকুন্তলা"  # from the EPUB's metadata
    text = store.get_text(LOCAL_TENANT, job["id"])
    assert text is not None
    assert "# প্রথম অধ্যায়" in text
    assert "অবনীন্দ্রনাথ" not in text  # the title page is front matter, left out

    assert consumer.run(burst=True)["completed"] == 1
    done = api.get(f"/v1/jobs/{job['id']}").json()
    assert (done["status"], done["progress"]["chapters"]) == ("completed", 2)


def test_a_markdown_upload_reads_its_headings_as_chapters(api: TestClient, store: JobStore) -> None:
    book = "# এক\n\nপ্রথম কথা।\n\n# দুই\n\nদ্বিতীয় কথা।\n".encode()
    upload_id = _upload(api, b"\xef\xbb\xbf" + book, "text/markdown")  # a byte order mark is dropped
    job = api.post("/v1/jobs", json={"upload": upload_id}).json()
    record = store.get_record(LOCAL_TENANT, job["id"])
    assert record is not None
    assert (record.spec.text_format, record.upload) == ("markdown", upload_id)
    assert store.get_text(LOCAL_TENANT, job["id"]) == book.decode()


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        (b"PK\x03\x04 not really a zip", "application/epub+zip", "invalid_epub"),
        (b"\x00\x01\x02garbage", "application/epub+zip", "invalid_epub"),
        ("পাঠ্য".encode() + b"\xff\xfe", "text/plain", "invalid_utf8"),
        (b" \n\t ", "text/plain", "empty_input"),
    ],
)
def test_an_unreadable_upload_is_422_at_submit_and_no_job_is_stored(
    api: TestClient, store: JobStore, data: bytes, content_type: str, code: str
) -> None:
    upload_id = _upload(api, data, content_type)
    response = api.post("/v1/jobs", json={"upload": upload_id})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, "upload")
    assert not store.list_keys("tenants/local/jobs/")


def test_upload_ids_that_name_nothing_are_refused(api: TestClient) -> None:
    unknown = api.post("/v1/jobs", json={"upload": "01m820y5sm9w2j82bfx59v7fdr"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_upload"
    assert api.post("/v1/jobs", json={"upload": "../jobs"}).json()["error"]["code"] == "unknown_upload"
    assert api.get("/v1/uploads/..%2Fjobs").status_code == 404
    pending = api.post("/v1/uploads", json={"content_type": "text/plain", "bytes": 10}).json()
    not_yet = api.post("/v1/jobs", json={"upload": pending["id"]})
    assert not_yet.status_code == 422
    assert not_yet.json()["error"]["code"] == "upload_not_received"


@pytest.mark.parametrize(
    "body",
    [
        {"text": "কথা।", "upload": "01m820y5sm9w2j82bfx59v7fdr"},
        {"format": "mp3"},
    ],
)
def test_a_job_names_exactly_one_input(api: TestClient, body: dict[str, object]) -> None:
    response = api.post("/v1/jobs", json=body)
    assert response.status_code == 422
    assert "exactly one of text" in response.json()["error"]["message"]


def test_byte_limits_are_413_naming_the_limit(settings: Settings, resources: Resources) -> None:
    with TestClient(
        create_app(settings.model_copy(update={"max_upload_bytes": 100})), headers=AUTH
    ) as client:
        declared = client.post("/v1/uploads", json={"content_type": "text/plain", "bytes": 101})
        assert declared.status_code == 413
        error = declared.json()["error"]
        assert (error["code"], error["field"]) == ("upload_too_large", "bytes")
        assert error["message"] == "the file has 101 bytes; the limit is 100"
        # S3 refuses a PUT whose length differs from the signed one; a store that does not check
        # signatures (moto) still meets the size check at submit.
        upload = client.post("/v1/uploads", json={"content_type": "text/plain", "bytes": 50}).json()
        httpx.put(upload["url"], content="ক".encode() * 100, headers=upload["headers"])
        response = client.post("/v1/jobs", json={"upload": upload["id"]})
        assert response.status_code == 413
        assert response.json()["error"]["message"] == "the uploaded file has 300 bytes; the limit is 100"


def test_the_schema_states_this_deployments_upload_limit(settings: Settings) -> None:
    for limit in (100, 5_000_000):
        client = TestClient(create_app(settings.model_copy(update={"max_upload_bytes": limit})))
        spec = client.get("/openapi.json").json()
        size = spec["components"]["schemas"]["CreateUploadRequest"]["properties"]["bytes"]
        assert size["maximum"] == limit
        assert f"{limit:,}" in size["description"]
