"""kontho studio: the producers' web console, static files the API serves beside /v1.

No build step: the page is plain HTML, CSS and ES modules under ``static/``, served at ``/console/`` (and
``/`` for the page itself). The console talks to the public /v1 API with the producer's own key, so it can
show nothing that key could not fetch with curl, and the API gains no route of its own for it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.console.security import console_headers
from kontho.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/console"


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the console on ``app``: its files under /console/, its page at /, with its security headers."""
    # html=True: /console/ answers index.html. A Mount is no API route: it stays out of the OpenAPI
    # document and out of the sweeps that check every route's answers.
    app.mount(PREFIX, StaticFiles(directory=STATIC_DIR, html=True), name="console")
    app.add_middleware(ConsoleResponses, headers=console_headers(settings))


def is_console_path(path: str) -> bool:
    return path in ("/", PREFIX) or path.startswith(f"{PREFIX}/")


class ConsoleResponses:
    """Serves ``/`` as the console's page and sets the console's headers on all of its responses.

    ``/`` is rewritten to ``/console/`` rather than routed, so the API keeps no route that is not an API
    operation. Every other path passes untouched: /docs keeps its own (CDN-loading) page, which the
    console's policy would break.
    """

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_console_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            scope = {**scope, "path": f"{PREFIX}/", "raw_path": f"{PREFIX}/".encode()}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
