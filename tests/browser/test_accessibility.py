"""Every page of the console under axe-core (the engine browser accessibility audits use), at a desktop
and at a phone width: no violation of serious or critical impact. Also titled chapter navigation, which
only a job with chapters shows."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from devstack.stack import LOCAL_API_KEY, LocalStack
from kontho.text.unicode import normalize_unicode
from tests.browser.driver import PHONE, Console

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

AUTH = {"Authorization": f"Bearer {LOCAL_API_KEY}"}
BOOK = "# প্রথম অধ্যায়\n\nআমার সোনার বাংলা।\n\n# দ্বিতীয় অধ্যায়\n\nআমি তোমায় ভালোবাসি। চিরদিন তোমার আকাশ।\n"
SERIOUS = {"serious", "critical"}


def serious_violations(console: Console) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found: dict[str, Any] = Axe().run(console.page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture(scope="module")
def chaptered_job(stack: LocalStack) -> str:
    """A finished Markdown job with two titled chapters and sentence timings."""
    job = httpx.post(
        f"{stack.api_url}/v1/jobs",
        json={"text": BOOK, "text_format": "markdown", "title": "দুই অধ্যায়", "subtitles": True},
        headers=AUTH,
    ).json()
    job_id: str = job["id"]
    for _ in range(240):
        status = httpx.get(f"{stack.api_url}/v1/jobs/{job_id}", headers=AUTH).json()["status"]
        if status == "completed":
            return job_id
        assert status in ("queued", "running"), status
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_finished_book_offers_its_chapters_by_title_and_jumps_to_them(
    console: Console, chaptered_job: str
) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in()
    expect(page.locator("main h1")).to_have_text("Jobs")  # signed in: the next route is kept
    console.open(f"#/jobs/{chaptered_job}")
    buttons = page.locator("nav.chapters button")
    expect(buttons).to_have_count(2, timeout=30_000)
    # Titles as kontho reads them: য় and its kin as one code point.
    expect(buttons.nth(0)).to_contain_text(normalize_unicode("প্রথম অধ্যায়"))
    expect(buttons.nth(1)).to_contain_text(normalize_unicode("দ্বিতীয় অধ্যায়"))
    marks = httpx.get(
        next(
            a["url"]
            for a in httpx.get(f"{console.url}/v1/jobs/{chaptered_job}/result", headers=AUTH).json()[
                "artifacts"
            ]
            if a["kind"] == "marks"
        )
    ).json()
    second = next(m for m in marks if m["type"] == "chapter" and m["index"] == 1)
    assert second["start_ms"] > 0
    buttons.nth(1).click()
    audio = page.locator(".player audio")
    page.wait_for_function(
        "ms => Math.abs(document.querySelector('.player audio').currentTime * 1000 - ms) < 300",
        arg=second["start_ms"],
    )
    # The read-along follows: the sentence lit is the second chapter's first (its title, read aloud).
    expect(page.locator("button.sentence.speaking")).to_contain_text(normalize_unicode("দ্বিতীয় অধ্যায়"))
    audio.evaluate("a => a.pause()")
    assert not console.errors, console.errors


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(
    console: Console, chaptered_job: str, width: str
) -> None:
    from playwright.sync_api import expect

    page = console.page
    if width == "phone":
        page.set_viewport_size(PHONE)
    console.open("#/signin")
    expect(page.locator("main h1")).to_have_text("Sign in")
    problems = {"sign-in": serious_violations(console)}
    console.sign_in()
    expect(page.locator("main h1")).to_have_text("Jobs")
    expect(page.locator("tbody tr").first).to_be_visible()
    problems["jobs"] = serious_violations(console)

    console.open("#/new")
    page.get_by_label("Paste the text").fill(BOOK)
    page.get_by_role("button", name="Preview the reading").click()
    page.locator("table.reading tbody tr").first.wait_for()
    problems["new job, previewed"] = serious_violations(console)

    console.open(f"#/jobs/{chaptered_job}")
    expect(page.locator("nav.chapters button")).to_have_count(2, timeout=30_000)
    expect(page.locator(".read-along button.sentence").first).to_be_visible()
    problems["finished job"] = serious_violations(console)

    console.open("#/lexicons")
    expect(page.locator("main h1")).to_have_text("Lexicons")
    problems["lexicons"] = serious_violations(console)
    name = f"a11y-{width}"
    page.get_by_label("New lexicon").fill(name)
    page.get_by_role("button", name="Create").click()
    expect(page.locator("main h1")).to_have_text(name)
    problems["lexicon"] = serious_violations(console)

    console.open("#/voices")
    expect(page.locator("table.voices tbody tr")).not_to_have_count(0)
    problems["voices"] = serious_violations(console)

    console.open("#/usage")
    expect(page.locator("svg.chart")).to_have_count(2)
    problems["usage"] = serious_violations(console)
    assert {page_: found for page_, found in problems.items() if found} == {}
    assert not console.errors, console.errors
    assert re.search(r"#/usage$", page.url)


def test_the_check_finds_a_control_without_a_name(console: Console) -> None:
    """The audit above can fail: a button with no accessible name is a critical violation to axe."""
    console.open("#/signin")
    console.page.locator("main h1").wait_for()
    console.page.evaluate("() => document.querySelector('main').append(document.createElement('button'))")
    assert any(v.startswith("button-name (critical)") for v in serious_violations(console))
