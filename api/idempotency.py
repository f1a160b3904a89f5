"""Idempotency-Key on POST /v1/jobs and POST /v1/voices: a retried request returns the job (or cloned
voice) the first one created.

The key's claim is an S3 object written with If-None-Match, so of any number of concurrent or retried
requests exactly one claims the key, and the claim lives as long as the job's other objects (the same
lifecycle rule expires both), not only SQS's five-minute deduplication window. The claim names the job id
before the job is stored: a request that dies between the two leaves a claim whose retry finishes
creating that same job (every step of creating a job is safe to repeat; SQS deduplicates the send by job
id). A voice's claim is kept apart from a job's: the same key may name one of each.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from api.deps import Services
from api.errors import ApiError
from api.models import ErrorBody
from kontho import keys
from kontho.errors import StorageUnavailable
from kontho.ids import is_job_id


@dataclass(frozen=True)
class Claim:
    id: str
    """The job's or the voice's."""
    replayed: bool
    """True when an earlier request with the same key already claimed it."""


def _fingerprint(body: BaseModel) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def claim_key(tenant: str, key: str, kind: Literal["job", "voice"] = "job") -> str:
    """Where the claim is stored."""
    return keys.idempotency(tenant, key if kind == "job" else f"{kind}:{key}")


def claim(
    services: Services,
    tenant: str,
    key: str,
    body: BaseModel,
    new_id: str,
    kind: Literal["job", "voice"] = "job",
) -> Claim:
    """Claim ``key`` for ``new_id``, or learn which job (or voice) an earlier request with this key
    created."""
    fingerprint = _fingerprint(body)
    object_key = claim_key(tenant, key, kind)
    # "job_id" names a voice's id too: claims already stored keep being read as they were written.
    document = json.dumps({"job_id": new_id, "request_sha256": fingerprint}).encode()
    if services.store.put_if_absent(object_key, document, "application/json"):
        return Claim(new_id, replayed=False)
    stored = services.store.get_bytes(object_key)
    if stored is None:  # the winning write is not readable yet
        raise StorageUnavailable("the idempotency key is being claimed by a concurrent request")
    earlier = json.loads(stored)
    if earlier.get("request_sha256") != fingerprint:
        raise ApiError(
            422,
            ErrorBody(
                code="idempotency_key_reused",
                field="Idempotency-Key",
                message="this Idempotency-Key was used for a different request; use a new key for a new "
                + kind,
            ),
        )
    earlier_id = str(earlier.get("job_id", ""))
    if not (is_job_id(earlier_id) if kind == "job" else keys.is_cloned_voice_id(earlier_id)):
        raise StorageUnavailable("the idempotency record is unreadable")
    return Claim(earlier_id, replayed=True)
