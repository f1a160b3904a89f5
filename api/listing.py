"""A tenant's jobs, newest first, a page at a time (GET /v1/jobs).

The index holds one empty object per job whose name is the job id with every character inverted, so S3's
ascending listing yields newest first and a cursor is simply the last id returned. With a status filter
the scan reads each job's record; it stops after ``SCAN_LIMIT`` entries and returns a cursor, so one
request's cost stays bounded however rare the status is.
"""

from __future__ import annotations

from kontho import keys
from kontho.jobstore import JobStore
from kontho.schemas import JobPurpose, JobRecord, JobState

SCAN_LIMIT = 1000


def list_jobs(
    store: JobStore,
    tenant: str,
    status: JobState | None,
    limit: int,
    cursor: str | None,
    purpose: JobPurpose | None = None,
) -> tuple[list[JobRecord], str | None]:
    prefix = keys.index_prefix(tenant)
    after = keys.index_entry(tenant, cursor) if cursor else None
    filtered = status is not None or purpose is not None
    # Unfiltered, every entry listed is returned; filtered, list more at a time to find ``limit`` matches.
    page_size = min(SCAN_LIMIT, 100) if filtered else limit
    found: list[JobRecord] = []
    scanned = 0
    while scanned < SCAN_LIMIT:
        page = store.list_page(prefix, after, page_size)
        for key in page:
            scanned += 1
            after = key
            record = store.get_record(tenant, keys.job_id_from_index(key))
            if (
                record is not None
                and (status is None or record.status is status)
                and (purpose is None or record.purpose == purpose)
            ):
                found.append(record)
                if len(found) == limit:
                    return found, record.id
        if len(page) < page_size:
            return found, None  # the index has no more
    # Scanned as far as one request may: hand back where to go on from.
    return found, keys.job_id_from_index(after) if after else None
