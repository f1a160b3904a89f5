"""Webhook deliveries: a signed POST of the job's final status to the job's ``webhook_url``.

Sent in the background, so a slow or dead receiver never holds up a worker's next job, and fairly between
tenants: each tenant has a queue of its own, the delivery threads take from the tenants in turn, and a tenant
has at most one delivery in flight, so one tenant's slow receiver holds one thread at most, for one
attempt's deadline at most (``KONTHO_WEBHOOK_TIMEOUT_SECONDS``, connect to answer). A failed attempt (a
network error, 5xx, 408, 425 or 429) is retried with exponential backoff by scheduling it, never by sleeping
in a thread. Each tenant's queue holds a bounded number of deliveries; past it a delivery is recorded failed
at once and the worker goes on.

Every change of a delivery's state (pending, delivered, failed, with attempts and the last answer) is
written into the job's record (``JobRecord.webhook``; see ``webhook_journal``), logged with the job and
tenant, and counted. A worker that stops with deliveries still waiting gives them the grace ``close`` is
given, then records each as failed with the reason. Deliveries are at-least-once: a receiver deduplicates on
the ``Kontho-Delivery`` header, the same for every retry of one delivery.
"""

from __future__ import annotations

import heapq
import itertools
import json
import ssl
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import structlog

from kontho import metrics
from kontho.aws import s3_client
from kontho.jobstore import JobStore
from kontho.schemas import JobRecord, WebhookDelivery
from kontho.settings import Settings
from kontho.tenants import ReloadingDirectory, TenantDirectory
from kontho.webhook_address import AddressRefused, Resolver, system_resolver
from kontho.webhook_signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from worker.webhook_http import SendFailed, post
from worker.webhook_journal import DeliveryJournal

log = structlog.get_logger(__name__)

QUEUE_PER_TENANT = 100
"""Deliveries one worker holds for one tenant (waiting, in flight or between tries)."""
CONCURRENCY = 8
"""Deliveries one worker has in flight at once, across tenants (one per tenant at most)."""
_MAX_BACKOFF_SECONDS = 300.0
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Of close's grace, what is kept back to write the last states into the records.
_JOURNAL_RESERVE_SECONDS = 2.0

Outcome = Literal["delivered", "retry", "failed", "refused"]


@dataclass(eq=False)
class _Delivery:
    tenant: str
    job_id: str
    url: str
    event: str
    body: bytes
    context: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0
    last_status: str | None = None
    sending: bool = False
    done: bool = False

    def stopped_reason(self) -> str:
        """Why it was given up when the worker stopped."""
        if self.sending:
            return f"given up: the worker stopped during attempt {self.attempts}"
        if self.attempts:
            return (
                f"given up: the worker stopped after {self.attempts} attempts (the last: {self.last_status})"
            )
        return "not sent: the worker stopped before the first attempt"


def payload(record: JobRecord) -> dict[str, Any]:
    """What a receiver gets: the job's final state, without presigned URLs (they expire; GET the result)."""
    return {
        "event": f"job.{record.status.value}",
        "job": {
            "id": record.id,
            "status": record.status.value,
            "title": record.spec.title,
            "format": record.spec.format.value,
            "created_at": record.created_at.isoformat(),
            "finished_at": record.finished_at.isoformat() if record.finished_at else None,
            "error": record.error.model_dump() if record.error else None,
            "duration_seconds": record.result.duration_seconds if record.result else None,
            "usage": record.usage.model_dump(),
            "links": {"self": f"/v1/jobs/{record.id}", "result": f"/v1/jobs/{record.id}/result"},
        },
    }


class WebhookSender:
    def __init__(
        self,
        settings: Settings,
        tenants: TenantDirectory | ReloadingDirectory,
        store: JobStore | None = None,
        *,
        resolver: Resolver = system_resolver,
        tls: ssl.SSLContext | None = None,
        queue_per_tenant: int = QUEUE_PER_TENANT,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._settings = settings
        self._tenants = tenants
        self._resolver = resolver
        self._tls = tls or ssl.create_default_context()
        self._queue_per_tenant = queue_per_tenant
        self._store = store
        self._concurrency = concurrency
        self._journal: DeliveryJournal | None = None  # it and the threads start with the first delivery
        self._lock = threading.Condition()
        self._ready: dict[str, deque[_Delivery]] = {}
        self._turns: deque[str] = deque()  # tenants with a delivery ready, whose turn comes first first
        self._retries: list[tuple[float, int, _Delivery]] = []  # (when due, tie-break, delivery)
        self._held: set[_Delivery] = set()
        self._per_tenant: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._order = itertools.count()
        self._closing = False
        self._stopped = False

    def notify(self, record: JobRecord) -> None:
        """Queue a delivery for ``record`` if it names a webhook; returns at once, never blocks."""
        url = record.spec.webhook_url
        if url is None:
            return
        delivery = _Delivery(
            tenant=record.tenant,
            job_id=record.id,
            url=url,
            event=f"job.{record.status.value}",
            body=json.dumps(payload(record), ensure_ascii=False).encode(),
            context=structlog.contextvars.get_contextvars(),
        )
        with self._lock:
            self._start()
            if self._closing:
                refusal: str | None = "not sent: the worker was stopping"
            elif self._per_tenant[delivery.tenant] >= self._queue_per_tenant:
                refusal = f"not sent: {self._queue_per_tenant} deliveries of this tenant were already waiting"
            else:
                refusal = None
                # Recorded pending before any thread can take it, so its outcome is recorded after this.
                self._record(delivery, "pending")
                self._held.add(delivery)
                self._per_tenant[delivery.tenant] += 1
                self._make_ready(delivery)
        if refusal is not None:
            delivery.done = True
            self._end(delivery, "failed", refusal)

    def close(self, timeout: float) -> None:
        """Give waiting deliveries up to ``timeout`` seconds (less a moment to record the outcome), then
        stop: any delivery still waiting is recorded failed with the reason."""
        deadline = time.monotonic() + timeout
        sending_until = deadline - min(_JOURNAL_RESERVE_SECONDS, timeout / 2)
        with self._lock:
            self._closing = True
            while self._held and (left := sending_until - time.monotonic()) > 0:
                self._lock.wait(left)
            self._stopped = True
            left_over = list(self._held)
            for delivery in left_over:
                delivery.done = True
            self._held.clear()
            self._ready.clear()
            self._turns.clear()
            self._retries.clear()
            self._lock.notify_all()
        for delivery in left_over:
            self._end(delivery, "failed", delivery.stopped_reason())
        if left_over:
            log.warning("webhooks_abandoned", count=len(left_over))
        if self._journal is not None:
            self._journal.close(max(0.0, deadline - time.monotonic()))

    # Scheduling; every method here runs under self._lock.

    def _start(self) -> DeliveryJournal:
        if self._journal is None:
            store = self._store or JobStore(s3_client(self._settings), self._settings.bucket)
            self._journal = DeliveryJournal(store)
            for n in range(self._concurrency):
                threading.Thread(target=self._serve, name=f"webhook-{n}", daemon=True).start()
        return self._journal

    def _make_ready(self, delivery: _Delivery) -> None:
        queue = self._ready.setdefault(delivery.tenant, deque())
        if not queue and delivery.tenant not in self._turns:
            self._turns.append(delivery.tenant)
        queue.append(delivery)
        self._lock.notify()

    def _take(self) -> _Delivery | None:
        """The next ready delivery in the tenants' turn, skipping tenants with one in flight."""
        while self._retries and self._retries[0][0] <= time.monotonic():
            self._make_ready(heapq.heappop(self._retries)[2])
        for _ in range(len(self._turns)):
            tenant = self._turns.popleft()
            if self._in_flight[tenant]:
                self._turns.append(tenant)
                continue
            queue = self._ready[tenant]
            delivery = queue.popleft()
            if queue:
                self._turns.append(tenant)
            else:
                del self._ready[tenant]
            self._in_flight[tenant] += 1
            delivery.sending = True
            return delivery
        return None

    def _next(self) -> _Delivery | None:
        with self._lock:
            while not self._stopped:
                delivery = self._take()
                if delivery is not None:
                    return delivery
                wait = self._retries[0][0] - time.monotonic() if self._retries else None
                self._lock.wait(wait)
        return None

    def _serve(self) -> None:
        while (delivery := self._next()) is not None:
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(**delivery.context)
            try:
                outcome, status = self._attempt(delivery)
            except Exception as exc:  # a defect here must not end the thread
                log.exception("webhook_attempt_crashed")
                outcome, status = "failed", f"error in kontho: {exc}"
            self._after(delivery, outcome, status)

    def _after(self, delivery: _Delivery, outcome: Outcome, status: str) -> None:
        with self._lock:
            self._in_flight[delivery.tenant] -= 1
            delivery.sending = False
            self._lock.notify_all()
            if delivery.done:
                return  # given up at close while in flight; already recorded
            delivery.last_status = status
            if outcome == "retry" and delivery.attempts < self._settings.webhook_attempts:
                backoff = min(
                    self._settings.webhook_backoff_seconds * 2 ** (delivery.attempts - 1),
                    _MAX_BACKOFF_SECONDS,
                )
                due = time.monotonic() + backoff
                heapq.heappush(self._retries, (due, next(self._order), delivery))
                self._record(delivery, "pending")
                log.info("webhook_retry", attempt=delivery.attempts, error=status, retry_in_seconds=backoff)
                return
            delivery.done = True
            self._held.discard(delivery)
            self._per_tenant[delivery.tenant] -= 1
        self._end(delivery, "failed" if outcome == "retry" else outcome, status)

    # Sending and recording.

    def _attempt(self, delivery: _Delivery) -> tuple[Outcome, str]:
        tenant = self._tenants.get(delivery.tenant)
        if tenant is None or not tenant.webhook_secret:
            return "refused", "refused: this tenant has no webhook secret"
        delivery.attempts += 1
        timestamp = int(time.time())  # fresh on each try: receivers reject stale timestamps
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "kontho-webhooks/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(tenant.webhook_secret, timestamp, delivery.body),
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: delivery.id,
        }
        try:
            status = post(
                delivery.url,
                delivery.body,
                headers,
                timeout=self._settings.webhook_timeout_seconds,
                resolver=self._resolver,
                allow_private=self._settings.webhook_allow_private,
                tls=self._tls,
            )
        except AddressRefused as exc:
            return "refused", f"refused: {exc}"
        except SendFailed as exc:
            return "retry", str(exc)
        except ValueError as exc:  # a URL stored under an older policy that cannot be sent to
            return "refused", f"refused: {exc}"
        if 200 <= status < 300:
            return "delivered", f"HTTP {status}"
        if status in _RETRY_STATUSES:
            return "retry", f"HTTP {status}"
        if 300 <= status < 400:
            return "failed", f"HTTP {status}: redirects are not followed"
        return "failed", f"HTTP {status}"

    def _record(self, delivery: _Delivery, state: Literal["pending", "delivered", "failed"]) -> None:
        with self._lock:
            journal = self._start()
        journal.record(
            delivery.tenant,
            delivery.job_id,
            WebhookDelivery(state=state, attempts=delivery.attempts, last_status=delivery.last_status),
        )

    def _end(
        self, delivery: _Delivery, outcome: Literal["delivered", "failed", "refused"], status: str
    ) -> None:
        delivery.last_status = status
        self._record(delivery, "delivered" if outcome == "delivered" else "failed")
        metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
        host = urlsplit(delivery.url).hostname or delivery.url
        event = "webhook_delivered" if outcome == "delivered" else f"webhook_{outcome}"
        (log.info if outcome == "delivered" else log.warning)(
            event,
            host=host,
            detail=status,
            attempts=delivery.attempts,
            job_id=delivery.job_id,
            tenant=delivery.tenant,
        )
