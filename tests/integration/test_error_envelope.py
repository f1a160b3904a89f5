"""Errors that meet a request before any route does: they too name the field at fault in the envelope."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/jobs", '{"text": "কথা",, "format": "mp3"}'),
        ("/v1/uploads", '{"content_type": "text/plain", "bytes": 10'),
        ("/v1/text/preview", "{'text': 'single quotes'}"),
    ],
)
def test_malformed_json_names_the_body_and_the_position(api: TestClient, path: str, body: str) -> None:
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(body)
    response = api.post(path, content=body.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "body"
    assert error["message"] == f"body: not valid JSON at character {parsed.value.pos}: {parsed.value.msg}"


def test_a_method_a_path_does_not_take_is_405_naming_the_ones_it_does(api: TestClient) -> None:
    response = api.put("/v1/jobs")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert response.json()["error"]["code"] == "method_not_allowed"
