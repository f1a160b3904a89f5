"""``kontho chapters FILE`` against a real API (uvicorn) on a moto server: the book is uploaded and its
chapters printed at 80 columns with the numbers ``submit --chapters`` takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rich.cells import cell_len

from kontho.tenants import LOCAL_KEY
from kontho.text.unicode import normalize_unicode
from tests.epubs import build_epub

LONG_TITLE = "রাজা দুষ্মন্তের মৃগয়া, তপোবনে প্রবেশ, শকুন্তলার সঙ্গে প্রথম দেখা এবং তারপর যা যা ঘটল তার বিবরণ"
CHAPTERS = [
    ("প্রথম অধ্যায়", "শকুন্তলা বনের পথে হাঁটছিল।\nপাখিরা গান গাইছিল।"),
    (LONG_TITLE, "রাজা দুষ্মন্ত শিকারে এলেন। " * 40),
    ("তৃতীয় অধ্যায়", "হরিণ ছুটে পালাল।"),
]


def kontho(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, in a process of its own, at 80 columns, without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "client.cli", "chapters", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/nonexistent",
            "COLUMNS": "80",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "KONTHO_URL": url,
            "KONTHO_API_KEY": LOCAL_KEY,
        },
    )


def test_an_epubs_chapters_are_printed_with_their_numbers_at_80_columns(api_url: str, tmp_path: Path) -> None:
    book = tmp_path / "book.epub"
    build_epub(book, CHAPTERS)
    done = kontho(api_url, str(book))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert lines[0].strip() == "শকুন্তলা — অবনীন্দ্রনাথ ঠাকুর"
    rows = [line.split() for line in lines[:-1] if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert " ".join(rows[0][1:-1]) == normalize_unicode("প্রথম অধ্যায়")
    assert normalize_unicode("মৃগয়া") in done.stdout  # the long title folds onto a second line, whole
    assert lines[-1].startswith("3 chapters, ")
    assert lines[-1].endswith(" of audio")

    as_json = kontho(api_url, str(book), "--json")
    assert as_json.returncode == 0, as_json.stderr
    preview = json.loads(as_json.stdout)
    assert [c["title"] for c in preview["chapters"]] == [normalize_unicode(t) for t, _ in CHAPTERS]
    printed = [int(row[-1].replace(",", "")) for row in rows]
    assert printed == [c["characters"] for c in preview["chapters"]]
    kept = json.loads(kontho(api_url, str(book), "--no-skip-front-matter", "--json").stdout)
    assert len(kept["chapters"]) == len(CHAPTERS) + 1  # the title page, kept


def test_a_markdown_books_opening_is_a_chapter_without_a_title(api_url: str, tmp_path: Path) -> None:
    book = tmp_path / "book.md"
    book.write_text("ভূমিকা।\n\n# এক\n\nপ্রথম কথা।\n\n# দুই\n\nদ্বিতীয় কথা।\n", encoding="utf-8")
    done = kontho(api_url, str(book))
    assert done.returncode == 0, done.stderr
    assert "(before the first heading)" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("3 chapters, ")
    plain = kontho(api_url, str(book), "--text-format", "plain")
    assert plain.stdout.splitlines()[-1].startswith("1 chapter, ")


def test_what_kontho_cannot_read_is_refused_before_anything_is_sent(api_url: str, tmp_path: Path) -> None:
    document = tmp_path / "book.docx"
    document.write_bytes(b"PK\x03\x04 a word file")
    refused = kontho(api_url, str(document))
    assert refused.returncode == 2
    assert "kontho does not read .docx files" in refused.stderr
    broken = tmp_path / "broken.epub"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    error = kontho(api_url, str(broken))
    assert error.returncode == 2  # not a zip: refused here, as submit refuses it
    assert refused.stdout == error.stdout == ""
