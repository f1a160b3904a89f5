"""Which of a tenant's jobs are queued or running, and in which lanes: one empty marker object per job.

The API writes a marker before it queues a job; it lists the markers to enforce the tenant's limit on jobs
at once and to put the new job in its least busy lane. Whoever moves the job to a final state (a worker,
or the API cancelling a queued job) removes it. A marker can outlive its job when a process dies between
the record's final write and the removal, so a listing that reaches the limit checks each marker's record
and sweeps those whose job has ended.
"""

from __future__ import annotations

from collections import Counter

from kontho import keys
from kontho.jobstore import JobStore


class ActiveJobs:
    def __init__(self, store: JobStore) -> None:
        self._store = store

    def mark(self, tenant: str, job_id: str, lane: int) -> None:
        self._store.put_bytes(keys.active_marker(tenant, job_id, lane), b"", "application/octet-stream")

    def clear(self, tenant: str, job_id: str, lane: int) -> None:
        self._store.delete(keys.active_marker(tenant, job_id, lane))

    def survey(self, tenant: str, limit: int, samples: bool = False) -> list[tuple[str, int]]:
        """The active (job id, lane) pairs, all of them up to ``limit`` (beyond it, at least ``limit``):
        the jobs', or (``samples``) the voice samples'."""
        prefix = keys.active_prefix(tenant, samples=samples)
        markers = self._store.list_page(prefix, None, limit)
        if len(markers) < limit:
            return [keys.parse_active_marker(key) for key in markers]
        live: list[tuple[str, int]] = []
        for key in markers:
            job_id, lane = keys.parse_active_marker(key)
            record = self._store.get_record(tenant, job_id)
            if record is None or record.status.terminal:
                self._store.delete(key)
            else:
                live.append((job_id, lane))
        if len(live) < limit:  # swept some: what lies beyond the first page counts too
            more = self._store.list_page(prefix, markers[-1], limit - len(live))
            live += [keys.parse_active_marker(key) for key in more]
        return live


def least_busy_lane(active: list[tuple[str, int]], concurrency: int) -> int:
    """The lane with the fewest active jobs (the lowest of equals): a tenant's jobs spread evenly."""
    busy = Counter(lane for _, lane in active)
    return min(range(max(1, concurrency)), key=lambda lane: (busy[lane], lane))


def least_busy_sample_lane(active: list[tuple[str, int]], lanes: int) -> int:
    """The sample lane (``keys.SAMPLE_LANES_FROM`` and up) with the fewest samples in it."""
    first = keys.SAMPLE_LANES_FROM
    return first + least_busy_lane([(job_id, lane - first) for job_id, lane in active], lanes)
