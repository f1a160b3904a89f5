"""``kontho lexicon`` against a real API (uvicorn, on a moto S3): put JSON and PLS files, list, show at 80
columns, delete, and the errors a user meets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rich.cells import cell_len

from kontho.tenants import LOCAL_KEY

PLS = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="bn">
  <lexeme><grapheme>BUET</grapheme><alias>বুয়েট</alias><phoneme>buet̪</phoneme></lexeme>
</lexicon>
"""


def kontho(url: str, *args: str) -> tuple[int, str, str]:
    """The command as a user runs it, in a process of its own, at 80 columns."""
    result = subprocess.run(
        [sys.executable, "-m", "client.cli", "lexicon", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/nonexistent",
            "COLUMNS": "80",
            "KONTHO_URL": url,
            "KONTHO_API_KEY": LOCAL_KEY,
        },
    )
    return result.returncode, result.stdout, result.stderr


def test_put_list_show_and_delete(api_url: str, tmp_path: Path) -> None:
    entries = tmp_path / "names.json"
    entries.write_text(
        json.dumps(
            [
                {"grapheme": "Dhaka University", "alias": "ঢাকা ইউনিভার্সিটি"},
                {"grapheme": "রবীন্দ্রনাথ", "alias": "রোবিন্দ্রোনাথ", "whole_word": False},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    pls = tmp_path / "acronyms.pls"
    pls.write_text(PLS, encoding="utf-8")

    code, out, _ = kontho(api_url, "put", "names", str(entries))
    assert code == 0
    assert out.startswith("names: 2 entries, ")
    code, out, _ = kontho(api_url, "put", "acronyms", str(pls), "--json")
    assert code == 0
    assert json.loads(out)["entry_count"] == 1

    code, out, _ = kontho(api_url, "list")
    assert code == 0
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    for whole in ("name", "entries", "updated (UTC)", "digest", "acronyms", "names"):
        assert whole in out
    listed = json.loads(kontho(api_url, "list", "--json")[1])
    assert [x["name"] for x in listed] == ["acronyms", "names"]

    code, out, _ = kontho(api_url, "show", "names")
    assert code == 0
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    for whole in ("written", "read as", "Dhaka University", "রোবিন্দ্রোনাথ", "part", "whole", "any"):
        assert whole in out
    out = kontho(api_url, "show", "acronyms")[1]
    assert "/buet̪/" in out
    assert "exact" in out

    assert kontho(api_url, "delete", "names")[0] == 0
    code, _, err = kontho(api_url, "show", "names")
    assert code == 1
    assert "no lexicon named 'names'" in err


def test_what_the_api_refuses_is_said_with_its_field(api_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": [{"grapheme": "x"}]}')
    code, _, err = kontho(api_url, "put", "bad", str(bad))
    assert code == 1
    assert "needs an alias or a phoneme" in err
    broken = tmp_path / "broken.pls"
    broken.write_text('<lexicon version="1.0">\n<lexeme>\n</lexicon>')
    code, _, err = kontho(api_url, "put", "broken", str(broken))
    assert code == 1
    assert "line 3" in err
    other = tmp_path / "words.txt"
    other.write_text("x")
    code, _, err = kontho(api_url, "put", "words", str(other))
    assert code == 2
    assert ".json (entries) or .pls/.xml" in err
