"""``kontho lexicon``: a tenant's pronunciation lexicons (put, list, show, delete).

``put NAME FILE`` sends a ``.json`` file as entries (``{"entries": [...]}``, or the bare list) and a
``.pls`` or ``.xml`` file as a W3C PLS 1.0 document, as AWS Polly and Azure export them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from client.command_base import Json, Key, Url, client_for, console, errors, or_exit
from client.display import lexicon_table, lexicons_table, print_json, short_digest

lexicon_app = typer.Typer(
    help="Pronunciation lexicons: how names, places and words are read.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PLS_TYPE = "application/pls+xml"
_PLS_SUFFIXES = {".pls", ".xml"}

Name = Annotated[str, typer.Argument(help="The lexicon's name (a-z, 0-9, . _ -)", show_default=False)]


def _refuse(message: str) -> typer.Exit:
    errors.print(f"[red]error[/red]: {message}", highlight=False)
    return typer.Exit(2)


def read_lexicon_file(path: Path) -> tuple[bytes, str]:
    """The body and content type ``put`` sends for ``path``; ``ValueError`` naming what is wrong."""
    suffix = path.suffix.lower()
    if suffix not in _PLS_SUFFIXES | {".json"}:
        raise ValueError(f"{path.name}: a lexicon file is .json (entries) or .pls/.xml (W3C PLS)")
    data = path.read_bytes()
    if suffix in _PLS_SUFFIXES:
        return data, PLS_TYPE
    try:
        entries = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: not JSON ({exc})") from None
    body = {"entries": entries} if isinstance(entries, list) else entries
    return json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json"


@lexicon_app.command("put")
def put(
    name: Name,
    file: Annotated[Path, typer.Argument(help=".json entries or a .pls/.xml PLS file", show_default=False)],
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Create or replace the lexicon NAME from FILE."""
    if not file.is_file():
        raise _refuse(f"{file}: no such file")
    try:
        body, content_type = read_lexicon_file(file)
    except ValueError as exc:
        raise _refuse(str(exc)) from None
    with client_for(url, api_key) as client:
        stored = or_exit(lambda: client.put_lexicon(name, body, content_type))
    if as_json:
        print_json(stored)
    else:
        console.print(
            f"{stored['name']}: {stored['entry_count']:,} entries, {short_digest(stored['digest'])}",
            highlight=False,
        )


@lexicon_app.command("list")
def list_lexicons(as_json: Json = False, url: Url = None, api_key: Key = None) -> None:
    """Your lexicons, by name."""
    with client_for(url, api_key) as client:
        found = or_exit(client.lexicons)
    if as_json:
        print_json(found)
    else:
        console.print(lexicons_table(found))


@lexicon_app.command("show")
def show(name: Name, as_json: Json = False, url: Url = None, api_key: Key = None) -> None:
    """The lexicon NAME, its entries in order."""
    with client_for(url, api_key) as client:
        found = or_exit(lambda: client.lexicon(name))
    if as_json:
        print_json(found)
    else:
        console.print(lexicon_table(found))


@lexicon_app.command("delete")
def delete(name: Name, url: Url = None, api_key: Key = None) -> None:
    """Remove the lexicon NAME (jobs already queued keep what they read)."""
    with client_for(url, api_key) as client:
        or_exit(lambda: client.delete_lexicon(name))
    errors.print(f"deleted {name}", highlight=False)
