"""The FastAPI application, built by a factory so tests can hand it their own settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

import kontho
from api.deps import Services
from api.errors import error_response, install_error_handlers
from api.models import ErrorBody
from api.routes import health, jobs, text, uploads, voices
from kontho.settings import Settings, get_settings

# JSON may escape every character as a six-byte \\u escape; leave room for the other fields too.
_BYTES_PER_CHAR = 6
_BODY_OVERHEAD = 64 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="kontho",
        version=kontho.__version__,
        summary="Long-form Bangla text to finished audio, asynchronously.",
    )
    app.state.services = Services(settings)
    install_error_handlers(app)
    max_body = settings.max_text_chars * _BYTES_PER_CHAR + _BODY_OVERHEAD

    @app.middleware("http")
    async def limit_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        structlog.contextvars.clear_contextvars()
        length = request.headers.get("content-length")
        # Refuse an oversized body from its header, before reading a byte of it.
        if length and length.isdigit() and int(length) > max_body:
            return error_response(
                413,
                ErrorBody(
                    code="body_too_large",
                    field="body",
                    message=f"request body is {int(length):,} bytes; the limit is {max_body:,}",
                ),
            )
        return await call_next(request)

    app.include_router(health.router)
    app.include_router(jobs.router)
    app.include_router(uploads.router)
    app.include_router(voices.router)
    app.include_router(text.router)
    return app
