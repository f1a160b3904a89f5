"""Per-tenant limits: requests per minute, jobs queued or running at once, characters per UTC day.

Each refusal is a 429 whose ``Retry-After`` says when trying again can succeed, and whose body names the
limit. The request rate is counted in each API process (a token bucket per tenant): with N replicas behind
the load balancer a tenant gets up to N times its rate, which the limit's purpose (no single client
flooding the service) tolerates and which keeps the check free of any round trip.
"""

from __future__ import annotations

import math
import threading
import time

from api.errors import ApiError
from api.models import ErrorBody
from kontho.activejobs import ActiveJobs, least_busy_lane, least_busy_sample_lane
from kontho.tenants import Tenant
from kontho.usage import UsageLedger, seconds_to_midnight

# How long a client refused for active jobs should wait: about the time a short job takes.
_ACTIVE_RETRY_SECONDS = 30
# A voice sample is one sentence: seconds of work.
_SAMPLE_RETRY_SECONDS = 5


def too_many(code: str, field: str, message: str, retry_after: int) -> ApiError:
    return ApiError(
        429, ErrorBody(code=code, field=field, message=message), {"Retry-After": str(max(1, retry_after))}
    )


class RateLimiter:
    """A token bucket per tenant: ``requests_per_minute`` tokens, refilled continuously."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # tenant → (tokens, when counted)

    def take(self, tenant: Tenant) -> None:
        capacity = float(tenant.requests_per_minute)
        per_second = capacity / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(tenant.id, (capacity, now))
            tokens = min(capacity, tokens + (now - then) * per_second)
            if tokens < 1.0:
                self._buckets[tenant.id] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / per_second)
                raise too_many(
                    "rate_limited",
                    "Authorization",
                    f"more than {tenant.requests_per_minute} requests per minute for this API key",
                    wait,
                )
            self._buckets[tenant.id] = (tokens - 1.0, now)


def reserve_submit(active: ActiveJobs, usage: UsageLedger, tenant: Tenant, characters: int) -> int:
    """Count a new job against the tenant's limits, or refuse it (429); the lane it is to go in.

    The characters are added first and taken back when they pass the day's limit: of concurrent submits
    that together would pass it, the later ones are refused, never all admitted. A job that then fails to
    be created gives its characters back through ``release_submit``.
    """
    jobs = active.survey(tenant.id, tenant.max_active_jobs)
    running = len(jobs)
    if running >= tenant.max_active_jobs:
        raise too_many(
            "too_many_active_jobs",
            "text",
            f"{running} jobs are queued or running; the limit is {tenant.max_active_jobs} at once. "
            "Wait for one to finish, or cancel one",
            _ACTIVE_RETRY_SECONDS,
        )
    _count_characters(usage, tenant, characters)
    return least_busy_lane(jobs, tenant.concurrency)


def reserve_sample(
    active: ActiveJobs, usage: UsageLedger, tenant: Tenant, characters: int, in_flight: int
) -> int:
    """As ``reserve_submit`` for a voice sample: at most ``in_flight`` samples queued or rendering, counted
    apart from the tenant's jobs; the characters count towards the same day. The sample lane to go in."""
    samples = active.survey(tenant.id, in_flight, samples=True)
    if len(samples) >= in_flight:
        raise too_many(
            "too_many_samples",
            "voice_id",
            f"{len(samples)} voice samples are queued or rendering; the limit is {in_flight} at once. "
            "Wait for one to finish",
            _SAMPLE_RETRY_SECONDS,
        )
    _count_characters(usage, tenant, characters)
    return least_busy_sample_lane(samples, in_flight)


def _count_characters(usage: UsageLedger, tenant: Tenant, characters: int) -> None:
    day = usage.add(tenant.id, jobs_submitted=1, characters=characters)
    if day.characters > tenant.max_chars_per_day:
        release_submit(usage, tenant, characters)
        before = day.characters - characters
        raise too_many(
            "daily_characters_exceeded",
            "text",
            f"this job has {characters:,} characters and {before:,} were submitted today; the limit is "
            f"{tenant.max_chars_per_day:,} characters per UTC day",
            seconds_to_midnight(),
        )


def release_submit(usage: UsageLedger, tenant: Tenant, characters: int) -> None:
    usage.add(tenant.id, jobs_submitted=-1, characters=-characters)
