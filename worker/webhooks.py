"""Webhook deliveries: a signed POST of the job's final status to the job's ``webhook_url``.

Sent from a small pool of background threads, so a slow or dead receiver never holds up a worker's next
job; each delivery is retried with exponential backoff on network errors and on 5xx, 408 and 429 answers,
and its outcome is logged (job id and tenant bound) and counted. Deliveries are at-least-once: a receiver
deduplicates on the ``Kontho-Delivery`` header, which is the same for every retry of one delivery.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

import structlog
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from kontho import metrics
from kontho.schemas import JobRecord
from kontho.settings import Settings
from kontho.tenants import ReloadingDirectory, TenantDirectory
from kontho.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    private_address,
    sign,
)

log = structlog.get_logger(__name__)

_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class _Retryable(Exception):
    pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead a signed delivery anywhere, a private address included: treat it as an answer.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def payload(record: JobRecord) -> dict[str, Any]:
    """What a receiver gets: the job's final state, without presigned URLs (they expire; GET the result)."""
    return {
        "event": f"job.{record.status.value}",
        "job": {
            "id": record.id,
            "status": record.status.value,
            "title": record.title,
            "format": record.format.value,
            "created_at": record.created_at.isoformat(),
            "finished_at": record.finished_at.isoformat() if record.finished_at else None,
            "error": record.error.model_dump() if record.error else None,
            "duration_seconds": record.result.duration_seconds if record.result else None,
            "usage": record.usage.model_dump(),
            "links": {"self": f"/v1/jobs/{record.id}", "result": f"/v1/jobs/{record.id}/result"},
        },
    }


class WebhookSender:
    def __init__(self, settings: Settings, tenants: TenantDirectory | ReloadingDirectory) -> None:
        self._settings = settings
        self._tenants = tenants
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="webhook")
        self._opener = urllib.request.build_opener(_NoRedirects)
        self._pending: list[Any] = []

    def notify(self, record: JobRecord) -> None:
        """Queue a delivery for ``record`` if it names a webhook; returns at once."""
        if record.webhook_url is None:
            return
        context = structlog.contextvars.get_contextvars()
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._pool.submit(self._deliver, record, context))

    def close(self, timeout: float) -> None:
        """Give queued deliveries up to ``timeout`` seconds, then stop (what is left is logged as lost)."""
        _, left = wait(self._pending, timeout=timeout)
        if left:
            log.warning("webhooks_abandoned", count=len(left))
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _deliver(self, record: JobRecord, context: dict[str, Any]) -> None:
        structlog.contextvars.bind_contextvars(**context)
        url = record.webhook_url or ""
        tenant = self._tenants.get(record.tenant)
        if tenant is None or not tenant.webhook_secret:
            self._count("refused", "webhook_not_configured", url)
            return
        if not self._settings.webhook_allow_private and (address := private_address(url)):
            self._count("refused", f"resolves to the private address {address}", url)
            return
        body = json.dumps(payload(record), ensure_ascii=False).encode()
        delivery = str(uuid.uuid4())
        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            stop=stop_after_attempt(self._settings.webhook_attempts),
            wait=wait_exponential(multiplier=self._settings.webhook_backoff_seconds, max=300),
            before_sleep=lambda state: log.info(
                "webhook_retry", attempt=state.attempt_number, error=str(state.outcome.exception())
                if state.outcome else None,
            ),
        )  # fmt: skip
        try:
            status = retrying(self._post, url, body, tenant.webhook_secret, delivery, record)
        except RetryError as exc:
            self._count("failed", str(exc.last_attempt.exception()), url)
            return
        except Exception as exc:  # a 4xx the receiver means, or a URL urllib cannot send to
            self._count("failed", str(exc), url)
            return
        self._count("delivered", f"HTTP {status}", url)

    def _post(self, url: str, body: bytes, secret: str, delivery: str, record: JobRecord) -> int:
        timestamp = int(time.time())  # fresh on each retry: receivers reject stale timestamps
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked to be http(s) at submit
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "kontho-webhooks/1",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(secret, timestamp, body),
                EVENT_HEADER: f"job.{record.status.value}",
                DELIVERY_HEADER: delivery,
            },
        )
        try:
            with self._opener.open(request, timeout=self._settings.webhook_timeout_seconds) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            if exc.code in _RETRY_STATUSES:
                raise _Retryable(f"HTTP {exc.code}") from exc
            if 300 <= exc.code < 400:
                raise RuntimeError(f"HTTP {exc.code}: redirects are not followed") from exc
            raise RuntimeError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise _Retryable(str(getattr(exc, "reason", exc))) from exc

    def _count(self, outcome: str, detail: str, url: str) -> None:
        metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
        host = urlsplit(url).hostname or url
        event = "webhook_delivered" if outcome == "delivered" else f"webhook_{outcome}"
        (log.info if outcome == "delivered" else log.warning)(event, host=host, detail=detail)
