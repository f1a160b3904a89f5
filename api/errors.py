"""Every error answer has one shape: ``{"error": {"code", "message", "field"?, "status"?}}``.

That holds for failures nobody foresaw too: ``CatchAll`` turns any exception a route lets escape into a
500 ``internal_error`` in the same envelope (and logs its traceback), and an outage of storage or the
queue is a 503 with ``Retry-After``, whichever route meets it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.models import ErrorBody, ErrorResponse
from kontho.errors import TransientError

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5
# What a client is told of an outage. The exception's own text names endpoints, buckets and keys: that
# goes to the log, not to the client.
_UNAVAILABLE = {
    "storage_unavailable": "storage is unavailable",
    "queue_unavailable": "the job queue is unavailable",
}


class ApiError(Exception):
    def __init__(self, status_code: int, body: ErrorBody, headers: dict[str, str] | None = None) -> None:
        super().__init__(body.message)
        self.status_code = status_code
        self.body = body
        self.headers = headers


def error_response(status_code: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        ErrorResponse(error=body).model_dump(mode="json", exclude_none=True),
        status_code=status_code,
        headers=headers,
    )


def _location(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _problem(problem: Mapping[str, Any]) -> tuple[str, str]:
    """The field at fault and what is wrong with it."""
    if problem.get("type") == "json_invalid":
        # The location's last part is the character the parser stopped at, not a field.
        position = problem["loc"][-1]
        reason = (problem.get("ctx") or {}).get("error", "not valid JSON")
        return "body", f"body: not valid JSON at character {position}: {reason}"
    field = _location(problem["loc"])
    return field, f"{field}: {problem['msg']}"


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route offers for this path (the router alone names only its first match's)."""
    methods: set[str] = set()
    # Routes of included routers sit behind the router that includes them; this walks down to them.
    for route in iter_route_contexts(request.app.routes):
        if isinstance(route.original_route, APIRoute) and route.path_regex.match(request.url.path):
            methods |= route.methods or set()
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.body, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(p) for p in exc.errors()] or [("body", "body: invalid request")]
        message = "; ".join(text for _, text in problems[:5])
        return error_response(422, ErrorBody(code="invalid_request", message=message, field=problems[0][0]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        body = ErrorBody(code=code, message=str(exc.detail))
        if exc.status_code == 400:
            body = ErrorBody(
                code=code, field="body", message="the body could not be read: send JSON encoded as UTF-8"
            )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_response(exc.status_code, body, headers=headers)

    @app.exception_handler(TransientError)
    async def _unavailable(request: Request, exc: TransientError) -> JSONResponse:
        log.warning("dependency_unavailable", code=exc.code, error=str(exc), path=request.url.path)
        what = _UNAVAILABLE.get(exc.code, "a service kontho depends on is unavailable")
        return error_response(
            503,
            ErrorBody(code=exc.code, message=f"{what}; try again shortly"),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    app.add_middleware(CatchAll)


class CatchAll:
    """Answer any exception that escapes the routes and their handlers with a 500 in the envelope.

    Installed innermost, so the answer still passes the middleware that counts requests and adds CORS
    headers. Starlette's own last-resort handler would answer in plain text and re-raise.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            # The path without its query string: a query may carry a credential.
            log.exception("unhandled_error", method=scope.get("method"), path=scope.get("path"))
            if started:
                raise  # half an answer is out; nothing can be put in its place
            body = ErrorBody(
                code="internal_error",
                message="the server failed to answer this request; the failure is logged. Try again, "
                "and report it if it persists",
            )
            await error_response(500, body)(scope, receive, send)
