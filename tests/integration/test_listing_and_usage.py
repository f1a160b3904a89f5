"""GET /v1/jobs (newest first, status filter, cursor pages) and GET /v1/usage, each tenant on its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.settings import Settings
from tests.integration.tenant_keys import auth, write_keys_file

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম।"


@pytest.fixture
def clients(settings: Settings, resources: Resources, tmp_path: Path) -> Iterator[dict[str, TestClient]]:
    keys_file = write_keys_file(
        tmp_path / "keys.json", {"prothom": {"max_active_jobs": 50}, "anyaprokash": {}}
    )
    app = create_app(settings.model_copy(update={"api_keys_file": str(keys_file)}))
    with TestClient(app) as anonymous:
        yield {"none": anonymous, **{t: TestClient(app, headers=auth(t)) for t in ("prothom", "anyaprokash")}}


def test_jobs_are_listed_newest_first_a_page_at_a_time(clients: dict[str, TestClient]) -> None:
    mine = clients["prothom"]
    submitted = [mine.post("/v1/jobs", json={"text": f"{TEXT} {n}"}).json()["id"] for n in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = mine.get("/v1/jobs", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["jobs"]) <= 3
        seen += [job["id"] for job in body["jobs"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(submitted))
    assert pages == 3


def test_the_status_filter_and_another_tenants_view(clients: dict[str, TestClient]) -> None:
    mine, theirs = clients["prothom"], clients["anyaprokash"]
    first = mine.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    second = mine.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    assert mine.post(f"/v1/jobs/{first}/cancel").json()["status"] == "cancelled"
    cancelled = mine.get("/v1/jobs", params={"status": "cancelled"}).json()
    assert [j["id"] for j in cancelled["jobs"]] == [first]
    queued = mine.get("/v1/jobs", params={"status": "queued"}).json()
    assert [j["id"] for j in queued["jobs"]] == [second]
    assert theirs.get("/v1/jobs").json() == {"jobs": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "../../etc"}, "cursor"),
    ],
)
def test_bad_listing_parameters_are_422_naming_the_field(
    clients: dict[str, TestClient], params: dict[str, str | int], field: str
) -> None:
    response = clients["prothom"].get("/v1/jobs", params=params)
    assert response.status_code == 422
    assert field in response.text


def test_usage_counts_the_characters_submitted_today_per_tenant(clients: dict[str, TestClient]) -> None:
    mine, theirs = clients["prothom"], clients["anyaprokash"]
    for _ in range(3):
        assert mine.post("/v1/jobs", json={"text": TEXT}).status_code == 202
    usage = mine.get("/v1/usage").json()
    today = datetime.now(UTC).date()
    assert usage["tenant"] == "prothom"
    assert usage["to"] == today.isoformat()
    assert usage["from"] == (today - timedelta(days=29)).isoformat()
    assert len(usage["days"]) == 30
    assert usage["days"][-1]["characters"] == 3 * len(TEXT)
    assert usage["days"][-1]["jobs_submitted"] == 3
    assert usage["total"]["characters"] == 3 * len(TEXT)
    assert theirs.get("/v1/usage").json()["total"]["characters"] == 0


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "invalid_range", "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "range_too_long", "from"),
        ({"to": "2026-02-31"}, "invalid_date", "to"),
    ],
)
def test_bad_usage_ranges_are_422(
    clients: dict[str, TestClient], params: dict[str, str], code: str, field: str
) -> None:
    response = clients["prothom"].get("/v1/usage", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["field"] == field


def test_a_usage_day_must_be_written_as_a_day(clients: dict[str, TestClient]) -> None:
    response = clients["prothom"].get("/v1/usage", params={"to": "0"})
    assert response.status_code == 422


def test_listing_and_usage_need_a_key(clients: dict[str, TestClient]) -> None:
    assert clients["none"].get("/v1/jobs").status_code == 401
    assert clients["none"].get("/v1/usage").status_code == 401


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "0001-01-01", "to": "0001-12-31"}, "date_out_of_range", "from"),
        ({"to": "0001-01-05"}, "date_out_of_range", "to"),
        ({"from": "1969-12-31", "to": "1970-01-02"}, "date_out_of_range", "from"),
        ({"to": "20260101"}, "invalid_date", "to"),
        ({"to": "2026-W01-1"}, "invalid_date", "to"),
    ],
)
def test_days_outside_the_calendar_usage_covers_are_422_naming_the_field(
    clients: dict[str, TestClient], params: dict[str, str], code: str, field: str
) -> None:
    response = clients["prothom"].get("/v1/usage", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)


def test_the_first_days_usage_covers_are_answered(clients: dict[str, TestClient]) -> None:
    response = clients["prothom"].get("/v1/usage", params={"to": "1970-01-05"})
    assert response.status_code == 200, response.text
    assert response.json()["from"] == "1970-01-01"  # 29 days before would be before the first day
    assert len(response.json()["days"]) == 5


def test_the_schema_states_usage_days_and_their_range(clients: dict[str, TestClient]) -> None:
    spec = clients["none"].get("/openapi.json").json()
    parameters = {p["name"]: p for p in spec["paths"]["/v1/usage"]["get"]["parameters"]}
    for name in ("from", "to"):
        schema = parameters[name]["schema"]
        assert schema["format"] == "date"
        assert re.fullmatch(schema["pattern"].strip("^$"), "1970-01-01")
        assert not re.fullmatch(schema["pattern"].strip("^$"), "1969-12-31")
        assert "1970-01-01" in parameters[name]["description"]
        assert "366 days" in parameters[name]["description"]
