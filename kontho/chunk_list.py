"""Which of the tenant's cached chunks a job reads, so that erasing the job erases their audio too.

Rendered chunks live in the tenant's cache (``tenants/{t}/chunks/``), shared by every job of the tenant
whose text, voice and settings give the same chunk. A job's own folder therefore holds no audio of its
chunks, only this list of their digests, written before the first chunk is rendered so that an erase at any
moment finds every chunk the job may have stored. Erasing removes them from the cache even when another
job reads them too: that job's finished audio is its own file and stays; a job still rendering finds the
chunk gone and renders it again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from kontho import keys
from kontho.jobstore import JobStore


def write(store: JobStore, tenant: str, job_id: str, digests: Sequence[str]) -> None:
    body = json.dumps({"digests": sorted(set(digests))}).encode()
    store.put_bytes(keys.job_chunk_list(tenant, job_id), body, "application/json")


def read(store: JobStore, tenant: str, job_id: str) -> list[str]:
    body = store.get_bytes(keys.job_chunk_list(tenant, job_id))
    if body is None:
        return []
    digests = json.loads(body).get("digests", [])
    return [d for d in digests if isinstance(d, str)]


def erase_cached(store: JobStore, tenant: str, job_id: str) -> int:
    """Remove the job's chunks from the tenant's cache (call before the job's folder goes)."""
    names = []
    for digest in read(store, tenant, job_id):
        try:
            names.append(keys.cached_chunk(tenant, digest))
        except ValueError:  # not a digest kontho wrote; nothing of the cache to name
            continue
    return store.delete_keys(names)
