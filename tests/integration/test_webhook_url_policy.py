"""A job's webhook_url at submit: its form is always checked; a host written as a private, loopback or
link-local address is refused unless KONTHO_WEBHOOK_ALLOW_PRIVATE lifts the rule (local development),
as the worker's check of resolved addresses is lifted by the same setting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.settings import Settings
from tests.conftest import AUTH

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।"
LITERAL_PRIVATE = [
    "http://127.0.0.1:9000/",
    "http://[::1]:9000/hook",
    "http://10.1.2.3/",
    "http://0x7f000001/",
]


@pytest.fixture(params=[False, True], ids=["private-refused", "private-allowed"])
def api(request: pytest.FixtureRequest, settings: Settings, resources: Resources) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"webhook_allow_private": request.param}))
    with TestClient(app, headers=AUTH) as client:
        yield client


def _allowed(api: TestClient) -> bool:
    settings: Settings = api.app.state.services.settings  # type: ignore[attr-defined]
    return settings.webhook_allow_private


@pytest.mark.parametrize("url", LITERAL_PRIVATE)
def test_a_literal_private_address_is_refused_unless_the_setting_allows_it(api: TestClient, url: str) -> None:
    response = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": url})
    if _allowed(api):
        assert response.status_code == 202, response.text
        assert response.json()["webhook_url"] == url
    else:
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["field"] == "webhook_url"
        assert "webhooks go to public addresses only" in error["message"]


@pytest.mark.parametrize(
    "url",
    ["HTTP://", "ftp://127.0.0.1/", "http://user:pw@127.0.0.1/", "http://127.0.0.1:99999/", "http://a b/"],
)
def test_a_malformed_url_is_refused_whatever_the_setting(api: TestClient, url: str) -> None:
    response = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": url})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "webhook_url"


def test_a_name_is_left_to_the_worker_whatever_the_setting(api: TestClient) -> None:
    response = api.post("/v1/jobs", json={"text": TEXT, "webhook_url": "http://localhost:9000/hook"})
    assert response.status_code == 202, response.text
