"""Every error answer has one shape: ``{"error": {"code", "message", "field"?, "status"?}}``."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.models import ErrorBody, ErrorResponse
from kontho.errors import TransientError


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


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route offers for this path (the router alone names only its first match's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, APIRoute) and route.path_regex.match(request.url.path):
            methods |= route.methods or set()
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.body, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {"loc": ("body",), "msg": "invalid request"}
        message = "; ".join(f"{_location(p['loc'])}: {p['msg']}" for p in problems[:5])
        return error_response(
            422, ErrorBody(code="invalid_request", message=message, field=_location(first["loc"]))
        )

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
    async def _unavailable(_: Request, exc: TransientError) -> JSONResponse:
        return error_response(
            503, ErrorBody(code=exc.code, message=f"{exc}; try again shortly"), headers={"Retry-After": "5"}
        )
