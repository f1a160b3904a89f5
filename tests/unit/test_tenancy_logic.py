"""Pure logic behind tenancy: usage sums, the rate limiter, webhook signatures and addresses, messages."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from api.errors import ApiError
from api.limits import RateLimiter
from kontho import webhook_address, webhook_signing
from kontho.ids import new_job_id
from kontho.messages import JobMessage
from kontho.tenants import Tenant, key_hash
from kontho.usage import UsageDay, seconds_to_midnight, total


def test_usage_days_add_up() -> None:
    days = [
        UsageDay(day=date(2026, 11, 1)).plus(jobs_submitted=2, characters=100, audio_seconds=1.25),
        UsageDay(day=date(2026, 11, 2)).plus(jobs_submitted=1, characters=50, audio_seconds=0.5),
    ]
    summed = total(days)
    assert (summed.jobs_submitted, summed.characters, summed.audio_seconds) == (3, 150, 1.75)
    assert "day" not in summed.model_dump()


def test_seconds_to_midnight() -> None:
    assert seconds_to_midnight(datetime(2026, 11, 23, 23, 59, 0, tzinfo=UTC)) == 60
    assert seconds_to_midnight(datetime(2026, 11, 23, 0, 0, 0, tzinfo=UTC)) == 86_400


def _tenant(rpm: int) -> Tenant:
    return Tenant(id="acme", key_sha256=[key_hash("k")], requests_per_minute=rpm)


def test_the_rate_limiter_allows_the_burst_then_refuses_with_a_wait() -> None:
    limiter = RateLimiter()
    for _ in range(3):
        limiter.take(_tenant(3))
    with pytest.raises(ApiError) as refused:
        limiter.take(_tenant(3))
    assert refused.value.status_code == 429
    assert refused.value.headers == {"Retry-After": "20"}  # 3 a minute: one every 20 s


def test_the_rate_limiter_refills_over_time(monkeypatch: pytest.MonkeyPatch) -> None:
    limiter = RateLimiter()
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    for _ in range(60):
        limiter.take(_tenant(60))
    with pytest.raises(ApiError):
        limiter.take(_tenant(60))
    now[0] += 1.0  # one token a second
    limiter.take(_tenant(60))


def test_signatures_verify_only_with_the_secret_the_body_and_a_fresh_timestamp() -> None:
    body = b'{"event": "job.completed"}'
    stamp = int(time.time())
    signature = webhook_signing.sign("s3cret-s3cret-s3cret", stamp, body)
    assert signature.startswith("v1=")
    assert webhook_signing.verify("s3cret-s3cret-s3cret", str(stamp), signature, body)
    assert not webhook_signing.verify("another-secret-here", str(stamp), signature, body)
    assert not webhook_signing.verify("s3cret-s3cret-s3cret", str(stamp), signature, body + b"x")
    assert not webhook_signing.verify("s3cret-s3cret-s3cret", str(stamp + 1), signature, body)
    old = stamp - 3600
    assert not webhook_signing.verify(
        "s3cret-s3cret-s3cret", str(old), webhook_signing.sign("s3cret-s3cret-s3cret", old, body), body
    )
    assert not webhook_signing.verify("s3cret-s3cret-s3cret", "yesterday", signature, body)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://hooks.example.com/kontho", None),
        ("http://example.com:8080/x?y=1", None),
        ("ftp://example.com/", "http:// or https://"),
        ("https://user:pw@example.com/", "credentials"),
        ("https:///path", "no host"),
        ("https://example.com:99999/", "not a URL"),
        ("https://example.com/" + "x" * 3000, "longer than"),
    ],
)
def test_webhook_url_forms(url: str, problem: str | None) -> None:
    found = webhook_address.url_problem(url)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize(
    ("url", "private"),
    [("http://127.0.0.1:9/", True), ("http://10.1.2.3/", True), ("http://169.254.169.254/", True),
     ("http://[::1]/", True), ("http://8.8.8.8/", False)],
)  # fmt: skip
def test_private_addresses_are_found(url: str, private: bool) -> None:
    assert (webhook_address.private_address(url) is not None) is private


def test_a_message_from_before_tenants_reads_as_the_development_tenant() -> None:
    job_id = new_job_id()
    assert JobMessage.decode(f'{{"v": 1, "job_id": "{job_id}"}}').tenant == "local"
    assert JobMessage.decode(JobMessage(job_id=job_id, tenant="acme").encode()).tenant == "acme"
