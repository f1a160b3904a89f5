"""What the calling tenant used, by UTC day."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import TenantDep
from api.deps import ServicesDep
from api.errors import ApiError
from api.models import ErrorBody, ErrorResponse, UsageOut
from kontho.usage import today, total

router = APIRouter(prefix="/v1/usage", tags=["usage"])

MAX_DAYS = 366
EARLIEST = date(1970, 1, 1)
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 422, 429, 503)}


# A string rather than a date parameter: a date parameter would also take numbers as Unix times, and
# Python's ISO parser forms such as 20260101 or 2026-W01-1. The schema's pattern states the same days
# _day accepts; _day checks them itself so that each refusal says what is wrong in words.
_DAY = r"^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RANGE = (
    f"Days run from {EARLIEST.isoformat()} to 9999-12-31; from must not be after to, and a request covers at "
    f"most {MAX_DAYS} days."
)


def _day_query(alias: str, description: str) -> Any:
    return Query(
        alias=alias,
        description=f"{description} {_RANGE}",
        json_schema_extra={"format": "date", "pattern": _DAY},
    )


def _invalid_day(field: str, code: str, message: str) -> ApiError:
    return ApiError(422, ErrorBody(code=code, field=field, message=message))


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        if not _SHAPE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError as exc:
        message = f"{value[:40]!r} is not a day (YYYY-MM-DD)"
        raise _invalid_day(field, "invalid_date", message) from exc
    if day < EARLIEST:
        message = f"{value} is before {EARLIEST.isoformat()}, the earliest day usage covers"
        raise _invalid_day(field, "date_out_of_range", message)
    return day


@router.get("", response_model=UsageOut, responses=_ERRORS)
def get_usage(
    services: ServicesDep,
    tenant: TenantDep,
    first_day: Annotated[
        str | None, _day_query("from", "First day, UTC (YYYY-MM-DD); default: 29 days before to.")
    ] = None,
    last_day: Annotated[str | None, _day_query("to", "Last day, UTC, inclusive; default: today.")] = None,
) -> UsageOut:
    """Characters submitted, jobs, seconds of audio, compute seconds and bytes stored, per day."""
    given_first = _day(first_day, "from")
    last = _day(last_day, "to") or today()
    first = given_first or max(EARLIEST, last - timedelta(days=29))
    if first > last:
        raise ApiError(
            422, ErrorBody(code="invalid_range", field="from", message=f"from ({first}) is after to ({last})")
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise ApiError(
            422,
            ErrorBody(
                code="range_too_long",
                field="from",
                message=f"{(last - first).days + 1} days asked; at most {MAX_DAYS} days per request",
            ),
        )
    days = services.usage.days(tenant.id, first, last)
    body = {"tenant": tenant.id, "from": first.isoformat(), "to": last.isoformat()}
    return UsageOut.model_validate({**body, "days": days, "total": total(days)})
