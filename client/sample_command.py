"""``kontho voices sample VOICE_ID``: hear a voice before giving it a book.

Asks the API for a sample (a short sentence in that voice, rendered in a lane of its own so it does not
wait behind your queued jobs), follows it with the same bar as ``submit --wait``, downloads the audio and
prints where it went.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from client.command_base import Json, Key, Url, client_for, console, errors, or_exit
from client.display import duration, megabytes, print_json
from client.names import safe_stem
from client.progress import StillRunning, follow

SampleFormat = Literal["mp3", "wav", "ogg"]


def sample(
    voice_id: Annotated[str, typer.Argument(help="Voice id (see: kontho voices)", show_default=False)],
    text: Annotated[
        str | None,
        typer.Option(help="What to read, at most 200 characters [a Bangla sentence with a name and numbers]"),
    ] = None,
    audio_format: Annotated[SampleFormat, typer.Option("--format", help="Audio format")] = "mp3",
    speed: Annotated[
        float | None, typer.Option(min=0.8, max=1.3, help="Speaking rate, 0.8 to 1.3 [1.0]")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", dir_okay=False, help="File to write [VOICE_ID-sample.FORMAT]"),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the sample")] = 600,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Render a short sentence with a voice and download it.

    The sample does not wait behind your queued jobs. Prints the file's path; with --json, the job.
    """
    options: dict[str, Any] = {"format": audio_format}
    if text is not None:
        options["text"] = text
    if speed is not None:
        options["speed"] = speed
    path = out or Path(f"{safe_stem(voice_id, fallback='voice')}-sample.{audio_format}")
    with client_for(url, api_key) as client:
        job = or_exit(lambda: client.sample(voice_id, **options))
        try:
            (done,) = or_exit(lambda: follow(client, {job["id"]: f"{voice_id} sample"}, timeout, errors))
        except StillRunning as exc:
            errors.print(f"[red]{exc}[/red]", highlight=False)
            raise typer.Exit(1) from exc
        if done["status"] != "completed":
            error = done.get("error") or {}
            errors.print(f"[red]{done['id']}  {done['status']}[/red]: {error.get('message', '')}")
            raise typer.Exit(1)
        result = or_exit(lambda: client.result(done["id"]))
        client.download(result["audio"]["url"], path)
    if as_json:
        print_json(done)
        return
    audio = result["audio"]
    errors.print(
        f"{duration(audio['duration_seconds'])} of audio, {megabytes(audio['bytes'])}", highlight=False
    )
    console.print(str(path), highlight=False, soft_wrap=True)
