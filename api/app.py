"""The FastAPI application, built by a factory so tests can hand it their own settings."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

import kontho
from api import access_log, console
from api.body_limit import BodyLimit
from api.deps import Services
from api.errors import install_error_handlers
from api.models import ErrorResponse, readable_pattern, string_branch
from api.routes import health, jobs, lexicons, samples, text, uploads, usage, voices
from api.routes import metrics as metrics_route
from api.routes import voices as voices_route
from kontho import metrics
from kontho.settings import Settings, get_settings
from kontho.voices import Voice, VoiceCatalog

# JSON may escape every character as a six-byte \\u escape; leave room for the other fields too.
_BYTES_PER_CHAR = 6
_BODY_OVERHEAD = 64 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="kontho",
        version=kontho.__version__,
        summary="Long-form Bangla text to finished audio, asynchronously.",
        # Any request may meet these: a body that is not UTF-8 JSON, or one over the size limit.
        responses={code: {"model": ErrorResponse} for code in (400, 413)},
    )
    app.state.services = Services(settings)
    app.state.readiness = health.Readiness(settings)
    access_log.install()
    install_error_handlers(app)
    if settings.cors_origins:
        # Only the listed origins; credentials travel in the Authorization header, never in cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Location", "Idempotent-Replayed", "Sample-Reused", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_text_chars * _BYTES_PER_CHAR + _BODY_OVERHEAD)

    @app.middleware("http")
    async def context_and_metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        structlog.contextvars.clear_contextvars()
        started = time.perf_counter()
        response = await call_next(request)
        # The route's template, never the path itself: ids in paths would make labels unbounded.
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(template, request.method, str(response.status_code)).inc()
        metrics.HTTP_DURATION.labels(template, request.method).observe(time.perf_counter() - started)
        return response

    app.include_router(health.router)
    app.include_router(metrics_route.router)
    app.include_router(jobs.router)
    app.include_router(uploads.router)
    app.include_router(voices.router)
    app.include_router(samples.router)
    app.include_router(usage.router)
    app.include_router(text.router)
    app.include_router(lexicons.router_for(settings))
    # Last: the console's files are looked up only after every API route.
    console.install(app, settings)
    app.openapi = _schema_with_limits(app, settings)  # type: ignore[method-assign]
    return app


def _schema_with_limits(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """The app's OpenAPI schema with the limits of this deployment's settings and voices, which the request
    models (shared by every deployment) cannot carry."""
    build = app.openapi
    voices: VoiceCatalog = app.state.services.voices

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            uploads.document_limits(schema, settings)
            _document_text_and_voices(schema, settings, voices)
        assert app.openapi_schema is not None  # noqa: S101 - build() stores what it built
        return app.openapi_schema

    return openapi


def _document_text_and_voices(schema: dict[str, Any], settings: Settings, voices: VoiceCatalog) -> None:
    """State the text limit, the voice ids and what each voice can read, as submit enforces them."""
    requests = schema["components"]["schemas"]
    job, preview = requests["CreateJobRequest"], requests["PreviewRequest"]
    text = job["properties"]["text"]
    string_branch(text)["maxLength"] = settings.max_text_chars
    text["description"] += f" At most {settings.max_text_chars:,} characters (413 beyond)."
    shared = [voice for voice in voices.all() if voice.tenants is None]
    cloning = voices_route.document_cloning(schema, settings, voices)
    # A tenant's private voice is not named to everyone: with one in the catalog, the ids stay a pattern.
    if len(shared) == len(voices.all()):
        for request in (job, preview):
            field = string_branch(request["properties"]["voice"])
            if cloning:  # the catalog's voices, or a tenant's cloned voice
                field["pattern"] = voices_route.voice_ids_pattern(shared)
            else:
                field["enum"] = [voice.id for voice in shared]
    rules = [_readable_rule(voice, voice.id == settings.default_voice) for voice in shared]
    if cloning:
        rules.append(voices_route.cloned_voice_text_rule(voices))
    if rules:
        job["allOf"] = rules
    webhook = job["properties"]["webhook_url"]
    webhook["description"] += " An absolute http(s) URL with a host and without credentials." + (
        " This deployment sends to private addresses too."
        if settings.webhook_allow_private
        else " A host written as a private, loopback or link-local address is refused (422); a name "
        "is checked when the webhook is sent."
    )


def _readable_rule(voice: Voice, default: bool) -> dict[str, Any]:
    """A text read by ``voice`` has a character that voice can read."""
    named: dict[str, Any] = {"required": ["voice"], "properties": {"voice": {"const": voice.id}}}
    unnamed = [{"not": {"required": ["voice"]}}, {"properties": {"voice": {"type": "null"}}}]
    return {
        "if": {"anyOf": [named, *unnamed]} if default else named,
        "then": {"properties": {"text": {"pattern": readable_pattern(voice.characters)}}},
    }
