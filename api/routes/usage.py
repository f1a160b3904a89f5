"""What the calling tenant used, by UTC day."""

from __future__ import annotations

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
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 422, 429, 503)}


# A plain pattern rather than a date type: a date parameter would also take numbers as Unix times.
_DAY = r"^\d{4}-\d{2}-\d{2}$"


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(
            422, ErrorBody(code="invalid_date", field=field, message=f"{value!r} is not a day (YYYY-MM-DD)")
        ) from exc


@router.get("", response_model=UsageOut, responses=_ERRORS)
def get_usage(
    services: ServicesDep,
    tenant: TenantDep,
    first_day: Annotated[
        str | None,
        Query(
            alias="from", pattern=_DAY, description="First day, UTC (YYYY-MM-DD); default: 29 days before to."
        ),
    ] = None,
    last_day: Annotated[
        str | None, Query(alias="to", pattern=_DAY, description="Last day, inclusive; default: today.")
    ] = None,
) -> UsageOut:
    """Characters submitted, jobs, seconds of audio, compute seconds and bytes stored, per day."""
    last = _day(last_day, "to") or today()
    first = _day(first_day, "from") or last - timedelta(days=29)
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
