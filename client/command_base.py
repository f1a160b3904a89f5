"""What every ``kontho`` command shares: the address and key options, the client, the consoles, and how an
API error ends a command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from client.config import resolve
from client.http import KonthoApiError, KonthoClient

console = Console()
errors = Console(stderr=True)

T = TypeVar("T")

Url = Annotated[str | None, typer.Option("--url", help="API address [env KONTHO_URL]", show_default=False)]
Key = Annotated[
    str | None, typer.Option("--api-key", help="API key [env KONTHO_API_KEY]", show_default=False)
]
Json = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of a table")]


def client_for(url: str | None, api_key: str | None) -> KonthoClient:
    endpoint = resolve(url, api_key)
    notice = endpoint.notice()
    if notice:
        errors.print(notice, highlight=False, soft_wrap=True)
    return KonthoClient(endpoint.url, api_key=endpoint.api_key)


def or_exit(call: Callable[[], T]) -> T:
    """The call's result; an API error is printed and ends the command with status 1."""
    try:
        return call()
    except KonthoApiError as exc:
        errors.print(f"[red]error[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
