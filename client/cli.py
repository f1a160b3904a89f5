"""``kontho``: submit books and scripts, follow them, and download what they became.

Where the API is and which key to use come from flags, else the environment (``KONTHO_URL``,
``KONTHO_API_KEY``), else ``~/.config/kontho/config.toml`` (``url = "…"``, ``api_key = "…"``), else the local
stack (``http://127.0.0.1:8000``, ``kontho-local-key``).
"""

from __future__ import annotations

import os
import time
import tomllib
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from client.http import TERMINAL, KonthoApiError, KonthoClient

app = typer.Typer(
    help="Submit books and scripts to kontho, follow them, and download what they became.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_KEY = "kontho-local-key"
CONFIG_FILE = Path.home() / ".config" / "kontho" / "config.toml"
_TEXT_SUFFIXES = {".txt": "plain", ".md": "markdown", ".markdown": "markdown"}

Url = Annotated[str | None, typer.Option("--url", help="API address [env KONTHO_URL]", show_default=False)]
Key = Annotated[
    str | None, typer.Option("--api-key", help="API key [env KONTHO_API_KEY]", show_default=False)
]


def resolve(url: str | None, api_key: str | None, config_file: Path = CONFIG_FILE) -> tuple[str, str]:
    """Flags, then the environment, then the config file, then the local stack's defaults."""
    config: dict[str, Any] = {}
    if config_file.exists():
        config = tomllib.loads(config_file.read_text(encoding="utf-8"))
    return (
        url or os.environ.get("KONTHO_URL") or str(config.get("url", DEFAULT_URL)),
        api_key or os.environ.get("KONTHO_API_KEY") or str(config.get("api_key", DEFAULT_KEY)),
    )


def _client(url: str | None, api_key: str | None) -> KonthoClient:
    base, key = resolve(url, api_key)
    return KonthoClient(base, api_key=key)


def _describe(job: dict[str, Any]) -> str:
    p = job["progress"]
    chapter = f"chapter {p['chapter']}/{p['chapters']}" if p["chapters"] > 1 else ""
    eta = f"ETA {p['eta_seconds']:.0f} s" if p.get("eta_seconds") else ""
    return " ".join(x for x in (job["id"], job["status"], chapter, eta) if x)


def _wait_all(client: KonthoClient, job_ids: list[str], timeout: float) -> list[dict[str, Any]]:
    """Follow several jobs at once: a bar per job, until every one has ended (or ``timeout``)."""
    columns = [TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%")]
    finished: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
        tasks = {job_id: bar.add_task(job_id, total=100) for job_id in job_ids}
        while len(finished) < len(job_ids):
            for job_id in job_ids:
                if job_id in finished:
                    continue
                job = client.job(job_id)
                bar.update(tasks[job_id], completed=job["progress"]["percent"], description=_describe(job))
                if job["status"] in TERMINAL:
                    finished[job_id] = job
            if len(finished) < len(job_ids):
                if time.monotonic() > deadline:
                    waiting = ", ".join(j for j in job_ids if j not in finished)
                    errors.print(f"[red]still not done after {timeout:.0f} s[/red]: {waiting}")
                    raise typer.Exit(1)
                time.sleep(1.0)
    return [finished[job_id] for job_id in job_ids]


def _report(job: dict[str, Any]) -> None:
    if job["status"] == "completed":
        seconds = job["progress"]["audio_seconds"]
        console.print(f"[green]{job['id']} completed[/green]: {seconds / 60:.1f} min of audio")
    else:
        error = job.get("error") or {}
        errors.print(f"[red]{job['id']} {job['status']}[/red]: {error.get('message', '')}")


@app.command()
def submit(
    files: Annotated[
        list[Path], typer.Argument(exists=True, dir_okay=False, help="Text, Markdown or EPUB files")
    ],
    voice: Annotated[str | None, typer.Option(help="Voice id (see: kontho voices)")] = None,
    audio_format: Annotated[str, typer.Option("--format", help="mp3, ogg, wav, flac or m4b")] = "mp3",
    title: Annotated[str | None, typer.Option(help="Title (default: the file name)")] = None,
    subtitles: Annotated[bool, typer.Option(help="Also SRT, WebVTT and sentence marks")] = False,
    wait: Annotated[bool, typer.Option(help="Wait for each job and show its progress")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each job")] = 7200,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Submit each file as a job, one line per job; with --wait, then a bar per job until all are done."""
    failed = False
    submitted: list[str] = []
    with _client(url, api_key) as client:
        for path in files:
            options: dict[str, Any] = {"format": audio_format, "subtitles": subtitles}
            if voice:
                options["voice"] = voice
            try:
                if path.suffix.lower() == ".epub":
                    job = client.submit_upload(client.upload(path), title=title, **options)
                else:
                    text_format = _TEXT_SUFFIXES.get(path.suffix.lower(), "plain")
                    text = path.read_text(encoding="utf-8")
                    job = client.submit(text, text_format=text_format, title=title or path.stem, **options)
            except KonthoApiError as exc:
                errors.print(f"[red]{path}[/red]: {exc}")
                failed = True
                continue
            console.print(f"{job['id']}  {path.name}  {job['status']}")
            submitted.append(job["id"])
        if wait and submitted:
            for finished in _wait_all(client, submitted, timeout):
                _report(finished)
                failed |= finished["status"] != "completed"
    if failed:
        raise typer.Exit(1)


@app.command()
def status(job_id: str, url: Url = None, api_key: Key = None) -> None:
    """One job's status and progress."""
    with _client(url, api_key) as client:
        job = _or_exit(lambda: client.job(job_id))
    p = job["progress"]
    console.print(
        f"{job['id']}  {job['status']}  {p['done']}/{p['total']} chunks ({p['percent']:.1f}%)  "
        f"chapter {p['chapter']}/{p['chapters']}  {p['audio_seconds']:.0f} s of audio"
    )
    if job.get("error"):
        errors.print(f"[red]{job['error']['code']}[/red]: {job['error']['message']}")


@app.command("wait")
def wait_for(
    job_id: str,
    timeout: Annotated[float, typer.Option(help="Seconds to wait")] = 7200,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Follow a job to its end with a progress bar (chapter, percent, ETA)."""
    with _client(url, api_key) as client:
        [job] = _wait_all(client, [job_id], timeout)
    _report(job)
    if job["status"] != "completed":
        raise typer.Exit(1)


@app.command()
def download(
    job_id: str,
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to write into")] = Path("."),
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Every artifact of a completed job: audio, chapter files, subtitles, marks, manifest."""
    with _client(url, api_key) as client:
        paths = _or_exit(lambda: client.download_all(job_id, out / job_id))
    for path in paths:
        console.print(f"{path}  {path.stat().st_size:,} bytes")


@app.command()
def cancel(job_id: str, url: Url = None, api_key: Key = None) -> None:
    """Cancel a queued or running job."""
    with _client(url, api_key) as client:
        job = _or_exit(lambda: client.cancel(job_id))
    console.print(f"{job['id']}  {job['status']}")


@app.command()
def voices(url: Url = None, api_key: Key = None) -> None:
    """The voices a job may name."""
    with _client(url, api_key) as client:
        found = _or_exit(client.voices)
    table = Table("id", "engine", "language", "sample rate", "description")
    for v in found:
        table.add_row(v["id"] + (" (default)" if v["default"] else ""), v["engine"], v["language"],
                      str(v["sample_rate"]), v["description"])  # fmt: skip
    console.print(table)


@app.command()
def jobs(
    status_filter: Annotated[
        str | None,
        typer.Option("--status", help="queued, running, completed, failed or cancelled"),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 20,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Your jobs, newest first."""
    table = Table("id", "status", "title", "progress", "audio", "created (UTC)")
    with _client(url, api_key) as client:
        found = _or_exit(lambda: list(islice(client.iter_jobs(status_filter, min(limit, 100)), limit)))
    for job in found:
        p = job["progress"]
        created = job["created_at"][:19].replace("T", " ")
        minutes = f"{p['audio_seconds'] / 60:.1f} min"
        table.add_row(job["id"], job["status"], job["title"] or "", f"{p['percent']:.0f}%", minutes, created)
    console.print(table)


@app.command()
def usage(
    first: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (UTC)")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today)")] = None,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """What you used, by day: characters, jobs, hours of audio, compute time, storage."""
    with _client(url, api_key) as client:
        found = _or_exit(lambda: client.usage(first, last))
    table = Table(
        "day", "jobs", "characters", "completed", "failed", "audio (h)", "compute (h)", "stored (MB)"
    )

    def row(label: str, d: dict[str, Any]) -> list[str]:
        hours = [f"{d['audio_seconds'] / 3600:.2f}", f"{d['compute_seconds'] / 3600:.2f}"]
        counts = [
            str(d["jobs_submitted"]),
            f"{d['characters']:,}",
            str(d["jobs_completed"]),
            str(d["jobs_failed"]),
        ]
        return [label, *counts, *hours, f"{d['bytes_stored'] / 1e6:.1f}"]

    for day in found["days"]:
        if day["jobs_submitted"] or day["jobs_completed"] or day["jobs_failed"]:
            table.add_row(*row(day["day"], day))
    table.add_row(*row(f"{found['from']} – {found['to']}", found["total"]), style="bold")
    console.print(table)


def _or_exit(call: Any) -> Any:
    try:
        return call()
    except KonthoApiError as exc:
        errors.print(f"[red]error[/red]: {exc}")
        raise typer.Exit(1) from exc


def main() -> None:
    app()


if __name__ == "__main__":
    main()
