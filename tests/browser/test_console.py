"""kontho studio in headless Chromium against the local stack: what a producer does, end to end."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import httpx
import pytest

from devstack.stack import LOCAL_API_KEY, LocalStack
from tests.browser.driver import Console, file
from tests.conftest import corpus_chapter
from tests.ffprobe import duration

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

TITLE = "আমার সোনার বাংলা"
SENTENCES = [
    "আমার সোনার বাংলা, আমি তোমায় ভালোবাসি।",
    "চিরদিন তোমার আকাশ, তোমার বাতাস, আমার প্রাণে বাজায় বাঁশি।",
    "ও মা, ফাগুনে তোর আমের বনে ঘ্রাণে পাগল করে।",
]
RENDER_TIMEOUT_MS = 120_000


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def expect_text(console: Console, selector: str, pattern: str, timeout: float = 15_000) -> None:
    from playwright.sync_api import expect

    expect(console.page.locator(selector)).to_have_text(re.compile(pattern), timeout=timeout)


def submit_text(console: Console, text: str, title: str) -> str:
    """Fills the new-job form, previews, renders; returns the job id from the page it lands on."""
    page = console.page
    page.get_by_role("link", name="New job").first.click()
    page.get_by_label("Paste the text").fill(text)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Preview the reading").click()
    page.locator("table.reading tbody tr").first.wait_for()
    page.get_by_role("button", name="Render", exact=True).click()
    page.wait_for_url(re.compile(r"#/jobs/[0-9a-z]{26}$"))
    return page.url.rsplit("/", 1)[-1]


def test_a_producer_renders_a_bangla_text_reads_along_and_downloads_it(
    console: Console, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.open()
    page.wait_for_url(re.compile("#/signin$"))  # no key yet: the console asks for one
    console.screenshot("sign-in")
    console.sign_in()
    expect(page.locator("main h1")).to_have_text("Jobs")
    assert LOCAL_API_KEY not in page.url

    page.get_by_role("link", name="New job").first.click()
    page.get_by_label("Paste the text").fill("\n".join(SENTENCES))
    page.get_by_label("Title", exact=True).fill(TITLE)
    assert page.get_by_label(re.compile("Sentence timings")).is_checked()  # read-along needs marks.json
    page.get_by_role("button", name="Preview the reading").click()
    expect(page.locator("table.reading tbody tr")).to_have_count(3)
    console.screenshot("new-job")
    console.screenshot("new-job-phone", phone=True)
    page.get_by_role("button", name="Render", exact=True).click()
    page.wait_for_url(re.compile(r"#/jobs/[0-9a-z]{26}$"))

    # Progress reaches 100 % and the player appears with one button per sentence.
    expect(page.locator(".progress-line progress")).to_have_js_property(
        "value", 100, timeout=RENDER_TIMEOUT_MS
    )
    expect(page.locator(".progress-line .figure")).to_contain_text("completed · 100 %")
    sentences = page.locator(".read-along button.sentence")
    expect(sentences).to_have_count(3)
    # The text as kontho reads it: য় and its kin as one code point, which NFD takes apart again.
    assert [nfd(s.strip()) for s in sentences.all_inner_texts()] == [nfd(s) for s in SENTENCES]
    console.screenshot("job")

    # Seeking lights the sentence that starts there; playing moves the light on by itself.
    starts = [int(s.get_attribute("data-start-ms") or 0) for s in sentences.all()]
    assert starts == sorted(starts)
    assert starts[1] > 0
    audio = page.locator(".player audio")
    audio.evaluate("(a, t) => { a.currentTime = t; }", starts[2] / 1000 + 0.05)
    expect(page.locator("button.sentence.speaking")).to_have_attribute("data-index", "2")
    audio.evaluate("a => { a.currentTime = 0; return a.play(); }")
    expect(page.locator("button.sentence.speaking")).to_have_attribute("data-index", "0")
    expect(page.locator("button.sentence.speaking")).to_have_attribute(
        "data-index", "1", timeout=starts[1] + 10_000
    )
    assert audio.evaluate("a => a.currentTime") * 1000 >= starts[1]
    sentences.nth(2).click()  # a click on a sentence plays from its start
    expect(page.locator("button.sentence.speaking")).to_have_attribute("data-index", "2")
    audio.evaluate("a => a.pause()")

    # The MP3 downloads under the title's name and decodes to the length the API states.
    link = page.locator('.downloads li[data-kind="audio"] a')
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == f"{TITLE}.mp3"
    path = tmp_path / "download.mp3"
    download.save_as(path)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)
    stated = httpx.get(
        f"{console.url}/v1/jobs/{page.url.rsplit('/', 1)[-1]}/result",
        headers={"Authorization": f"Bearer {LOCAL_API_KEY}"},
    ).json()["audio"]
    assert path.stat().st_size == stated["bytes"]
    assert duration(path) == pytest.approx(stated["duration_seconds"], abs=0.2)

    page.get_by_role("link", name="Jobs").first.click()
    expect(page.locator("tbody tr").first).to_have_attribute("data-status", "completed")
    console.screenshot("jobs")

    page.get_by_role("link", name="Usage").click()
    expect(page.locator("svg.chart")).to_have_count(2)
    expect(page.locator(".usage .facts")).to_contain_text("Jobs submitted")
    console.screenshot("usage")
    assert not console.errors, console.errors
    assert not console.dialogs


def test_markup_in_a_title_and_in_the_text_is_shown_as_text_and_never_runs(console: Console) -> None:
    from playwright.sync_api import expect

    title = '<script>alert("title")</script><img src=x onerror=alert("title-img")>'
    text = 'আমার সোনার বাংলা। <img src=x onerror=alert("text")> আমি তোমায় ভালোবাসি। <script>alert("s")</script>'
    page = console.page
    console.sign_in()
    job_id = submit_text(console, text, title)

    expect(page.locator("main h1")).to_have_text(title)
    expect(page.locator(".read-along button.sentence").first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    assert "<img src=x onerror=" in page.locator(".read-along").inner_text()
    page.get_by_role("link", name="Jobs").first.click()
    row = page.locator(f'tr[data-job-id="{job_id}"]')
    expect(row.locator("td.title")).to_have_text(title)
    # Nothing the producer typed became an element, and no handler or script ran.
    assert page.locator("main img, main script").count() == 0
    assert not console.dialogs, console.dialogs
    assert not console.errors, console.errors  # a blocked script would show as a CSP violation here


def test_a_file_kontho_cannot_read_is_refused_with_a_clear_error(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in()
    page.get_by_role("link", name="New job").first.click()
    chooser = page.locator('input[type="file"]')
    alert = page.locator("form [role=alert]")

    # Refused before anything is sent: not a type kontho reads.
    chooser.set_input_files(files=[file("book.pdf", "application/pdf", b"%PDF-1.4")])
    expect(alert).to_contain_text("book.pdf is not a file kontho reads")

    # Uploaded to storage (the bar reaches 100 %), then refused by the API: not UTF-8.
    latin1 = "Chapter 1\ncafé crème brûlée\n".encode("latin-1")
    chooser.set_input_files(files=[file("notes.txt", "text/plain", latin1)])
    expect(page.locator(".drop-zone progress")).to_have_js_property("value", 100)
    expect(page.locator(".drop-zone")).to_contain_text("notes.txt is uploaded")
    page.get_by_role("button", name="Preview the reading").click()
    expect(alert).to_contain_text("not UTF-8")

    # A Markdown book with two chapters: the preview lists them to choose from.
    page.get_by_role("button", name="Remove the file").click()
    book = "# প্রথম অধ্যায়\n\nআমার সোনার বাংলা।\n\n# দ্বিতীয় অধ্যায়\n\nআমি তোমায় ভালোবাসি।\n"
    chooser.set_input_files(files=[file("book.md", "text/markdown", book.encode())])
    expect(page.locator(".drop-zone")).to_contain_text("book.md is uploaded")
    page.get_by_role("button", name="Preview the reading").click()
    expect(page.locator(".preview .chapters input[type=checkbox]")).to_have_count(2)
    assert not console.dialogs


def test_jobs_can_be_cancelled_from_the_list(console: Console, stack: LocalStack) -> None:
    from playwright.sync_api import expect

    # Two long jobs for one worker: the first runs while the second waits. A whole book three times over
    # (about 80 minutes of audio) keeps the first running for longer than the test takes to cancel it.
    auth = {"Authorization": f"Bearer {LOCAL_API_KEY}"}
    text = "\n".join([corpus_chapter(n) for n in (1, 2, 3, 4)] * 3)
    ids = [
        httpx.post(
            f"{stack.api_url}/v1/jobs", json={"text": text, "title": f"দীর্ঘ {n}"}, headers=auth
        ).json()["id"]
        for n in (1, 2)
    ]
    page = console.page
    console.sign_in()
    for job_id in reversed(ids):  # the waiting one first, then the one rendering
        row = page.locator(f'tr[data-job-id="{job_id}"]')
        row.get_by_role("button", name=re.compile("^Cancel")).click()
        expect(row).to_have_attribute("data-status", "cancelled", timeout=60_000)
        expect(row.get_by_role("button", name=re.compile("^Cancel"))).to_be_hidden()
    assert not console.errors, console.errors


def test_a_refused_key_is_not_kept_and_signing_out_forgets_the_key(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("not-a-key")
    expect(page.locator("form [role=alert]")).to_have_text("That API key is not valid.")
    assert page.evaluate("() => sessionStorage.length") == 0
    console.sign_in()
    expect(page.locator("main h1")).to_have_text("Jobs")
    assert page.evaluate("() => sessionStorage.getItem('kontho.apiKey')") == LOCAL_API_KEY
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("main h1")).to_have_text("Sign in")
    assert page.evaluate("() => sessionStorage.length") == 0
    page.goto(f"{console.url}/#/jobs")  # no key: back to signing in
    expect(page.locator("main h1")).to_have_text("Sign in")


def test_a_lexicon_is_written_tried_and_offered_to_new_jobs(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in()
    page.get_by_role("link", name="Lexicons").click()
    page.get_by_label("New lexicon").fill("console-names")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("main h1")).to_have_text("console-names")
    row = page.locator("tr.entry").first
    row.get_by_label("Written").fill("BUET")
    row.get_by_label("Read as").fill("বুয়েট")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("console-names is saved.")
    page.get_by_label("Sentence").fill("আমি BUET থেকে পাস করেছি।")
    page.get_by_role("button", name="Preview the reading").click()
    expect(page.locator(".trial li")).to_have_count(1)
    assert nfd(page.locator(".trial li").inner_text()) == nfd("BUET → বুয়েট")
    # Heard too: a voice sample of the sentence with the lexicon, rendered by the worker, in the page.
    page.get_by_role("button", name="Hear it").click()
    spoken = page.get_by_label("Heard with this lexicon")
    expect(spoken).to_be_visible(timeout=60_000)
    expect(spoken).to_have_js_property("readyState", 4, timeout=15_000)  # the whole sample is loaded
    assert spoken.evaluate("a => a.duration") > 1.0
    console.screenshot("lexicon")

    page.get_by_role("link", name="New job").first.click()
    expect(page.get_by_label(re.compile(r"^console-names \(1 entries\)$"))).to_be_visible()
    assert not console.errors, console.errors


def test_the_read_along_finds_the_sentence_at_a_time(console: Console) -> None:
    """marks.js as the page loads it: the sentence whose start the audio passed last, -1 before any."""
    console.open("#/signin")
    found = console.page.evaluate(
        """async () => {
            const { sentenceAt } = await import("/console/js/marks.js");
            const sentences = [{ start_ms: 0 }, { start_ms: 1000 }, { start_ms: 2500 }];
            return [-5, 0, 999, 1000, 2000, 2500, 9999].map((ms) => sentenceAt(sentences, ms))
                .concat([sentenceAt([], 5), sentenceAt([{ start_ms: 100 }], 50)]);
        }"""
    )
    assert found == [-1, 0, 0, 1, 1, 2, 2, -1, -1]


def test_the_browser_enforces_the_policy_on_inline_script(console: Console) -> None:
    """Even markup that reached the DOM could not run: Chromium refuses inline script and says why."""
    page = console.page
    console.open("#/signin")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.body.append(script);
            }"""
        )
    assert page.evaluate("() => window.inlineRan === undefined")


def test_the_preview_marks_the_words_the_reading_changed_and_only_those(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in()
    page.get_by_role("link", name="New job").first.click()
    page.get_by_label("Paste the text").fill("আমার ২৫টি বই আছে। আমি বাড়ি যাই।")
    page.get_by_role("button", name="Preview the reading").click()
    rows = page.locator("table.reading tbody tr")
    expect(rows).to_have_count(2)
    # The number is read out: that word, and nothing else of its sentence, is marked on both sides.
    expect(rows.nth(0)).to_have_class("changed")
    written, spoken = rows.nth(0).locator("td").all()
    assert written.locator("mark").all_inner_texts() == ["২৫টি"]
    assert [nfd(m) for m in spoken.locator("mark").all_inner_texts()] == [nfd("পঁচিশটি")]
    assert "আমার" in written.inner_text()
    # A sentence read as written has no mark.
    assert rows.nth(1).get_attribute("class") in (None, "")
    assert rows.nth(1).locator("mark").count() == 0
    assert not console.errors, console.errors


def test_the_word_diff_keeps_what_both_texts_share(console: Console) -> None:
    """diff.js as the page loads it: words kept in order, the changed ones marked, spaces never."""
    console.open("#/signin")
    found = console.page.evaluate(
        """async () => {
            const { wordDiff } = await import("/console/js/diff.js");
            const show = (d) => ["written", "spoken"].map((side) =>
                d[side].map((p) => (p.changed ? `[${p.text}]` : p.text)).join(""));
            return [
                show(wordDiff("a b c", "a x c")),
                show(wordDiff("a b", "a b")),
                show(wordDiff("১০ টাকা", "দশ টাকা")),
                show(wordDiff("a", "a b c")),
                wordDiff("w ".repeat(600), "w ".repeat(600)),
            ];
        }"""
    )
    assert found == [
        ["a [b] c", "a [x] c"],
        ["a b", "a b"],
        ["[১০] টাকা", "[দশ] টাকা"],
        ["a", "a[ ][b][ ][c]".replace("[ ]", " ")],
        None,
    ]


def test_a_finished_chapter_plays_while_the_rest_renders(console: Console, stack: LocalStack) -> None:
    from playwright.sync_api import expect

    long_chapter = "\n\n".join([corpus_chapter(n) for n in (1, 2, 3, 4)] * 2)
    book = f"# ভূমিকা\n\nএকটি ছোট কথা।\n\n# গল্প\n\n{long_chapter}\n"
    job = httpx.post(
        f"{stack.api_url}/v1/jobs",
        json={"text": book, "text_format": "markdown", "chapter_files": True, "title": "আগে শোনা"},
        headers={"Authorization": f"Bearer {LOCAL_API_KEY}"},
    ).json()
    page = console.page
    console.sign_in()
    expect(page.locator("main h1")).to_have_text("Jobs")
    console.open(f"#/jobs/{job['id']}")
    first = page.locator('section.early li[data-chapter="1"] audio')
    expect(first).to_be_attached(timeout=90_000)
    assert page.locator(".progress-line .figure").inner_text().startswith("running")
    expect(page.locator("section.early")).to_be_visible()
    first.evaluate("a => { a.preload = 'auto'; a.load(); }")
    expect(first).to_have_js_property("readyState", 4, timeout=15_000)
    assert first.evaluate("a => a.duration") > 0.5
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator(".progress-line .figure")).to_contain_text("cancel", timeout=60_000)
    assert not console.errors, console.errors


def test_a_file_dropped_on_the_form_is_uploaded_and_previewed(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in()
    page.get_by_role("link", name="New job").first.click()
    book = "# প্রথম\n\nনদী বয়ে চলে।\n\n# দ্বিতীয়\n\nমাঝি গান গায়।\n"
    dropped = page.evaluate_handle(
        """(text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], "dropped.md", { type: "text/markdown" }));
            return data;
        }""",
        book,
    )
    zone = page.locator(".drop-zone")
    zone.dispatch_event("dragover", {"dataTransfer": dropped})
    zone.dispatch_event("drop", {"dataTransfer": dropped})
    expect(zone).to_contain_text("dropped.md is uploaded")
    page.get_by_role("button", name="Preview the reading").click()
    expect(page.locator(".preview .chapters input[type=checkbox]")).to_have_count(2)
    assert not console.errors, console.errors
