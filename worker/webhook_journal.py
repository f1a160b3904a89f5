"""Each webhook delivery's state, written into its job's record (``JobRecord.webhook``), so a tenant sees
whether the webhook arrived and, if not, why.

Written from a thread of its own, so a slow store never holds up a delivery. Only the newest state of a job
is kept until written. Each write is conditional on the version just read (retried a few times when
someone wrote in between), goes only into a record that still exists (a job erased meanwhile stays
erased) and is still final (a redriven job's record belongs to the worker running it), and waits for the
record to be marked settled, so settling's own write of the record does not cross this one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import structlog

from kontho.jobstore import JobStore, RecordChanged
from kontho.schemas import WebhookDelivery

log = structlog.get_logger(__name__)

_CONFLICT_TRIES = 5
_STORE_TRIES = 5
_STORE_RETRY_SECONDS = 1.0
_UNSETTLED_POLL_SECONDS = 0.1


@dataclass
class _Entry:
    state: WebhookDelivery
    since: float
    """When the first still-unwritten state of this job came in (monotonic)."""
    not_before: float = 0.0
    failures: int = 0


class DeliveryJournal:
    def __init__(self, store: JobStore, settle_wait_seconds: float = 5.0) -> None:
        self._store = store
        self._settle_wait = settle_wait_seconds
        self._wake = threading.Condition()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._busy: tuple[str, str] | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="webhook-journal", daemon=True)
        self._thread.start()

    def record(self, tenant: str, job_id: str, state: WebhookDelivery) -> None:
        """Write ``state`` into the job's record soon; a newer state of the same job replaces it."""
        with self._wake:
            if self._closed:
                log.warning("webhook_state_not_recorded", job_id=job_id, state=state.state, reason="closed")
                return
            entry = self._entries.get((tenant, job_id))
            if entry is None:
                self._entries[(tenant, job_id)] = _Entry(state, time.monotonic())
            else:
                entry.state, entry.failures = state, 0
            self._wake.notify_all()

    def close(self, timeout: float) -> None:
        """Write what is waiting, for up to ``timeout`` seconds; what is left is logged."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while (self._entries or self._busy) and (left := deadline - time.monotonic()) > 0:
                self._wake.wait(left)
            left_over = len(self._entries)
            self._closed = True
            self._entries.clear()
            self._wake.notify_all()
        if left_over:
            log.warning("webhook_states_not_recorded", count=left_over)

    def _next(self) -> tuple[tuple[str, str], _Entry] | None:
        with self._wake:
            while not self._closed:
                now = time.monotonic()
                due = [(k, e) for k, e in self._entries.items() if e.not_before <= now]
                if due:
                    key, entry = due[0]  # oldest first: dicts keep insertion order
                    del self._entries[key]
                    self._busy = key
                    return key, entry
                soonest = min((e.not_before for e in self._entries.values()), default=None)
                self._wake.wait(None if soonest is None else soonest - now)
        return None

    def _run(self) -> None:
        while (taken := self._next()) is not None:
            key, entry = taken
            retry_at: float | None = None
            try:
                if not self._write(key, entry):
                    retry_at = time.monotonic() + _UNSETTLED_POLL_SECONDS
            except Exception as exc:
                entry.failures += 1
                if entry.failures < _STORE_TRIES:
                    retry_at = time.monotonic() + _STORE_RETRY_SECONDS * entry.failures
                log.warning("webhook_state_write_failed", job_id=key[1], error=str(exc), tries=entry.failures)
            with self._wake:
                self._busy = None
                # A newer state that came in meanwhile wins over this one.
                if retry_at is not None and key not in self._entries and not self._closed:
                    entry.not_before = retry_at
                    self._entries[key] = entry
                self._wake.notify_all()

    def _write(self, key: tuple[str, str], entry: _Entry) -> bool:
        """True when done (written, or nothing to write); False to try again a little later."""
        tenant, job_id = key
        for _ in range(_CONFLICT_TRIES):
            found = self._store.get_record_versioned(tenant, job_id)
            if found is None:
                return True  # erased: never recreated
            record, etag = found
            if not record.status.terminal:
                log.info("webhook_state_skipped", job_id=job_id, status=record.status.value)
                return True
            if not record.settled and time.monotonic() - entry.since < self._settle_wait:
                return False
            if record.webhook == entry.state:
                return True
            try:
                self._store.put_record(record.model_copy(update={"webhook": entry.state}), if_match=etag)
                return True
            except RecordChanged:
                continue
        log.warning("webhook_state_not_recorded", job_id=job_id, reason="the record kept changing")
        return True
