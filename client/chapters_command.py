"""``kontho chapters FILE``: a book's chapters as a job would number them, before any audio is made.

The file goes up as an upload (as ``kontho submit`` sends an EPUB) and the API's text preview reads it
with the code a job's submit uses, so the numbers printed are the ones ``submit --chapters`` takes. Nothing
is rendered and nothing is billed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table

from client.command_base import Json, Key, Url, client_for, console, errors, or_exit
from client.display import duration, new_table, print_json
from client.inputs import UnsupportedInput, read_input

TextFormat = Literal["plain", "markdown", "ssml"]
# The chapter a text's opening belongs to when it comes before the first heading has no title.
_OPENING = "(before the first heading)"


def list_chapters(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help=".txt, .md/.markdown (UTF-8) or .epub file"),
    ],
    voice: Annotated[str | None, typer.Option(help="Voice id (see: kontho voices)")] = None,
    text_format: Annotated[
        TextFormat | None,
        typer.Option(help="How to read the text [from the suffix: .md markdown, .ssml ssml, else plain]"),
    ] = None,
    skip_front_matter: Annotated[
        bool, typer.Option(help="EPUB: leave out cover, title page, copyright and contents")
    ] = True,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """A book's chapters: number, title, characters.

    The numbers are those submit --chapters takes. The file is uploaded and read as its job would read
    it; nothing is rendered.
    """
    try:
        item = read_input(file, text_format)
    except UnsupportedInput as exc:
        errors.print(f"[red]refused[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    body: dict[str, Any] = {"skip_front_matter": skip_front_matter}
    if item.text_format is not None:
        body["text_format"] = item.text_format
    if voice is not None:
        body["voice"] = voice
    with client_for(url, api_key) as client:
        upload = or_exit(lambda: client.upload(file))
        preview: dict[str, Any] = or_exit(lambda: client.preview(upload=upload, **body))
    if as_json:
        print_json(preview)
        return
    console.print(chapters_table(preview))
    count = len(preview["chapters"])
    console.print(
        f"{count:,} chapter{'' if count == 1 else 's'}, {preview['spoken_characters']:,} characters, "
        f"about {duration(preview['estimated_seconds'])} of audio",
        highlight=False,
    )


def chapters_table(preview: dict[str, Any]) -> Table:
    """A chapter per row; the title folds, so the numbers keep to an 80-column line."""
    book = " — ".join(part for part in (preview.get("title"), preview.get("author")) if part)
    table = new_table(book or None)
    table.add_column("#", no_wrap=True, justify="right")
    table.add_column("title", overflow="fold", ratio=1)
    table.add_column("characters", no_wrap=True, justify="right")
    for chapter in preview["chapters"]:
        table.add_row(str(chapter["number"]), chapter["title"] or _OPENING, f"{chapter['characters']:,}")
    return table
