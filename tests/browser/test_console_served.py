"""The console as the API serves it, checked without a browser: where its files are, the headers that
lock it down, and static guards on its source (no inline script or style, no markup parsing, every import
and asset present), since there is no build step to catch a missing file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.console import STATIC_DIR
from api.console.security import content_security_policy, origin_of, storage_origins
from kontho.aws import s3_client
from kontho.settings import Settings

ENDPOINT = "http://127.0.0.1:4599"  # nothing is asked of storage: the console's files are local


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(aws_endpoint_url=ENDPOINT))) as client:
        yield client


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_the_page_is_served_at_the_root_and_under_console(client: TestClient) -> None:
    for path in ("/", "/console/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/console/js/app.js"></script>' in response.text
    assert client.get("/console", follow_redirects=False).status_code in (301, 307)


def test_every_console_response_carries_a_strict_policy(client: TestClient) -> None:
    for path in ("/", "/console/js/app.js", "/console/console.css", "/console/no-such-file.js"):
        headers = client.get(path).headers
        policy = directives(headers["content-security-policy"])
        assert policy["default-src"] == ["'none'"], path
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["connect-src"] == ["'self'", ENDPOINT]
        assert policy["media-src"] == ["'self'", ENDPOINT]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
    assert client.get("/console/js/app.js").headers["content-type"].startswith("text/javascript")


def test_the_api_keeps_its_own_answers(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert "content-security-policy" not in health.headers
    assert "content-security-policy" not in client.get("/docs").headers  # Swagger UI loads its own assets
    missing = client.get("/console/no-such-file.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert client.post("/").status_code in (404, 405)
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not [p for p in paths if p.startswith("/console")]


@pytest.mark.parametrize(
    ("region", "bucket"),
    [("us-east-1", "kontho-prod"), ("eu-west-1", "kontho-prod"), ("ap-south-1", "kontho.books")],
)
def test_the_policy_allows_the_origin_aws_presigned_urls_name(region: str, bucket: str) -> None:
    settings = Settings(aws_region=region, bucket=bucket)
    s3 = s3_client(settings)
    for operation, params in [
        ("get_object", {"Bucket": bucket, "Key": "tenants/t/jobs/j/audio.mp3"}),
        ("put_object", {"Bucket": bucket, "Key": "tenants/t/uploads/u", "ContentType": "text/plain"}),
    ]:
        url = s3.generate_presigned_url(operation, Params=params, ExpiresIn=60)
        assert origin_of(url) in storage_origins(settings), url
    policy = directives(content_security_policy(settings))
    assert set(storage_origins(settings)) <= set(policy["media-src"])


def test_origins_are_written_as_browsers_compare_them() -> None:
    assert origin_of("http://127.0.0.1:4566/") == "http://127.0.0.1:4566"
    assert origin_of("https://minio.example.com:443/path") == "https://minio.example.com"
    assert origin_of("http://[::1]:9000") == "http://[::1]:9000"
    with pytest.raises(ValueError, match="not an http"):
        origin_of("ftp://example.com")


# Static guards on the console's source.

STATIC_FILES = sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())
SCRIPTS = [p for p in STATIC_FILES if p.suffix == ".js"]


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    for url in re.findall(r'(?:src|href)="(/console/[^"]+)"', html):
        assert (STATIC_DIR / url.removeprefix("/console/")).is_file(), url


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(STATIC_DIR)))
def test_scripts_never_parse_markup_and_import_what_exists(script: Path) -> None:
    source = script.read_text(encoding="utf-8")
    code = re.sub(r"//.*", "", source)  # comments may name what the code avoids
    # dom.js names the markup properties only to refuse them.
    sinks = ["document.write", "eval(", "new Function"]
    if script.name != "dom.js":
        sinks += ["innerHTML", "outerHTML", "insertAdjacentHTML"]
    for sink in sinks:
        assert sink not in code, f"{script.name} uses {sink}"
    for target in re.findall(r'^import .* from "(\.[^"]+)";$', source, flags=re.MULTILINE):
        assert (script.parent / target).resolve().is_file(), f"{script.name} imports {target}"


def test_the_stylesheet_names_only_files_that_are_served() -> None:
    css = (STATIC_DIR / "console.css").read_text(encoding="utf-8")
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert urls  # the Bangla font, served from here rather than a CDN
    for url in urls:
        assert url.startswith("/console/"), url
        assert (STATIC_DIR / url.removeprefix("/console/")).is_file(), url
    assert (STATIC_DIR / "fonts" / "OFL.txt").is_file()  # the font's licence travels with it
