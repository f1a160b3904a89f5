"""``kontho``: submit books and scripts, follow them, and download what they became.

Where the API is and which key to use: see ``client/config.py``. Every command that prints a table or a
record takes ``--json`` and then prints the API's own JSON instead, for scripts. Progress and notices go to
stderr, so stdout holds only results.
"""

from __future__ import annotations

import sys
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from itertools import islice
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import typer
from rich.prompt import Confirm

from client.chapters_command import list_chapters
from client.command_base import Json, Key, Url, client_for, console, errors, or_exit
from client.display import (
    duration,
    jobs_table,
    megabytes,
    print_json,
    status_lines,
    usage_table,
)
from client.http import KonthoApiError, KonthoClient
from client.inputs import Input, UnsupportedInput, read_input
from client.lexicon_commands import lexicon_app
from client.progress import StillRunning, follow, phase
from client.sample_command import sample
from client.voice_commands import voices_app
from kontho.jobspec import AudioFormat, Loudness

app = typer.Typer(
    help="Submit books and scripts to kontho, follow them, and download what they became.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: rich's boxes squeeze an 80-column terminal, and it would read [defaults] as markup.
    rich_markup_mode=None,
)
app.add_typer(lexicon_app, name="lexicon")
app.add_typer(voices_app, name="voices")
voices_app.command("sample")(sample)

TextFormat = Literal["plain", "markdown", "ssml"]

JobIds = Annotated[list[str], typer.Argument(help="Job ids", show_default=False)]


def _version(value: bool) -> None:
    if value:
        try:
            installed = version("kontho")
        except PackageNotFoundError:
            installed = "unknown (not installed)"
        typer.echo(f"kontho {installed}")
        raise typer.Exit()


@app.callback()
def _main(
    _: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit")
    ] = False,
) -> None:
    """Submit books and scripts to kontho, follow them, and download what they became."""


def _follow(client: KonthoClient, labels: dict[str, str], timeout: float) -> list[dict[str, Any]]:
    try:
        return or_exit(lambda: follow(client, labels, timeout, errors))
    except StillRunning as exc:
        errors.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc


def _report(job: dict[str, Any], label: str) -> None:
    if job["status"] == "completed":
        audio = duration(job["progress"]["audio_seconds"])
        console.print(f"{job['id']}  {label}  completed  {audio} of audio", highlight=False)
    else:
        error = job.get("error") or {}
        errors.print(f"[red]{job['id']}  {label}  {job['status']}[/red]: {error.get('message', '')}")


def _read_all(files: list[Path], text_format: TextFormat | None) -> list[Input]:
    """Every file checked before any is sent, so a refused one does not leave half a batch submitted."""
    inputs, refused = [], []
    for path in files:
        try:
            inputs.append(read_input(path, text_format))
        except UnsupportedInput as exc:
            refused.append(str(exc))
    for message in refused:
        errors.print(f"[red]refused[/red] {message}", highlight=False)
    if refused:
        errors.print("nothing was submitted")
        raise typer.Exit(2)
    return inputs


@app.command()
def submit(
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, help=".txt, .md/.markdown (UTF-8) or .epub files"),
    ],
    voice: Annotated[str | None, typer.Option(help="Voice id (see: kontho voices)")] = None,
    audio_format: Annotated[AudioFormat | None, typer.Option("--format", help="Audio format [mp3]")] = None,
    title: Annotated[str | None, typer.Option(help="Title (default: the file name)")] = None,
    author: Annotated[str | None, typer.Option(help="Author, in the audio's metadata")] = None,
    loudness: Annotated[
        Loudness | None, typer.Option(help="audiobook -18 LUFS, podcast -16 LUFS, off [audiobook]")
    ] = None,
    subtitles: Annotated[bool, typer.Option(help="Also SRT, WebVTT and sentence marks")] = False,
    chapter_files: Annotated[bool, typer.Option(help="Also one audio file per chapter")] = False,
    reuse: Annotated[
        bool, typer.Option(help="Reuse chunks earlier jobs rendered alike; --no-reuse renders all anew")
    ] = True,
    read_chapter_titles: Annotated[bool, typer.Option(help="Read each chapter's heading aloud")] = True,
    text_format: Annotated[
        TextFormat | None,
        typer.Option(help="How to read the text [from the suffix: .md markdown, .ssml ssml, else plain]"),
    ] = None,
    speed: Annotated[
        float | None, typer.Option(min=0.8, max=1.3, help="Speaking rate, 0.8 to 1.3 [1.0]")
    ] = None,
    speaker: Annotated[
        list[str] | None,
        typer.Option(
            "--speaker",
            "--speakers",
            help="Dialogue: NAME=VOICE, a paragraph starting 'NAME:' is read by VOICE; repeat",
        ),
    ] = None,
    speaker_mark: Annotated[
        str | None, typer.Option(help="What follows a speaker's name: ':', '—' or '-' [:]")
    ] = None,
    cover: Annotated[
        Path | None,
        typer.Option(
            "--cover",
            "--cover-upload",
            exists=True,
            dir_okay=False,
            help="A JPEG or PNG cover for the M4B or MP3 [an EPUB's own]",
        ),
    ] = None,
    year: Annotated[
        str | None, typer.Option(help="Year in the audio's tags, four digits [an EPUB's date]")
    ] = None,
    chapters: Annotated[
        str | None,
        typer.Option(help="Only these chapters, 3,5,7-9 (see: kontho chapters) [all]"),
    ] = None,
    lexicon: Annotated[
        list[str] | None,
        typer.Option(
            "--lexicon",
            "--lexicons",
            help="A lexicon to apply (see: kontho lexicon); repeat for more, in order",
        ),
    ] = None,
    skip_front_matter: Annotated[
        bool, typer.Option(help="EPUB: leave out cover, title page, copyright and contents")
    ] = True,
    webhook_url: Annotated[
        str | None, typer.Option(help="Receives a signed POST when the job ends (see the README)")
    ] = None,
    wait: Annotated[bool, typer.Option(help="Follow the jobs with a bar each until all are done")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the jobs")] = 7200,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Submit files as jobs, a line each.

    With --wait, then a bar per job until all are done. Options left out take the API's defaults.
    """
    inputs = _read_all(files, text_format)
    options: dict[str, Any] = {
        "subtitles": subtitles,
        "chapter_files": chapter_files,
        "reuse": reuse,
        "read_chapter_titles": read_chapter_titles,
        "skip_front_matter": skip_front_matter,
    }
    if lexicon:
        options["lexicons"] = lexicon
    if speaker:
        options["speakers"] = _speaker_map(speaker)
    if speaker_mark is not None:
        options["speaker_mark"] = speaker_mark
    if speed is not None:
        options["speed"] = speed
    if chapters:
        options["chapters"] = _chapter_picks(chapters)
    chosen = {"voice": voice, "format": audio_format, "author": author, "loudness": loudness}
    options.update({k: str(v) for k, v in chosen.items() if v is not None})
    if webhook_url is not None:
        options["webhook_url"] = webhook_url
    if year is not None:
        options["year"] = year
    failed = False
    submitted: dict[str, str] = {}
    jobs: list[dict[str, Any]] = []
    with client_for(url, api_key) as client:
        if cover is not None:  # one upload, named by every job
            kind = "image/png" if cover.suffix.lower() == ".png" else "image/jpeg"
            options["cover_upload"] = or_exit(lambda: client.upload(cover, kind))
        for item in inputs:
            try:
                if item.text is not None:
                    job = client.submit(
                        item.text, text_format=item.text_format, title=title or item.path.stem, **options
                    )
                else:
                    upload = client.upload(item.path)
                    extra = {"text_format": item.text_format} if item.text_format else {}
                    job = client.submit_upload(upload, title=title, **extra, **options)
            except KonthoApiError as exc:
                errors.print(f"[red]{item.path}[/red]: {exc}", highlight=False)
                failed = True
                continue
            if not as_json:
                console.print(f"{job['id']}  {item.path.name}  {job['status']}", highlight=False)
            submitted[job["id"]] = item.path.name
            jobs.append(job)
        if wait and submitted:
            jobs = _follow(client, submitted, timeout)
            for job in jobs:
                if not as_json:
                    _report(job, submitted[job["id"]])
                failed |= job["status"] != "completed"
    if as_json:
        print_json(jobs)
    if failed:
        raise typer.Exit(1)


# Beside submit in the help: the numbers it prints are what submit --chapters takes.
app.command("chapters")(list_chapters)


@app.command()
def status(job_id: str, as_json: Json = False, url: Url = None, api_key: Key = None) -> None:
    """One job: state, phase, progress and ETA.

    Durations as h:mm:ss, sizes in MB, times in UTC.
    """
    with client_for(url, api_key) as client:
        job = or_exit(lambda: client.job(job_id))
    if as_json:
        print_json(job)
        return
    for line in status_lines(job, phase(job)):
        console.print(line, highlight=False)
    if job.get("error"):
        errors.print(f"[red]{job['error']['code']}[/red]: {job['error']['message']}", highlight=False)


@app.command("wait")
def wait_for(
    job_ids: JobIds,
    timeout: Annotated[float, typer.Option(help="Seconds to wait")] = 7200,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Follow jobs to their end, a bar each.

    Each bar is labelled by the job's title and shows its phase (planning, rendering, encoding and
    uploading), percent and ETA.
    """
    with client_for(url, api_key) as client:
        labels = {}
        for job_id in job_ids:
            job = or_exit(partial(client.job, job_id))
            labels[job_id] = job.get("title") or job_id
        jobs = _follow(client, labels, timeout)
    if as_json:
        print_json(jobs)
    else:
        for job in jobs:
            _report(job, labels[job["id"]])
    if any(job["status"] != "completed" for job in jobs):
        raise typer.Exit(1)


@app.command()
def download(
    job_id: str,
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to write into")] = Path("."),
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Download a completed job's files.

    Every artifact (audio, chapter files, subtitles, marks, manifest) into OUT/JOB_ID/, named after the
    job's title as the API names them: শকুন্তলা.m4b, শকুন্তলা - subtitles.srt, ….
    """
    with client_for(url, api_key) as client:
        paths = or_exit(lambda: client.download_all(job_id, out / job_id))
    for path in paths:
        console.print(f"{path}  {megabytes(path.stat().st_size)}", highlight=False)


@app.command()
def cancel(job_ids: JobIds, url: Url = None, api_key: Key = None) -> None:
    """Cancel queued or running jobs.

    A queued job never starts; a running one stops at its next chunk.
    """
    failed = False
    with client_for(url, api_key) as client:
        for job_id in job_ids:
            try:
                job = client.cancel(job_id)
            except KonthoApiError as exc:
                errors.print(f"[red]{job_id}[/red]: {exc}", highlight=False)
                failed = True
                continue
            if job["status"] == "cancelled":
                console.print(f"{job['id']}  cancelled", highlight=False)
            else:
                console.print(f"{job['id']}  {job['status']}: stops at its next chunk", highlight=False)
    if failed:
        raise typer.Exit(1)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _confirm(question: str) -> bool:
    """Asked and answered on stderr and stdin, so stdout keeps only what was done."""
    try:
        return Confirm.ask(question, console=errors, default=False)
    except EOFError:
        return False


@app.command()
def delete(
    job_ids: JobIds,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Erase jobs and all they produced.

    The record, the text, the audio and the listing entry go; a running job is cancelled first. Your
    usage totals keep what the jobs used. Asks first, unless --yes; without a terminal to ask on,
    refuses without --yes.
    """
    if not yes:
        if not _stdin_is_terminal():
            errors.print(
                "[red]refused[/red]: erasing cannot be undone; pass --yes to erase without a terminal"
            )
            raise typer.Exit(2)
        which = job_ids[0] if len(job_ids) == 1 else f"{len(job_ids)} jobs"
        question = f"Erase {which} and all it produced? It cannot be undone"
        if not _confirm(question):
            errors.print("nothing erased")
            raise typer.Exit(1)
    failed = False
    with client_for(url, api_key) as client:
        for job_id in job_ids:
            try:
                client.delete(job_id)
            except KonthoApiError as exc:
                errors.print(f"[red]{job_id}[/red]: {exc}", highlight=False)
                failed = True
                continue
            console.print(f"{job_id}  erased", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def jobs(
    status_filter: Annotated[
        str | None,
        typer.Option("--status", help="queued, running, completed, failed or cancelled"),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 20,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Your jobs, newest first.

    With --json, a list of the API's job objects.
    """
    with client_for(url, api_key) as client:
        found = or_exit(lambda: list(islice(client.iter_jobs(status_filter, min(limit, 100)), limit)))
    if as_json:
        print_json(found)
    else:
        console.print(jobs_table(found))


@app.command()
def usage(
    first: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (UTC)")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today)")] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """What you used, by day.

    Jobs, characters, audio and compute time (h:mm:ss), storage (MB), per UTC day and in total.
    """
    with client_for(url, api_key) as client:
        found = or_exit(lambda: client.usage(first, last))
    if as_json:
        print_json(found)
    else:
        console.print(usage_table(found))


def main() -> None:
    try:
        app()
    except httpx.TransportError as exc:
        # The API is down or the address is wrong: say so in a line, not a traceback.
        errors.print(
            f"[red]error[/red]: cannot reach the kontho API ({type(exc).__name__}: {exc}); is it running, "
            "and is --url (or KONTHO_URL) right?",
            highlight=False,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()


def _chapter_picks(text: str) -> list[int | str]:
    """'3,5,7-9' as the API's chapters: [3, 5, "7-9"]."""
    picks: list[int | str] = []
    for piece in (p.strip() for p in text.split(",")):
        if piece.isdigit():
            picks.append(int(piece))
        elif piece:
            picks.append(piece)
    return picks


def _speaker_map(pairs: list[str]) -> dict[str, str]:
    speakers = {}
    for pair in pairs:
        name, sep, voice = pair.rpartition("=")
        if not sep or not name.strip() or not voice.strip():
            raise typer.BadParameter(f"{pair!r} is not NAME=VOICE", param_hint="--speaker")
        speakers[name.strip()] = voice.strip()
    return speakers
