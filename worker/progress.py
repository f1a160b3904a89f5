"""Saves a job's progress to S3 as it renders, at most once per interval, so status polls stay cheap."""

from __future__ import annotations

import time

from kontho.jobstore import JobStore
from kontho.schemas import JobRecord, Progress


class ProgressReporter:
    def __init__(self, store: JobStore, record: JobRecord, interval_seconds: float) -> None:
        self._store = store
        self.record = record
        self._interval = interval_seconds
        self._last_save = 0.0

    def update(self, done: int, total: int) -> None:
        self.record = self.record.touch(progress=Progress(done=done, total=total))
        now = time.monotonic()
        if done == total or now - self._last_save >= self._interval:
            self._store.put_record(self.record)
            self._last_save = now
