"""A credential sent in a query string never reaches the access log of the API as deployed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.access_log import is_credential_name, redact_query
from devstack.motoserver import free_port, wait_for_http
from tests.conftest import AUTH, REPO

SECRETS = ("s3cr3t-one", "s3cr3t-two", "s3cr3t-three", "s3cr3t-four")


def test_the_access_log_of_python_m_api_carries_no_query_credential(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "KONTHO_API_PORT": str(port), "KONTHO_LOG_FORMAT": "json"}
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        api = subprocess.Popen([sys.executable, "-m", "api"], cwd=REPO, env=env, stdout=out, stderr=out)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(f"{base}/healthz", timeout=60, process=api)
            one, two, three, four = SECRETS
            httpx.get(f"{base}/healthz?api_key={one}&token={two}&keep=visible")
            httpx.get(f"{base}/v1/voices?access_token={three}", headers=AUTH)
            httpx.get(f"{base}/v1/voices?apiKey={four}&key=")
        finally:
            api.terminate()
            api.wait(timeout=30)
    text = log.read_text()
    assert "/healthz?api_key=REDACTED&token=REDACTED&keep=visible" in text
    assert "/v1/voices?access_token=REDACTED" in text
    assert "/v1/voices?apiKey=REDACTED&key=REDACTED" in text
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize(
    "name",
    [
        "api_key",
        "key",
        "token",
        "access_token",
        "apiKey",
        "API-KEY",
        "X-Amz-Signature",
        "X-Amz-Credential",
        "client_secret",
        "password",
        "auth",
        "session_token",
        "api%5Fkey",
    ],
)
def test_credential_names(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize("name", ["status", "limit", "cursor", "from", "to", "author", "format"])
def test_ordinary_names(name: str) -> None:
    assert not is_credential_name(name)


def test_only_values_are_redacted_and_the_rest_is_kept_as_sent() -> None:
    assert (
        redact_query("/v1/jobs?limit=3&api_key=a%20b&cursor=x")
        == "/v1/jobs?limit=3&api_key=REDACTED&cursor=x"
    )
    assert redact_query("/v1/jobs") == "/v1/jobs"
    assert redact_query("/v1/jobs?token") == "/v1/jobs?token"  # no value to hide
