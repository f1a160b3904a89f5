"""The kontho command without a server: where it finds the API, what it accepts, how it shows things.

Server-backed behaviour (submit, wait, download, cancel, delete, --json) is in tests/e2e/test_cli.py.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from api.models import CreateJobRequest
from client.cli import app
from client.config import DEFAULT_KEY, DEFAULT_URL, resolve
from client.display import duration, jobs_table, megabytes, status_lines, usage_table, voices_table
from client.inputs import UnsupportedInput, read_input
from client.names import artifact_name, safe_stem
from client.progress import bar_state, phase
from devstack.__main__ import build_parser
from devstack.supervisor import RestartPolicy
from kontho.jobspec import AudioFormat

# ---- where the API is ----------------------------------------------------------------------------


def test_flags_win_then_environment_then_config_file_then_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.delenv("KONTHO_URL", raising=False)
    monkeypatch.delenv("KONTHO_API_KEY", raising=False)
    default = resolve(None, None, config)
    assert (default.url, default.api_key) == (DEFAULT_URL, DEFAULT_KEY)
    config.write_text('url = "https://tts.example.com"\napi_key = "from-file"\n')
    from_file = resolve(None, None, config)
    assert (from_file.url, from_file.api_key) == ("https://tts.example.com", "from-file")
    monkeypatch.setenv("KONTHO_URL", "https://env.example.com")
    monkeypatch.setenv("KONTHO_API_KEY", "from-env")
    from_env = resolve(None, None, config)
    assert (from_env.url, from_env.api_key) == ("https://env.example.com", "from-env")
    from_flags = resolve("https://flag.example.com", "from-flag", config)
    assert (from_flags.url, from_flags.api_key) == ("https://flag.example.com", "from-flag")


def test_the_server_is_named_on_stderr_only_when_it_is_not_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.delenv("KONTHO_URL", raising=False)
    assert resolve(None, None, config).notice() is None
    assert resolve(DEFAULT_URL + "/", None, config).notice() is None
    monkeypatch.setenv("KONTHO_URL", "https://env.example.com")
    assert resolve(None, None, config).notice() == "kontho: using https://env.example.com (from KONTHO_URL)"
    config.write_text('url = "https://tts.example.com"\n')
    monkeypatch.delenv("KONTHO_URL")
    assert resolve(None, None, config).notice() == f"kontho: using https://tts.example.com (from {config})"
    assert resolve("http://10.0.0.5:8000", None, config).notice() == (
        "kontho: using http://10.0.0.5:8000 (from --url)"
    )


# ---- 80 columns ----------------------------------------------------------------------------------

JOB: dict[str, Any] = {
    "id": "01m820y5sm9w2j82bfx59v7fdr",
    "status": "completed",
    "title": "শকুন্তলা: অভিজ্ঞানশকুন্তলম, প্রথম খণ্ড, a title long enough to need more than one line",
    "voice": "bn-espeak",
    "format": "m4b",
    "progress": {
        "done": 480,
        "total": 480,
        "percent": 100.0,
        "chapter": 12,
        "chapters": 12,
        "audio_seconds": 14523.4,
        "eta_seconds": None,
    },
    "usage": {"compute_seconds": 1203.0, "device": "cuda", "bytes_stored": 123_456_789},
    "created_at": "2026-11-02T12:34:56.123456Z",
    "finished_at": "2026-11-02T13:01:02.5Z",
}


def _usage_day(day: str) -> dict[str, Any]:
    return {
        "day": day,
        "jobs_submitted": 123,
        "characters": 12_345_678,
        "jobs_completed": 120,
        "jobs_failed": 3,
        "audio_seconds": 123 * 3600 + 45 * 60,
        "compute_seconds": 12 * 3600,
        "bytes_stored": 1_234_500_000,
    }


def _render(table: Table) -> str:
    console = Console(width=80, file=io.StringIO())
    console.print(table)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def test_every_table_keeps_its_dates_ids_and_headers_whole_at_80_columns() -> None:
    jobs = _render(jobs_table([JOB, {**JOB, "title": None, "status": "cancelled"}]))
    assert all(cell_len(line) <= 80 for line in jobs.splitlines())
    for whole in ("id / title", "status", "done", "audio", "created (UTC)", "2026-11-02 12:34:56"):
        assert whole in jobs
    assert JOB["id"] in jobs
    assert "4:02:03" in jobs  # the audio, h:mm:ss
    assert "…" not in jobs

    usage = {
        "from": "2026-10-04",
        "to": "2026-11-02",
        "days": [_usage_day("2026-11-01"), _usage_day("2026-11-02")],
        "total": _usage_day("total"),
    }
    rendered = _render(usage_table(usage))
    assert all(cell_len(line) <= 80 for line in rendered.splitlines())
    for whole in ("day", "jobs", "characters", "completed", "failed", "audio", "compute", "stored MB"):
        assert whole in rendered
    for whole in (
        "2026-10-04 – 2026-11-02",
        "2026-11-01",
        "2026-11-02",
        "12,345,678",
        "123:45:00",
        "1,234.50",
    ):
        assert whole in rendered
    assert "…" not in rendered

    voice = {
        "id": "bn-vits-female",
        "engine": "vits",
        "language": "bn",
        "sample_rate": 22050,
        "default": True,
        "description": "Fine-tuned Bangla VITS, female narrator, trained on a long audiobook corpus",
    }
    voices = _render(voices_table([voice]))
    assert "bn-vits-female (default)" in voices
    assert "22050" in voices
    assert "…" not in voices


def test_the_tables_as_they_were_cut_dates_at_80_columns() -> None:
    """What this guards against: rich's default table at 80 columns cuts every date to 2026-1…."""
    table = Table("id", "status", "title", "progress", "audio", "created (UTC)")
    table.add_row(JOB["id"], "completed", JOB["title"], "100%", "242.1 min", "2026-11-02 12:34:56")
    assert "2026-11-02 12:34:56" not in _render(table)


def test_status_speaks_one_unit_style() -> None:
    lines = status_lines(JOB, phase(JOB))
    assert lines[0] == f"{JOB['id']}  completed"
    text = "\n".join(lines)
    assert "audio     4:02:03" in text
    assert "compute   0:20:03 (cuda)" in text
    assert "stored    123.46 MB" in text
    assert "created   2026-11-02 12:34:56 UTC" in text
    assert "chapter 12/12" in text
    assert " s of audio" not in text
    assert "min" not in text
    assert (duration(0), duration(59.6), duration(30 * 3600)) == ("0:00:00", "0:01:00", "30:00:00")
    assert megabytes(1_500_000) == "1.50 MB"


# ---- phases --------------------------------------------------------------------------------------


def _job(status: str, done: int, total: int, chapters: int = 3, eta: float | None = None) -> dict[str, Any]:
    progress = {
        "done": done,
        "total": total,
        "percent": round(100 * done / total, 1) if total else 0.0,
        "chapter": 2,
        "chapters": chapters,
        "audio_seconds": 0.0,
        "eta_seconds": eta,
    }
    return {"status": status, "progress": progress}


def test_a_job_is_planning_then_rendering_then_encoding_and_uploading() -> None:
    assert phase(_job("queued", 0, 0)) == "queued"
    assert phase(_job("running", 0, 0)) == "planning"
    assert phase(_job("running", 3, 10)) == "rendering"
    assert phase(_job("running", 10, 10)) == "encoding and uploading"
    assert phase(_job("completed", 10, 10)) == "completed"

    rendering = bar_state(_job("running", 3, 10, eta=4000))
    assert (rendering.phase, rendering.percent, rendering.eta) == (
        "rendering chapter 2/3",
        " 30%",
        "ETA 1:06:40",
    )
    # Past the last chunk the bar stops claiming a fraction (it pulses) and says what is happening.
    encoding = bar_state(_job("running", 10, 10, eta=0))
    assert (encoding.total, encoding.phase, encoding.eta) == (None, "encoding and uploading", "")
    assert bar_state(_job("running", 0, 0)).total is None


# ---- what submit accepts -------------------------------------------------------------------------


def test_files_kontho_cannot_mean_are_refused_naming_what_it_reads(tmp_path: Path) -> None:
    docx = tmp_path / "manuscript.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    png = tmp_path / "cover.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    for path in (docx, pdf, png):
        with pytest.raises(UnsupportedInput) as refused:
            read_input(path)
        message = str(refused.value)
        assert path.name in message
        for supported in (".txt", ".md", ".markdown", ".epub"):
            assert supported in message

    # Named as text but not text: refused too, even when the user insists it is text.
    binary = tmp_path / "chapter.txt"
    binary.write_bytes(b"\xff\xfe\x00\x00binary")
    with pytest.raises(UnsupportedInput, match="not UTF-8 text"):
        read_input(binary)
    with pytest.raises(UnsupportedInput):
        read_input(png, text_format="plain")
    fake_epub = tmp_path / "book.epub"
    fake_epub.write_text("not a zip")
    with pytest.raises(UnsupportedInput, match="not an EPUB"):
        read_input(fake_epub)


def test_text_files_are_read_with_their_format(tmp_path: Path) -> None:
    md = tmp_path / "গ্রাম.md"
    md.write_text("# প্রথম অধ্যায়\n\nনদী।\n", encoding="utf-8")
    assert read_input(md).text_format == "markdown"
    txt = tmp_path / "episode.TXT"
    txt.write_text("নদী।\n", encoding="utf-8")
    assert (read_input(txt).text, read_input(txt).text_format) == ("নদী।\n", "plain")
    assert read_input(txt, text_format="markdown").text_format == "markdown"
    # Another suffix is sent only when the user says it is text.
    script = tmp_path / "script.text"
    script.write_text("নদী।\n", encoding="utf-8")
    with pytest.raises(UnsupportedInput, match="--text-format"):
        read_input(script)
    assert read_input(script, text_format="plain").text == "নদী।\n"
    epub = tmp_path / "book.epub"
    with zipfile.ZipFile(epub, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    assert read_input(epub).is_epub


def test_submit_refuses_before_sending_anything(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("নদী।\n", encoding="utf-8")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n")
    # The URL is unreachable: had anything been sent, the error would be a connection error.
    done = CliRunner().invoke(app, ["submit", str(good), str(bad), "--url", "http://127.0.0.1:9"])
    assert done.exit_code == 2
    assert "bad.pdf" in done.output
    assert "nothing was submitted" in done.output


def test_submit_has_an_option_for_every_field_of_the_api_request() -> None:
    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup)
    params = command.commands["submit"].params
    options = {opt.lstrip("-").replace("-", "_") for param in params for opt in param.opts}
    fields = set(CreateJobRequest.model_fields) - {"text", "upload"}
    assert fields <= options, f"kontho submit lacks {fields - options}"


# ---- the command's own edges ---------------------------------------------------------------------


def test_version() -> None:
    done = CliRunner().invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.output.startswith("kontho ")


def test_delete_without_a_terminal_needs_yes() -> None:
    done = CliRunner().invoke(app, ["delete", "01m820y5sm9w2j82bfx59v7fdr", "--url", "http://127.0.0.1:9"])
    assert done.exit_code == 2
    assert "--yes" in done.output


# ---- download names ------------------------------------------------------------------------------


def test_downloads_are_named_after_the_title_safely() -> None:
    assert safe_stem("শকুন্তলা", "01m8") == "শকুন্তলা"
    assert safe_stem("../../etc/passwd", "01m8") == "etc passwd"
    assert safe_stem('a\\b:c*d?e"f<g>h|i', "01m8") == "a b c d e f g h i"
    assert safe_stem("line\nbreak\ttab\x00nul\x1b[31m", "01m8") == "line break tabnul[31m"
    # A right-to-left override could make "mp3.exe" look like "exe.mp3"; ZWNJ/ZWJ shape conjuncts and stay.
    assert safe_stem("evil\u202ecod.exe", "01m8") == "evilcod.exe"
    assert safe_stem("র\u200d্যাব", "01m8") == "র\u200d্যাব"
    assert safe_stem("  .hidden. ", "01m8") == "hidden"
    for nothing in (None, "", "   ", "..", "/", "\u202e"):
        assert safe_stem(nothing, "01m8") == "01m8"
    # 150 bytes is 50 Bangla letters; here the 50th is a virama, which must not end the name.
    long = safe_stem("অআই" + "কণ্ঠ" * 200, "01m8")
    assert len(long.encode()) <= 150
    assert long.endswith("কণ")

    audio = {"kind": "audio", "format": "m4b"}
    assert artifact_name(audio, "শকুন্তলা") == "শকুন্তলা.m4b"
    chapter = {"kind": "chapter_audio", "format": "mp3", "chapter": 3}
    assert artifact_name(chapter, "শকুন্তলা") == "শকুন্তলা - chapter 0003.mp3"
    stored = "http://127.0.0.1:4566/kontho-local/tenants/local/jobs/01m8/subtitles.srt?X-Amz-Signature=ab"
    subtitles = {"kind": "subtitles", "format": "srt", "url": stored}
    assert artifact_name(subtitles, "শকুন্তলা") == "শকুন্তলা - subtitles.srt"
    hostile = {"kind": "marks", "format": "json", "url": "http://h/b/k/..%2F..%2Fetc%2Fpasswd"}
    assert artifact_name(hostile, "শকুন্তলা") == "শকুন্তলা - etc passwd"


# ---- the local stack -----------------------------------------------------------------------------


def test_devstack_run_accepts_every_format_the_api_does() -> None:
    for audio_format in AudioFormat:
        assert build_parser().parse_args(["run", "--format", audio_format.value]).format == audio_format.value


def test_a_worker_that_keeps_dying_is_restarted_at_a_bounded_rate() -> None:
    policy = RestartPolicy(first_delay_seconds=1, max_delay_seconds=60)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]
