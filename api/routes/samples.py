"""Voice samples: one short sentence read by a voice, so a producer hears it before giving it a book.

A sample is a job like any other: the workers render it and ``GET /v1/jobs/{id}/result`` hands out its
audio. What differs is where it waits. It goes in a sample lane of the tenant's (a message group
``{tenant}.{lane}`` with lane ``kontho.keys.SAMPLE_LANES_FROM`` and up), never one of the lanes its jobs
queue in, so it does not wait behind the tenant's queued books; and it is counted apart, at most
``KONTHO_MAX_SAMPLES_IN_FLIGHT`` at once, not against the tenant's jobs at once. Its characters count
towards the tenant's day as any job's do.

The same request (voice, text, format, speed) made again within ``KONTHO_SAMPLE_REUSE_SECONDS`` returns
the sample already made or being made, with ``Sample-Reused: true``; only to the tenant that asked for it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Body, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api import limits
from api.auth import TenantDep
from api.deps import Services, ServicesDep
from api.errors import ApiError
from api.ingest import check_readable
from api.lexicon_choice import job_lexicons
from api.models import (
    NOT_BLANK_PATTERN,
    READABLE_PATTERN,
    TEXT_CHARACTERS_PATTERN,
    ErrorBody,
    ErrorResponse,
    JobOut,
    string_branch,
    text_with_words,
)
from api.routes.jobs import CREATED_JOB_LINKS
from kontho import keys
from kontho.errors import BaseVoiceGone, TransientError, UnknownVoice
from kontho.ids import is_job_id, new_job_id
from kontho.job_lexicons import save_snapshot
from kontho.jobspec import VOICE_ID_PATTERN, AudioFormat, JobOptions, JobSpec, LexiconNames
from kontho.lexicon import Lexicon
from kontho.schemas import JobRecord, JobState, JobUsage, utcnow
from kontho.tenants import Tenant
from kontho.voices import BUILTIN_VOICES, Voice

router = APIRouter(prefix="/v1/voices", tags=["voices"])
log = structlog.get_logger(__name__)

MAX_SAMPLE_CHARS = 200
DEFAULT_SAMPLE_TEXT = "নমস্কার, আমি অমিত রায়। ২১শে ফেব্রুয়ারি ১৯৫২ সালে ঢাকায় যা ঘটেছিল, তা আজও ৩০ কোটি মানুষের মনে আছে।"
"""A name, a date, a year and a number: what a producer listens for first."""

SampleFormat = Literal["mp3", "wav", "ogg"]

VoiceId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description="Voice id (GET /v1/voices). Any id that is not one of the tenant's voices is a 404.",
        # Stated, not enforced: an id of another form names no voice, and is answered as one.
        json_schema_extra={"pattern": VOICE_ID_PATTERN},
        examples=[BUILTIN_VOICES[0].id],
    ),
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 404, 422, 429, 503)
}
_REUSED_HEADER = "Sample-Reused"


def _state_text(field: dict[str, Any]) -> None:
    string = string_branch(field)
    string["pattern"] = TEXT_CHARACTERS_PATTERN
    string["allOf"] = [{"pattern": NOT_BLANK_PATTERN}, {"pattern": READABLE_PATTERN}]


class SampleRequest(BaseModel):
    """What to read and how; every field has a default."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None,
        max_length=MAX_SAMPLE_CHARS,
        description=f"At most {MAX_SAMPLE_CHARS} characters, read as plain text. Default: a Bangla sentence "
        f"with a name, a date and numbers ({DEFAULT_SAMPLE_TEXT}). It needs a letter or digit the voice "
        "can read (for a voice that declares its characters, a digit or one of them): 422 otherwise.",
        json_schema_extra=_state_text,
    )
    format: SampleFormat = Field(default="mp3", description="Audio format of the sample.")
    speed: Annotated[float, JobOptions.model_fields["speed"]] = JobOptions.model_fields["speed"].default
    lexicons: LexiconNames = Field(
        default=(),
        description="Names of your pronunciation lexicons to apply, as a job's lexicons: to hear how a "
        "lexicon's entries are read.",
    )

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str | None) -> str | None:
        return text_with_words(value)


def _voice_or_404(services: Services, voice_id: str, tenant: str) -> Voice:
    """The voice, if the tenant may use it; another tenant's private voice is answered as no voice."""
    try:
        return services.resolver.resolve(tenant, voice_id)
    except BaseVoiceGone as exc:
        raise ApiError(422, ErrorBody(code=exc.code, field="voice_id", message=str(exc))) from exc
    except UnknownVoice as exc:
        raise ApiError(
            404,
            ErrorBody(
                code="voice_not_found",
                field="voice_id",
                message=f"no voice {voice_id[:64]!r}; GET /v1/voices lists the voices you may use",
            ),
        ) from exc


def _digest(voice: Voice, text: str, body: SampleRequest, lexicons: list[Lexicon]) -> str:
    # A lexicon edited since is another request: the digests, not only the names, say what was read.
    asked = {
        "voice": voice.id,
        "text": text,
        "format": body.format,
        "speed": body.speed,
        "lexicons": [(lexicon.name, lexicon.digest) for lexicon in lexicons],
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def _reusable(services: Services, tenant: str, digest: str) -> JobRecord | None:
    """The tenant's sample of this request, made recently and not failed or cancelled; else None."""
    window = services.settings.sample_reuse_seconds
    if not window:
        return None
    stored = services.store.get_bytes(keys.sample(tenant, digest))
    try:
        job_id = str(json.loads(stored)["job_id"]) if stored else ""
    except (ValueError, KeyError, TypeError):
        return None
    record = services.store.get_record(tenant, job_id) if is_job_id(job_id) else None
    if record is None or record.tenant != tenant or record.purpose != "sample":
        return None
    if record.status in (JobState.FAILED, JobState.CANCELLED):
        return None
    return record if utcnow() - record.created_at <= timedelta(seconds=window) else None


def _remember(services: Services, tenant: str, digest: str, job_id: str) -> None:
    """Best effort: without the note, the next identical request renders again, which is only slower."""
    try:
        document = json.dumps({"job_id": job_id}).encode()
        services.store.put_bytes(keys.sample(tenant, digest), document, "application/json")
    except TransientError as exc:
        log.warning("sample_not_noted", error=str(exc))


def _submit(
    services: Services, tenant: Tenant, voice: Voice, text: str, body: SampleRequest, lexicons: list[Lexicon]
) -> JobRecord:
    settings = services.settings
    lane = limits.reserve_sample(
        services.active, services.usage, tenant, len(text), settings.max_samples_in_flight
    )
    spec = JobSpec(
        voice=voice.id,
        format=AudioFormat(body.format),
        title=f"{voice.id} sample",
        text_format="plain",
        speed=body.speed,
        lexicons=body.lexicons,
        lexicon_versions={lexicon.name: lexicon.digest for lexicon in lexicons},
    )
    record = JobRecord(
        id=new_job_id(),
        lane=lane,
        purpose="sample",
        tenant=tenant.id,
        spec=spec,
        text_chars=len(text),
        usage=JobUsage(characters=len(text)),
    )
    structlog.contextvars.bind_contextvars(job_id=record.id)
    try:
        if lexicons:  # in place before the sample is queued, as a job's
            save_snapshot(services.store, tenant.id, record.id, lexicons)
        services.life.submit(record, text, services.queue)
    except Exception:
        limits.release_submit(services.usage, tenant, record.text_chars)
        raise
    return record


@router.post(
    "/{voice_id}/sample",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=_ERRORS,
    openapi_extra={
        "responses": {
            "202": {
                "links": CREATED_JOB_LINKS,
                "headers": {
                    _REUSED_HEADER: {
                        "description": "true when the same sample, made recently, is returned again.",
                        "schema": {"type": "string", "enum": ["true"]},
                    }
                },
            }
        }
    },
)
def create_sample(
    voice_id: VoiceId,
    services: ServicesDep,
    response: Response,
    tenant: TenantDep,
    body: Annotated[SampleRequest | None, Body()] = None,
) -> JobOut:
    """Render a short sentence with this voice, in a lane of its own: it does not wait behind your queued
    jobs, and does not count against your jobs at once (at most KONTHO_MAX_SAMPLES_IN_FLIGHT samples at
    once, 429 beyond). The job has ``purpose: sample``; fetch its audio from GET /v1/jobs/{id}/result.
    """
    body = body or SampleRequest()
    voice = _voice_or_404(services, voice_id, tenant.id)
    text = body.text or DEFAULT_SAMPLE_TEXT
    check_readable(text, "text", voice)
    lexicons = job_lexicons(services, tenant.id, body.lexicons)
    digest = _digest(voice, text, body, lexicons)
    record = _reusable(services, tenant.id, digest)
    if record is not None:
        response.headers[_REUSED_HEADER] = "true"
    else:
        record = _submit(services, tenant, voice, text, body, lexicons)
        _remember(services, tenant.id, digest, record.id)
        log.info("sample_submitted", characters=record.text_chars, voice=voice.id, lane=record.lane)
    response.headers["Location"] = f"/v1/jobs/{record.id}"
    return JobOut.from_record(record)
