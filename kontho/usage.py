"""What each tenant used, by UTC day: one small JSON object per tenant and day, updated in place.

The API adds a job's characters when it accepts the job (that is what the daily character limit counts);
a worker adds the audio, compute time and bytes stored when the job ends. Both update the day's object by
a conditional write over the version they read, so concurrent updates from many processes never lose one
another's counts.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Self

from pydantic import BaseModel, Field

from kontho import keys
from kontho.errors import StorageUnavailable
from kontho.jobstore import JobStore

_ATTEMPTS = 20


class UsageTotals(BaseModel):
    jobs_submitted: int = 0
    characters: int = Field(default=0, description="Characters of text accepted for rendering.")
    characters_synthesized: int = Field(
        default=0,
        description="Characters the voices synthesized; chunks reused from the tenant's cache cost none.",
    )
    jobs_completed: int = 0
    jobs_failed: int = 0
    audio_seconds: float = Field(default=0.0, description="Seconds of finished audio.")
    compute_seconds: float = Field(default=0.0, description="Worker time spent rendering (GPU or CPU).")
    gpu_seconds: float = Field(default=0.0, description="The part of compute_seconds spent on a GPU.")
    bytes_stored: int = Field(default=0, description="Bytes of artifacts written (audio, subtitles, ...).")

    def plus(self, **amounts: float) -> Self:
        changed = {name: getattr(self, name) + value for name, value in amounts.items()}
        for name in ("audio_seconds", "compute_seconds", "gpu_seconds"):
            if name in changed:
                changed[name] = round(changed[name], 3)
        return self.model_copy(update=changed)


class UsageDay(UsageTotals):
    day: date


def total(days: list[UsageDay]) -> UsageTotals:
    amounts: dict[str, float] = {}
    for day in days:
        for name, value in day.model_dump(exclude={"day"}).items():
            amounts[name] = amounts.get(name, 0) + value
    return UsageTotals().plus(**amounts)


def today() -> date:
    return datetime.now(UTC).date()


def seconds_to_midnight(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return max(1, int((midnight - now).total_seconds()))


class UsageLedger:
    def __init__(self, store: JobStore) -> None:
        self._store = store

    def day(self, tenant: str, day: date) -> UsageDay:
        body = self._store.get_bytes(keys.usage_day(tenant, day))
        return UsageDay(day=day) if body is None else UsageDay.model_validate_json(body)

    def days(self, tenant: str, first: date, last: date) -> list[UsageDay]:
        """One entry per day from ``first`` to ``last`` inclusive, zeros where nothing happened."""
        span = (last - first).days + 1
        # List first, read only the days that have an object: a quiet year costs one request, not 366.
        prefix = keys.usage_day(tenant, first).rsplit("/", 1)[0] + "/"
        # The day before names where the listing starts; there is none before the calendar's first.
        before = keys.usage_day(tenant, first - timedelta(days=1)) if first > date.min else None
        present = set(self._store.list_page(prefix, before, span))
        return [
            self.day(tenant, d) if keys.usage_day(tenant, d) in present else UsageDay(day=d)
            for d in (first + timedelta(days=n) for n in range(span))
        ]

    def add(self, tenant: str, day: date | None = None, **amounts: float) -> UsageDay:
        """Add ``amounts`` (field name → increment) to the tenant's totals for ``day`` (today)."""
        day = day or today()
        key = keys.usage_day(tenant, day)
        for attempt in range(_ATTEMPTS):
            found = self._store.get_versioned(key)
            current = UsageDay(day=day) if found is None else UsageDay.model_validate_json(found[0])
            updated = current.plus(**amounts)
            if self._store.put_conditional(
                key, updated.model_dump_json().encode(), found[1] if found else None
            ):
                return updated
            # Someone else wrote the day in between: read their version and add to it.
            time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # noqa: S311 - jitter, not secrecy
        raise StorageUnavailable(
            f"usage for {tenant} on {day} kept changing; gave up after {_ATTEMPTS} tries"
        )
