"""Jobs: submit, read status, fetch the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Path, Query, Response, status

from api import idempotency, ingest, limits, listing
from api.auth import TenantDep
from api.deps import ServicesDep, voice_or_422
from api.errors import ApiError
from api.models import (
    ArtifactOut,
    AudioOut,
    CreateJobRequest,
    ErrorBody,
    ErrorResponse,
    JobList,
    JobOut,
    ResultOut,
)
from kontho import keys, metrics
from kontho.errors import TransientError
from kontho.ids import ID_LENGTH, is_job_id, new_job_id
from kontho.jobqueue import message_group_for
from kontho.messages import JobMessage
from kontho.schemas import JobError, JobRecord, JobState, JobUsage, utcnow
from kontho.tenants import Tenant

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
log = structlog.get_logger(__name__)

JobId = Annotated[str, Path(min_length=1, max_length=64, description=f"Job id ({ID_LENGTH} characters).")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any string unique to this submission; a retry with the same key returns the same job.",
    ),
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 404, 413, 422, 429, 503)
}


def _not_found(job_id: str) -> ApiError:
    return ApiError(404, ErrorBody(code="job_not_found", message=f"no job with id {job_id!r}", field="id"))


def _load(services: ServicesDep, job_id: str, tenant: Tenant) -> JobRecord:
    # A malformed id cannot name a job; answer as for any unknown id, without touching storage.
    if not is_job_id(job_id):
        raise _not_found(job_id[:64])
    record = services.store.get_record(tenant.id, job_id)
    # Another tenant's job is answered exactly as a job that does not exist.
    if record is None or record.tenant != tenant.id:
        raise _not_found(job_id)
    return record


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut, responses=_ERRORS)
def create_job(
    body: CreateJobRequest,
    services: ServicesDep,
    response: Response,
    tenant: TenantDep,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    """Store the text and the job record in S3, then queue the job. Rendering happens on a worker.

    With an ``Idempotency-Key``, a repeat of the same request returns the job the first one created
    (header ``Idempotent-Replayed: true``) for as long as the job exists.
    """
    voice_spec = voice_or_422(services, body.voice, tenant.id)
    voice = voice_spec.id
    if body.webhook_url is not None and not tenant.webhook_secret:
        raise ApiError(
            422,
            ErrorBody(
                code="webhooks_not_configured",
                field="webhook_url",
                message="this tenant has no webhook secret to sign deliveries with; ask the operator to "
                "set webhook_secret in the API keys file",
            ),
        )
    job_input = ingest.resolve(body, services, voice_spec, tenant.id)
    job_id = new_job_id()
    if idempotency_key is not None:
        claimed = idempotency.claim(services, tenant.id, idempotency_key, body, job_id)
        job_id = claimed.job_id
        if claimed.replayed:
            response.headers["Idempotent-Replayed"] = "true"
            response.headers["Location"] = f"/v1/jobs/{job_id}"
            earlier = services.store.get_record(tenant.id, job_id)
            if earlier is not None:
                return JobOut.from_record(earlier)
            # The first request died before storing its job: finish creating that same job.
    text_chars = len(job_input.text)
    lane = limits.reserve_submit(services.active, services.usage, tenant, text_chars)
    record = JobRecord(
        id=job_id,
        lane=lane,
        tenant=tenant.id,
        voice=voice,
        format=body.format,
        title=body.title or job_input.title,
        loudness=body.loudness,
        subtitles=body.subtitles,
        text_format=job_input.text_format,
        upload=job_input.upload,
        read_chapter_titles=body.read_chapter_titles,
        chapter_files=body.chapter_files,
        author=body.author or job_input.author,
        text_chars=text_chars,
        webhook_url=body.webhook_url,
        usage=JobUsage(characters=text_chars),
    )
    structlog.contextvars.bind_contextvars(job_id=record.id)
    try:
        _store_and_queue(services, record, job_input.text)
    except Exception:
        limits.release_submit(services.usage, tenant, record.text_chars)
        raise
    metrics.JOBS_SUBMITTED.labels(record.format.value).inc()
    metrics.JOB_STATES.labels(JobState.QUEUED.value).inc()
    log.info("job_submitted", characters=record.text_chars, voice=voice, format=record.format.value)
    response.headers["Location"] = f"/v1/jobs/{record.id}"
    return JobOut.from_record(record)


def _store_and_queue(services: ServicesDep, record: JobRecord, text: str) -> None:
    # Text, record and index entry first: a message must never point at a job that is not stored yet.
    store = services.store
    store.put_text(record.tenant, record.id, text)
    store.put_record(record)
    store.put_bytes(keys.index_entry(record.tenant, record.id), b"", "application/octet-stream")
    services.active.mark(record.tenant, record.id, record.lane)
    message = JobMessage(job_id=record.id, tenant=record.tenant)
    try:
        services.queue.send(message, message_group_for(record.tenant, record.lane))
    except TransientError as exc:
        store.put_record(
            record.touch(
                status=JobState.FAILED,
                error=JobError(code=exc.code, message=str(exc), retryable=True),
            )
        )
        services.active.clear(record.tenant, record.id, record.lane)
        raise


@router.get("", response_model=JobList, responses=_ERRORS)
def list_jobs(
    services: ServicesDep,
    tenant: TenantDep,
    status_filter: Annotated[
        JobState | None, Query(alias="status", description="Only jobs in this state.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Jobs per page.")] = 20,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="next_cursor of the previous page."),
    ] = None,
) -> JobList:
    """The tenant's jobs, newest first, a page at a time."""
    if cursor is not None and not is_job_id(cursor):
        raise ApiError(
            422,
            ErrorBody(
                code="invalid_cursor",
                field="cursor",
                message="not a cursor from this API; pass next_cursor from the previous page",
            ),
        )
    records, next_cursor = listing.list_jobs(services.store, tenant.id, status_filter, limit, cursor)
    return JobList(jobs=[JobOut.from_record(r) for r in records], next_cursor=next_cursor)


@router.get("/{job_id}", response_model=JobOut, responses=_ERRORS)
def get_job(job_id: JobId, services: ServicesDep, tenant: TenantDep) -> JobOut:
    """Status and progress of one job."""
    return JobOut.from_record(_load(services, job_id, tenant))


@router.get(
    "/{job_id}/result", response_model=ResultOut, responses={**_ERRORS, 409: {"model": ErrorResponse}}
)
def get_result(job_id: JobId, services: ServicesDep, tenant: TenantDep) -> ResultOut:
    """Presigned download URLs once the job has completed; 409 with the current status before that."""
    record = _load(services, job_id, tenant)
    if record.status is not JobState.COMPLETED or record.result is None:
        raise ApiError(
            409,
            ErrorBody(
                code="not_ready",
                status=record.status,
                message=f"job is {record.status.value}; the result exists once it is completed",
            ),
        )
    expires = services.settings.presign_expires_seconds
    result = record.result
    filename = f"{record.id}.{result.format.value}"
    artifacts = [
        ArtifactOut(
            kind=a.kind,
            format=a.format,
            chapter=a.chapter,
            duration_seconds=a.duration_seconds,
            bytes=a.bytes,
            sha256=a.sha256,
            url=services.store.presign_get(a.key, expires, filename=a.key.rsplit("/", 1)[-1]),
        )
        for a in record.artifacts
    ]
    return ResultOut(
        id=record.id,
        artifacts=artifacts,
        audio=AudioOut(
            url=services.store.presign_get(result.key, expires, filename=filename),
            expires_at=datetime.now(UTC) + timedelta(seconds=expires),
            format=result.format,
            duration_seconds=result.duration_seconds,
            bytes=result.bytes,
        ),
    )


@router.delete(
    "/{job_id}",
    response_model=JobOut,
    responses={**_ERRORS, 202: {"model": JobOut}, 409: {"model": ErrorResponse}},
)
def cancel_job(job_id: JobId, services: ServicesDep, response: Response, tenant: TenantDep) -> JobOut:
    """Cancel: a queued job never starts (200, cancelled); a running one stops at its next chunk (202)."""
    record = _load(services, job_id, tenant)
    if record.status is JobState.CANCELLED:
        return JobOut.from_record(record)
    if record.status.terminal:
        raise ApiError(
            409,
            ErrorBody(
                code="already_finished",
                status=record.status,
                message=f"job is {record.status.value}; only queued or running jobs can be cancelled",
            ),
        )
    # The marker is what workers look for between chunks; it outlives any record the worker writes.
    services.store.put_bytes(keys.job_file(record.tenant, record.id, "cancel"), b"", "text/plain")
    log.info("job_cancel_requested", job_id=record.id, status=record.status.value)
    if record.status is JobState.QUEUED:
        record = record.touch(status=JobState.CANCELLED, finished_at=utcnow())
        services.store.put_record(record)
        services.active.clear(record.tenant, record.id, record.lane)
        return JobOut.from_record(record)
    response.status_code = status.HTTP_202_ACCEPTED
    return JobOut.from_record(record)
