"""Pronunciation lexicons: a tenant's rules for how names, places and words are read (kontho/lexicon.py).

A lexicon is sent whole with ``PUT``, as JSON entries or as a W3C PLS 1.0 document (what AWS Polly and
Azure export), and replaces the one of that name. Its digest is its version: jobs record the digests they
read.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from api.auth import TenantDep, require_tenant
from api.deps import Services, ServicesDep
from api.errors import ApiError
from api.models import ErrorBody, ErrorResponse
from kontho.lexicon import (
    NAME_PATTERN,
    PLS_MEDIA_TYPE,
    Lexicon,
    LexiconEntry,
    LexiconInvalid,
    LexiconLimits,
    parse_json_entries,
    parse_pls_with_lines,
)
from kontho.lexiconstore import LexiconStore, StoredLexicon
from kontho.settings import Settings

log = structlog.get_logger(__name__)

JSON_MEDIA_TYPE = "application/json"
ACCEPTED_MEDIA_TYPES = (JSON_MEDIA_TYPE, PLS_MEDIA_TYPE)

LexiconName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=NAME_PATTERN,
        description="The lexicon's name: 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.",
    ),
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 404, 413, 415, 422, 429, 503)
}


class LexiconOut(BaseModel):
    name: str
    digest: str = Field(description="sha256:<hex> of the entries in order: the lexicon's version.")
    entry_count: int = Field(description="How many entries it holds.")
    updated_at: datetime = Field(description="When its entries last changed.")


class LexiconList(BaseModel):
    lexicons: list[LexiconOut] = Field(description="The tenant's lexicons, by name.")


class LexiconDetail(LexiconOut):
    created_at: datetime
    entries: list[LexiconEntry] = Field(description="In order: the earlier entry wins a tie.")


def _out(stored: StoredLexicon) -> LexiconOut:
    return LexiconOut(
        name=stored.name, digest=stored.digest, entry_count=stored.entry_count, updated_at=stored.updated_at
    )


def _store(services: Services) -> LexiconStore:
    return services.lexicons


def _not_found(name: str) -> ApiError:
    return ApiError(
        404, ErrorBody(code="lexicon_not_found", field="name", message=f"no lexicon named {name!r}")
    )


def _invalid(problem: LexiconInvalid) -> ApiError:
    return ApiError(422, ErrorBody(code="invalid_lexicon", field=problem.field, message=str(problem)))


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, or a 413 as soon as it passes ``limit`` bytes (declared or counted)."""
    too_large = ApiError(
        413,
        ErrorBody(
            code="lexicon_too_large", field="body", message=f"a lexicon may have at most {limit:,} bytes"
        ),
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _media_type(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in ACCEPTED_MEDIA_TYPES:
        sent = f"Content-Type {media_type!r}" if media_type else "no Content-Type"
        raise ApiError(
            415,
            ErrorBody(
                code="unsupported_media_type",
                field="Content-Type",
                message=f'{sent}: send {JSON_MEDIA_TYPE} ({{"entries": [...]}}) or {PLS_MEDIA_TYPE} '
                "(a W3C PLS 1.0 document)",
            ),
        )
    return media_type


def _entries(media_type: str, body: bytes) -> tuple[tuple[LexiconEntry, ...], tuple[int, ...] | None]:
    if media_type == PLS_MEDIA_TYPE:
        return parse_pls_with_lines(body)
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(
            400,
            ErrorBody(code="invalid_body", field="body", message="the body is not JSON encoded as UTF-8"),
        ) from None
    except json.JSONDecodeError as exc:
        # The same answer as for any other JSON body the API cannot read.
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", exc.pos), "msg": exc.msg, "ctx": {"error": exc.msg}}]
        ) from None
    return parse_json_entries(data), None


def router_for(settings: Settings) -> APIRouter:
    """The lexicon routes, with this deployment's limits stated in their schema."""
    router = APIRouter(prefix="/v1/lexicons", tags=["lexicons"], dependencies=[Depends(require_tenant)])
    limits = LexiconLimits(settings.lexicon_max_entries, settings.lexicon_max_alias_chars)

    @router.put(
        "/{name}",
        response_model=LexiconOut,
        responses={**_ERRORS, 201: {"model": LexiconOut, "description": "Created"}},
        openapi_extra={"requestBody": _request_body(settings)},
    )
    async def put_lexicon(
        name: LexiconName, request: Request, services: ServicesDep, tenant: TenantDep, response: Response
    ) -> LexiconOut:
        """Create or replace the lexicon. 201 when it is new, 200 when it replaced one (or was the same)."""
        media_type = _media_type(request)
        body = await _read_body(request, settings.lexicon_max_bytes)
        try:
            entries, lines = _entries(media_type, body)
            limits.check(entries, lines)
        except LexiconInvalid as problem:
            raise _invalid(problem) from None
        stored, created = _store(services).put_created(tenant.id, Lexicon(name=name, entries=entries))
        log.info("lexicon_stored", lexicon=name, digest=stored.digest, entries=stored.entry_count)
        if created:
            response.status_code = status.HTTP_201_CREATED
            response.headers["Location"] = f"/v1/lexicons/{name}"
        return _out(stored)

    @router.get("", response_model=LexiconList, responses=_ERRORS)
    def list_lexicons(services: ServicesDep, tenant: TenantDep) -> LexiconList:
        """The tenant's lexicons, by name: each one's digest, entry count and last change."""
        return LexiconList(
            lexicons=[LexiconOut(**summary.model_dump()) for summary in _store(services).list(tenant.id)]
        )

    @router.get("/{name}", response_model=LexiconDetail, responses=_ERRORS)
    def get_lexicon(name: LexiconName, services: ServicesDep, tenant: TenantDep) -> LexiconDetail:
        """The whole lexicon, its entries in order."""
        stored = _store(services).get(tenant.id, name)
        if stored is None:
            raise _not_found(name)
        return LexiconDetail(
            **_out(stored).model_dump(), created_at=stored.created_at, entries=list(stored.entries)
        )

    @router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
    def delete_lexicon(name: LexiconName, services: ServicesDep, tenant: TenantDep) -> Response:
        """Remove the lexicon. Jobs already queued keep the entries they recorded."""
        if not _store(services).delete(tenant.id, name):
            raise _not_found(name)
        log.info("lexicon_deleted", lexicon=name)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def _request_body(settings: Settings) -> dict[str, Any]:
    """The PUT body in both forms, with this deployment's limits."""
    most, alias_chars = settings.lexicon_max_entries, settings.lexicon_max_alias_chars
    entry = LexiconEntry.model_json_schema()
    for reading in ("alias", "phoneme"):
        text = next(b for b in entry["properties"][reading]["anyOf"] if b.get("type") == "string")
        text["maxLength"] = alias_chars
        entry["properties"][reading]["description"] += f" At most {alias_chars} characters."
    # An alias or a phoneme, or both.
    entry["anyOf"] = [
        {"required": [reading], "properties": {reading: {"type": "string"}}}
        for reading in ("alias", "phoneme")
    ]
    entries = {
        "type": "object",
        "required": ["entries"],
        "additionalProperties": False,
        "properties": {
            "entries": {
                "type": "array",
                "maxItems": most,
                "items": entry,
                "description": f"At most {most:,} entries, in order: the earlier entry wins a tie.",
            }
        },
    }
    return {
        "required": True,
        "description": "The lexicon's entries as JSON, or a W3C PLS 1.0 document (AWS Polly's and Azure's "
        f"lexicon files) sent as {PLS_MEDIA_TYPE}: each <grapheme> of a <lexeme> becomes an entry with the "
        "lexeme's <alias> and IPA <phoneme>, matched case-sensitively as a whole word; no DOCTYPE or entity "
        "is accepted, and a malformed document is a 422 naming its line. At most "
        f"{settings.lexicon_max_bytes:,} bytes (413 beyond) and {most:,} entries.",
        # Only the JSON form has a schema here: a PLS document's text reads the same whatever JSON types
        # a generator would give its parts, so no JSON Schema of it can say what is refused.
        "content": {JSON_MEDIA_TYPE: {"schema": entries}},
    }
