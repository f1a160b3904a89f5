"""The jobs list a page at a time: the newest 50, then older pages on request, all kept live."""

from __future__ import annotations

import time

import httpx
import pytest

from devstack.stack import LOCAL_API_KEY, LocalStack
from tests.browser.driver import Console

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

AUTH = {"Authorization": f"Bearer {LOCAL_API_KEY}"}
JOBS = 53  # the console's page is 50


@pytest.fixture(scope="module")
def many_jobs(stack: LocalStack) -> list[str]:
    """Job ids, oldest first: short texts, submitted as fast as the tenant's active-job limit allows."""
    ids: list[str] = []
    deadline = time.monotonic() + 180
    with httpx.Client(base_url=stack.api_url, headers=AUTH) as api:
        while len(ids) < JOBS:
            n = len(ids)
            response = api.post("/v1/jobs", json={"text": f"কথা {n}।", "title": f"পর্ব {n}"})
            if response.status_code == 429 and time.monotonic() < deadline:
                time.sleep(0.5)  # the tenant's limit on active jobs: wait for the worker
                continue
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
    return ids


def test_older_jobs_are_a_click_away_and_the_list_ends_where_the_jobs_do(
    console: Console, many_jobs: list[str]
) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in()
    rows = page.locator("table.jobs tbody tr")
    expect(rows).to_have_count(50)
    shown = [rows.nth(n).get_attribute("data-job-id") for n in range(50)]
    assert shown == many_jobs[::-1][:50]  # newest first
    older = page.get_by_role("button", name="Show older jobs")
    older.click()
    expect(rows).to_have_count(JOBS)
    expect(rows.last).to_have_attribute("data-job-id", many_jobs[0])
    expect(older).to_be_hidden()  # no page beyond the oldest job
    # Both pages stay live: the oldest job's row follows it to completed.
    expect(rows.last).to_have_attribute("data-status", "completed", timeout=120_000)
    assert not console.errors, console.errors
