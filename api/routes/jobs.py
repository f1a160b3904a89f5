"""Jobs: submit, read status, fetch the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, Header, Path, Query, Response, status

from api import idempotency, ingest, limits, listing
from api.auth import TenantDep
from api.covers import job_cover
from api.deps import ServicesDep, voice_or_422
from api.dialogue import speaker_voices
from api.downloads import artifact_download_name, download_name
from api.errors import ApiError
from api.lexicon_choice import job_lexicons
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
from kontho import keys
from kontho.ids import ID_LENGTH, ID_PATTERN, is_job_id, new_job_id
from kontho.job_lexicons import save_snapshot
from kontho.jobspec import MAX_TITLE_LENGTH, JobOptions, JobSpec
from kontho.schemas import JobPurpose, JobRecord, JobState, JobUsage
from kontho.tenants import Tenant
from kontho.webhook_address import address_problem, literal_address

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
log = structlog.get_logger(__name__)

# Ids are stated as what they are; any other is answered 404 (422 past 64 characters), as for a job that
# does not exist, so the pattern is stated rather than enforced.
JobId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description=f"Job id ({ID_LENGTH} characters).",
        json_schema_extra={"pattern": ID_PATTERN},
    ),
]
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


def _load_versioned(services: ServicesDep, job_id: str, tenant: Tenant) -> tuple[JobRecord, str]:
    """The tenant's job and its record's version, or 404."""
    # A malformed id cannot name a job; answer as for any unknown id, without touching storage.
    if not is_job_id(job_id):
        raise _not_found(job_id[:64])
    found = services.store.get_record_versioned(tenant.id, job_id)
    # Another tenant's job is answered exactly as a job that does not exist.
    if found is None or found[0].tenant != tenant.id:
        raise _not_found(job_id)
    return found


def _load(services: ServicesDep, job_id: str, tenant: Tenant) -> JobRecord:
    return _load_versioned(services, job_id, tenant)[0]


def _link(operation: str, description: str) -> dict[str, Any]:
    """An OpenAPI link from a created job to an operation on it (``/v1/jobs/{job_id}`` and below)."""
    return {
        "operationRef": f"#/paths/~1v1~1jobs~1{{job_id}}{operation}",
        "parameters": {"job_id": "$response.body#/id"},
        "description": description,
    }


CREATED_JOB_LINKS = {
    "GetJob": _link("/get", "The job's status and progress."),
    "GetResult": _link("~1result/get", "The job's audio and artifacts, once it has completed."),
    "CancelJob": _link("~1cancel/post", "Cancel the job."),
    "DeleteJob": _link("/delete", "Erase the job."),
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=_ERRORS,
    openapi_extra={"responses": {"202": {"links": CREATED_JOB_LINKS}}},
)
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
    if body.webhook_url is not None and not services.settings.webhook_allow_private:
        _refuse_a_private_address(body.webhook_url)
    job_input = ingest.resolve(body, services, voice_spec, tenant.id)
    cover = job_cover(services, body.cover_upload, tenant.id, job_input.extras.cover)
    speaker_voices(services, tenant.id, job_input.text, job_input.text_format, body.speakers)
    lexicons = job_lexicons(services, tenant.id, body.lexicons)
    job_id = new_job_id()
    if idempotency_key is not None:
        claimed = idempotency.claim(services, tenant.id, idempotency_key, body, job_id)
        job_id = claimed.id
        if claimed.replayed:
            response.headers["Idempotent-Replayed"] = "true"
            response.headers["Location"] = f"/v1/jobs/{job_id}"
            earlier = services.store.get_record(tenant.id, job_id)
            if earlier is not None:
                return JobOut.from_record(earlier)
            # The first request died before storing its job: finish creating that same job.
    text_chars = len(job_input.text)
    lane = limits.reserve_submit(services.active, services.usage, tenant, text_chars)
    spec = JobSpec.model_validate(
        {
            **body.model_dump(include=set(JobOptions.model_fields)),
            "voice": voice_spec.id,
            "text_format": job_input.text_format,
            "title": body.title or _clip(job_input.title),
            "author": body.author or _clip(job_input.author),
            "year": body.year or job_input.extras.year,
            "lexicon_versions": {lexicon.name: lexicon.digest for lexicon in lexicons},
        }
    )
    record = JobRecord(
        id=job_id,
        lane=lane,
        tenant=tenant.id,
        spec=spec,
        upload=job_input.upload,
        text_chars=text_chars,
        idempotency_key=None if idempotency_key is None else keys.idempotency(tenant.id, idempotency_key),
        usage=JobUsage(characters=text_chars),
    )
    structlog.contextvars.bind_contextvars(job_id=record.id)
    try:
        if lexicons:  # stored before the job is queued, so no worker ever looks for it in vain
            save_snapshot(services.store, tenant.id, job_id, lexicons)
        if cover is not None:  # like the lexicons: in place before any worker looks for it
            key = keys.job_cover(tenant.id, job_id, cover.extension)
            services.store.put_bytes(key, cover.data, cover.content_type)
        services.life.submit(record, job_input.text, services.queue)
    except Exception:
        limits.release_submit(services.usage, tenant, record.text_chars)
        raise
    log.info("job_submitted", characters=record.text_chars, voice=spec.voice, format=spec.format.value)
    response.headers["Location"] = f"/v1/jobs/{record.id}"
    return JobOut.from_record(record)


def _refuse_a_private_address(url: str) -> None:
    """A 422 for a webhook whose host is written as an address that is not public. The request model has
    checked the URL's form; names are checked where the worker resolves them."""
    parts = urlsplit(url)
    try:
        address = literal_address(parts.hostname or "", bracketed="[" in parts.netloc)
        problem = None if address is None else address_problem(address)
    except ValueError as exc:
        problem = f"has an invalid host: {exc}"
    if problem:
        raise ApiError(
            422,
            ErrorBody(
                code="invalid_request",
                field="webhook_url",
                message=f"webhook_url: {problem}; webhooks go to public addresses only",
            ),
        )


def _clip(value: str | None) -> str | None:
    """A book's own title or author, cut to what a job's may hold."""
    return None if value is None else value[:MAX_TITLE_LENGTH]


@router.get("", response_model=JobList, responses=_ERRORS)
def list_jobs(
    services: ServicesDep,
    tenant: TenantDep,
    status_filter: Annotated[
        JobState | None, Query(alias="status", description="Only jobs in this state.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Jobs per page.")] = 20,
    purpose: Annotated[
        JobPurpose | None, Query(description="Only programmes, or only voice samples.")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="next_cursor of the previous page.",
            json_schema_extra={"pattern": ID_PATTERN},
        ),
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
    records, next_cursor = listing.list_jobs(services.store, tenant.id, status_filter, limit, cursor, purpose)
    return JobList(jobs=[JobOut.from_record(r) for r in records], next_cursor=next_cursor)


@router.get("/{job_id}", response_model=JobOut, responses=_ERRORS)
def get_job(job_id: JobId, services: ServicesDep, tenant: TenantDep) -> JobOut:
    """Status and progress of one job."""
    return JobOut.from_record(_load(services, job_id, tenant))


@router.get(
    "/{job_id}/result", response_model=ResultOut, responses={**_ERRORS, 409: {"model": ErrorResponse}}
)
def get_result(job_id: JobId, services: ServicesDep, tenant: TenantDep) -> ResultOut:
    """Presigned download URLs once the job has completed. While it runs, the chapter files finished so far
    (a job with chapter_files), audio null; 409 with the current status while there is nothing yet."""
    record = _load(services, job_id, tenant)
    finished = record.status is JobState.COMPLETED and record.result is not None
    running = record.status is JobState.RUNNING and any(a.kind == "chapter_audio" for a in record.artifacts)
    if not (finished or running):
        raise ApiError(
            409,
            ErrorBody(
                code="not_ready",
                status=record.status,
                message=f"job is {record.status.value}; the result exists once it is completed",
            ),
        )
    expires = services.settings.presign_expires_seconds
    artifacts = [
        ArtifactOut(
            kind=a.kind,
            format=a.format,
            chapter=a.chapter,
            duration_seconds=a.duration_seconds,
            bytes=a.bytes,
            sha256=a.sha256,
            url=services.store.presign_get(
                a.key, expires, filename=artifact_download_name(record.spec.title, record.id, a)
            ),
        )
        for a in record.artifacts
    ]
    result = record.result
    if not finished or result is None:
        return ResultOut(id=record.id, status=record.status, artifacts=artifacts, audio=None)
    filename = download_name(record.spec.title, record.id, f".{result.format.value}")
    return ResultOut(
        id=record.id,
        status=record.status,
        artifacts=artifacts,
        audio=AudioOut(
            url=services.store.presign_get(result.key, expires, filename=filename),
            expires_at=datetime.now(UTC) + timedelta(seconds=expires),
            format=result.format,
            duration_seconds=result.duration_seconds,
            bytes=result.bytes,
        ),
        chunks_total=result.chunks_total,
        chunks_rendered=result.chunks_rendered,
        chunks_reused=result.chunks_reused,
    )


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    responses={**_ERRORS, 202: {"model": JobOut}, 409: {"model": ErrorResponse}},
)
def cancel_job(job_id: JobId, services: ServicesDep, response: Response, tenant: TenantDep) -> JobOut:
    """Cancel: a queued job never starts (200, cancelled); a running one stops at its next chunk (202).
    The job stays readable; DELETE erases it."""
    record, etag = _load_versioned(services, job_id, tenant)
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
    record = services.life.request_cancel(record, etag)
    log.info("job_cancel_requested", job_id=record.id, status=record.status.value)
    if not record.status.terminal:
        response.status_code = status.HTTP_202_ACCEPTED
    return JobOut.from_record(record)


@router.delete("/{job_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
def delete_job(job_id: JobId, services: ServicesDep, tenant: TenantDep) -> Response:
    """Erase the job: its record, text, audio, chunks and listing entry (a running job is cancelled
    first). Afterwards GET answers 404. The tenant's usage totals are kept."""
    record = _load(services, job_id, tenant)
    services.life.erase(record)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
