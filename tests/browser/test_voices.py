"""The console's voices page on a stack whose catalog has an XTTS voice (a tiny random-weight XTTS v2,
built with Coqui's classes): a producer clones a voice from recordings, hears it, and deletes it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml

from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.settings import Settings
from tests.browser.conftest import missing_for_browser
from tests.browser.driver import Console, file
from tests.browser.test_accessibility import serious_violations
from tests.tiny_xtts import build_tiny_xtts, reference_clip
from tests.voice_clips import speechlike

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

STATEMENT = "রিনা আক্তার ২ মার্চ লিখিতভাবে তাঁর কণ্ঠ ক্লোন করতে সম্মতি দিয়েছেন।"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A local stack whose catalog adds an XTTS voice to clone with."""
    reason = missing_for_browser()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("xtts")
    model = build_tiny_xtts(folder / "model")
    (folder / "narrator.wav").write_bytes(reference_clip(4.0))
    voice = {
        "id": "bn-xtts-test",
        "engine": "xtts",
        "model": str(model),
        "sample_rate": 24_000,
        "description": "A random-weight XTTS v2 for the tests",
        "references": [str(folder / "narrator.wav")],
    }
    voices = folder / "voices.yaml"
    voices.write_text(yaml.safe_dump({"voices": [voice]}), encoding="utf-8")
    settings = Settings(
        api_port=free_port(),
        local_aws_port=free_port(),
        local_workers=1,
        local_state_dir=tmp_path_factory.mktemp("voices-stack"),
        voices_file=voices,
    )
    with LocalStack(settings) as running:
        yield running


def test_a_producer_clones_a_voice_hears_it_and_deletes_it(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in()
    expect(page.locator("main h1")).to_have_text("Jobs")
    page.get_by_role("link", name="Voices").click()
    expect(page.locator("main h1")).to_have_text("Voices")
    expect(page.locator('tr[data-voice-id="bn-xtts-test"]')).to_be_visible()
    expect(page.locator("section.clone")).to_be_visible()
    assert serious_violations(console) == []

    page.get_by_label("Name").fill("রিনা")
    page.get_by_label("Reference clips").set_input_files(
        files=[file("rina-1.wav", "audio/wav", speechlike(5.0, seed=1))]
    )
    page.get_by_label("Consent statement").fill(STATEMENT)
    page.get_by_role("button", name="Clone the voice").click()
    # Not without the speaker's consent: the API names the field, the form marks the box.
    alert = page.locator("section.clone [role=alert]")
    expect(alert).to_contain_text("speaker_consented")
    consented = page.get_by_label("The speaker agreed to have their voice cloned")
    assert consented.get_attribute("aria-invalid") == "true"

    # A clip too short to clone from is refused, naming the clip and why.
    consented.check()
    page.get_by_label("Reference clips").set_input_files(
        files=[file("short.wav", "audio/wav", speechlike(1.0))]
    )
    page.get_by_role("button", name="Clone the voice").click()
    expect(alert).to_have_text(re.compile(r"^short.wav: is 1.0 s long; a clip is 3–30 s"))

    page.get_by_label("Reference clips").set_input_files(
        files=[
            file("rina-1.wav", "audio/wav", speechlike(5.0, seed=1)),
            file("rina-2.wav", "audio/wav", speechlike(4.0, seed=2)),
        ]
    )
    consented.check()
    page.get_by_label("Consent statement").fill(STATEMENT)
    page.get_by_role("button", name="Clone the voice").click()
    cloned = page.locator('tr[data-cloned="true"]')
    expect(cloned).to_have_count(1, timeout=30_000)
    expect(cloned).to_contain_text("রিনা")
    expect(cloned).to_contain_text("Cloned from bn-xtts-test · 2 clips")

    # Heard: a voice sample rendered by the worker with the XTTS model conditioned on the clips.
    cloned.get_by_role("button", name="Hear it").click()
    sample = cloned.locator("audio")
    expect(sample).to_be_visible(timeout=120_000)
    expect(sample).to_have_js_property("readyState", 4, timeout=15_000)
    assert sample.evaluate("a => a.duration") > 0.2
    console.screenshot("voices")

    # Offered to new jobs like any voice.
    voice_id = cloned.get_attribute("data-voice-id")
    page.get_by_role("link", name="New job").first.click()
    expect(page.locator(f'select option[value="{voice_id}"]')).to_have_count(1)

    page.get_by_role("link", name="Voices").click()
    delete = page.locator('tr[data-cloned="true"]').get_by_role("button", name="Delete রিনা")
    delete.click()
    expect(delete).to_have_text("Click again to delete it")
    delete.click()
    expect(page.locator('tr[data-cloned="true"]')).to_have_count(0)
    # Chromium logs each refused request; the two refusals above are the only trouble there was.
    assert len(console.errors) == 2, console.errors
    assert all("status of 422" in error for error in console.errors), console.errors
