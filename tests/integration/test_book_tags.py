"""A book's cover and tags in its M4B and MP3: from the EPUB, or from a cover upload the job names."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from ebooklib import epub
from fastapi.testclient import TestClient
from mutagen.id3 import ID3
from PIL import Image

from api.app import create_app
from kontho import keys
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import LOCAL_TENANT
from kontho.text.unicode import normalize_unicode
from tests.conftest import AUTH
from tests.ffprobe import probe
from worker.consumer import Consumer

CHAPTERS = [("প্রথম অধ্যায়", "শকুন্তলা বনের পথে হাঁটছিল।"), ("দ্বিতীয় অধ্যায়", "রাজা দুষ্মন্ত শিকারে এলেন।")]


def _image(kind: str, size: tuple[int, int] = (48, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 40, 30)).save(out, kind)
    return out.getvalue()


def _epub_with_cover(path: Path, cover: bytes) -> bytes:
    book = epub.EpubBook()
    book.set_identifier("kontho-cover-book")
    book.set_title("শকুন্তলা")
    book.set_language("bn")
    book.add_author("অবনীন্দ্রনাথ ঠাকুর")
    book.add_metadata("DC", "date", "1895-01-01")
    book.set_cover("cover.jpg", cover, create_page=False)
    chapters = []
    for n, (name, text) in enumerate(CHAPTERS, start=1):
        chapter = epub.EpubHtml(title=name, file_name=f"chapter_{n}.xhtml", lang="bn")
        chapter.content = f"<html><body><h2>{name}</h2><p>{text}</p></body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(path), book)
    return path.read_bytes()


def _upload(api: TestClient, data: bytes, content_type: str) -> str:
    upload = api.post("/v1/uploads", json={"content_type": content_type, "bytes": len(data)})
    assert upload.status_code == 201, upload.text
    put = httpx.put(upload.json()["url"], content=data, headers=upload.json()["headers"])
    assert put.status_code == 200, put.text
    upload_id: str = upload.json()["id"]
    return upload_id


def _render(api: TestClient, consumer: Consumer, request: dict[str, object], path: Path) -> Path:
    response = api.post("/v1/jobs", json=request)
    assert response.status_code == 202, response.text
    assert consumer.run(burst=True)["completed"] == 1
    result = api.get(f"/v1/jobs/{response.json()['id']}/result").json()
    path.write_bytes(httpx.get(result["audio"]["url"]).content)
    return path


def test_an_epubs_cover_title_author_narrator_and_chapters_reach_its_m4b(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    cover = _image("JPEG")
    upload_id = _upload(api, _epub_with_cover(tmp_path / "book.epub", cover), "application/epub+zip")
    m4b = _render(api, consumer, {"upload": upload_id, "format": "m4b"}, tmp_path / "book.m4b")

    found = probe(m4b, "-show_streams", "-show_chapters", "-show_format")
    pictures = [s for s in found["streams"] if s["disposition"]["attached_pic"] == 1]
    assert [p["codec_name"] for p in pictures] == ["mjpeg"]
    audio = next(s for s in found["streams"] if s["codec_type"] == "audio")
    assert audio["tags"]["language"] == "ben"
    titles = [normalize_unicode(name) for name, _ in CHAPTERS]  # as the book's text is read
    assert [normalize_unicode(c["tags"]["title"]) for c in found["chapters"]] == titles
    tags = found["format"]["tags"]
    assert (tags["title"], tags["artist"], tags["album_artist"]) == (
        "শকুন্তলা",
        "অবনীন্দ্রনাথ ঠাকুর",
        "অবনীন্দ্রনাথ ঠাকুর",
    )
    assert tags["composer"] == tags["NARRATOR"] != ""  # the voice reads it
    assert (tags["genre"], tags["date"]) == ("Audiobook", "1895")


def test_an_mp3_carries_the_uploaded_cover_its_tags_and_chapter_frames(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    cover = _image("PNG")
    request: dict[str, object] = {
        "text": "# এক\n\nপ্রথম কথা।\n\n# দুই\n\nদ্বিতীয় কথা।\n",
        "text_format": "markdown",
        "format": "mp3",
        "title": "গল্প",
        "author": "লেখক",
        "year": "2024",
        "cover_upload": _upload(api, cover, "image/png"),
    }
    mp3 = _render(api, consumer, request, tmp_path / "book.mp3")

    frames = ID3(mp3)
    (picture,) = frames.getall("APIC")
    assert (picture.mime, picture.data, picture.type) == ("image/png", cover, 3)  # 3: front cover
    assert str(frames["TIT2"]) == "গল্প"
    assert str(frames["TPE1"]) == "লেখক"
    assert str(frames["TLAN"]) == "ben"
    assert str(frames["TDRC"]) == "2024"
    assert str(frames["TXXX:narrator"]) == str(frames["TCOM"]) != ""
    chapters = sorted(frames.getall("CHAP"), key=lambda chap: chap.start_time)
    assert [str(chap.sub_frames["TIT2"]) for chap in chapters] == ["এক", "দুই"]
    assert chapters[0].start_time == 0
    assert chapters[0].end_time == chapters[1].start_time


def test_each_chapter_file_is_a_track_of_the_book_with_its_cover(
    api: TestClient, consumer: Consumer, tmp_path: Path
) -> None:
    cover = _image("PNG")
    request: dict[str, object] = {
        "text": "# এক\n\nপ্রথম কথা।\n\n# দুই\n\nদ্বিতীয় কথা।\n",
        "text_format": "markdown",
        "format": "mp3",
        "title": "গল্প",
        "author": "লেখক",
        "chapter_files": True,
        "cover_upload": _upload(api, cover, "image/png"),
    }
    response = api.post("/v1/jobs", json=request)
    assert consumer.run(burst=True)["completed"] == 1
    result = api.get(f"/v1/jobs/{response.json()['id']}/result").json()
    files = sorted(
        (a for a in result["artifacts"] if a["kind"] == "chapter_audio"), key=lambda a: a["chapter"]
    )
    for n, (artifact, title) in enumerate(zip(files, ["এক", "দুই"], strict=True), start=1):
        path = tmp_path / f"chapter-{n}.mp3"
        path.write_bytes(httpx.get(artifact["url"]).content)
        frames = ID3(path)
        assert (str(frames["TIT2"]), str(frames["TALB"]), str(frames["TPE1"])) == (title, "গল্প", "লেখক")
        assert str(frames["TRCK"]) == f"{n}/2"
        (picture,) = frames.getall("APIC")
        assert picture.data == cover


def test_a_named_cover_upload_wins_over_the_epubs_own_cover(
    api: TestClient, store: JobStore, tmp_path: Path
) -> None:
    book = _upload(api, _epub_with_cover(tmp_path / "book.epub", _image("JPEG")), "application/epub+zip")
    png = _image("PNG")
    job = api.post("/v1/jobs", json={"upload": book, "cover_upload": _upload(api, png, "image/png")}).json()
    assert store.get_bytes(keys.job_cover(LOCAL_TENANT, job["id"], "png")) == png
    assert store.get_bytes(keys.job_cover(LOCAL_TENANT, job["id"], "jpg")) is None


def test_a_cover_upload_that_is_not_a_usable_image_is_422_naming_cover_upload(api: TestClient) -> None:
    text_upload = _upload(api, "পাঠ্য".encode(), "text/plain")
    not_a_png = _upload(api, b"\x89PNG\r\n\x1a\n but nothing more", "image/png")
    for cover_upload, code in [
        (text_upload, "cover_not_an_image"),
        (not_a_png, "invalid_cover"),
        ("0" * 26, "unknown_upload"),
    ]:
        response = api.post("/v1/jobs", json={"text": "কথা।", "cover_upload": cover_upload})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert (error["code"], error["field"]) == (code, "cover_upload"), error
    # An image is a cover, never the text.
    refused = api.post("/v1/jobs", json={"upload": not_a_png}).json()["error"]
    assert refused["code"] == "upload_not_text"


def test_a_cover_over_the_limit_is_refused_naming_the_limit(api: TestClient, settings: Settings) -> None:
    cover = _image("PNG", (400, 400))
    upload_id = _upload(api, cover, "image/png")  # under the default 5 MB
    limit = len(cover) - 1
    strict = settings.model_copy(update={"max_cover_bytes": limit})
    with TestClient(create_app(strict), headers=AUTH) as small:
        at_submit = small.post("/v1/jobs", json={"text": "কথা।", "cover_upload": upload_id})
        assert at_submit.status_code == 413, at_submit.text
        error = at_submit.json()["error"]
        assert (error["code"], error["field"]) == ("cover_too_large", "cover_upload")
        assert f"the limit is {limit:,}" in error["message"]
        at_upload = small.post("/v1/uploads", json={"content_type": "image/png", "bytes": len(cover)})
        assert at_upload.status_code == 413
        assert f"the limit is {limit:,}" in at_upload.json()["error"]["message"]
