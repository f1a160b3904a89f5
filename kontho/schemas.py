"""The job record: what was asked, where it stands, and what came out.

Stored as ``tenants/{tenant}/jobs/{id}/job.json``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kontho.jobspec import AudioFormat, JobSpec

SCHEMA_VERSION = 2


def utcnow() -> datetime:
    return datetime.now(UTC)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


class Progress(BaseModel):
    done: int = 0
    total: int = 0
    reused: int = Field(
        default=0, description="Chunks taken from the tenant's cache (an earlier job's or attempt's)."
    )
    chapter: int = Field(default=0, description="The chapter being rendered, from 1.")
    chapters: int = 0
    audio_seconds: float = Field(default=0.0, description="Audio rendered so far.")
    eta_seconds: float | None = Field(default=None, description="Estimated time to finish.")

    @property
    def percent(self) -> float:
        return round(100.0 * self.done / self.total, 1) if self.total else 0.0


class JobError(BaseModel):
    code: str = Field(description="Stable machine-readable reason, e.g. invalid_input, dead_lettered.")
    message: str = Field(description="What went wrong, for a person.")
    retryable: bool = Field(description="Whether submitting the same job again may succeed.")


class TextWarning(BaseModel):
    kind: str = Field(description="What was wrong, e.g. unsupported_characters.")
    count: int
    examples: list[str] = Field(default_factory=list)
    message: str = ""


class AudioResult(BaseModel):
    key: str
    format: AudioFormat
    duration_seconds: float
    bytes: int
    sample_rate: int
    loudness_lufs: float | None = Field(default=None, description="Integrated loudness before normalizing.")
    chunks_total: int = Field(default=0, description="Chunks the text was read in.")
    chunks_rendered: int = Field(default=0, description="Chunks synthesized by the attempt that finished.")
    chunks_reused: int = Field(
        default=0,
        description="Chunks taken from the tenant's cache: rendered by an earlier job with the same text, "
        "voice and settings, or by an earlier attempt of this one.",
    )


ArtifactKind = Literal["audio", "chapter_audio", "subtitles", "marks", "manifest"]


class Artifact(BaseModel):
    kind: ArtifactKind
    format: str
    key: str
    bytes: int
    sha256: str | None = Field(default=None, description="Of the stored bytes; none for the manifest itself.")
    duration_seconds: float | None = None
    chapter: int | None = None


JobPurpose = Literal["programme", "sample"]

UploadContentType = Literal[
    "application/epub+zip",
    "text/plain",
    "text/markdown",
    "image/jpeg",
    "image/png",
    "audio/wav",
    "audio/x-wav",
    "audio/mpeg",
    "audio/flac",
]
COVER_CONTENT_TYPES = frozenset({"image/jpeg", "image/png"})
"""Uploads that can only be a job's cover (``cover_upload``), never its text."""
CLIP_CONTENT_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/mpeg", "audio/flac"})
"""Uploads that can only be a cloned voice's reference clip (POST /v1/voices), never a job's text."""


class JobUsage(BaseModel):
    """What one job used, across all its attempts."""

    characters: int = Field(default=0, description="Characters submitted.")
    characters_synthesized: int = Field(
        default=0,
        description="Characters the voice actually synthesized, every attempt; chunks reused from the "
        "tenant's cache cost none.",
    )
    audio_seconds: float = 0.0
    compute_seconds: float = Field(default=0.0, description="Worker time spent rendering, every attempt.")
    synthesis_seconds: float = Field(
        default=0.0, description="The part of compute_seconds the voices spent synthesizing, every attempt."
    )
    device: str | None = Field(default=None, description="Where it rendered: cpu or cuda.")
    bytes_stored: int = Field(default=0, description="Bytes of the artifacts it produced.")


class UploadRecord(BaseModel):
    """A place in S3 a client may PUT one input file to, for a job to name later."""

    model_config = ConfigDict(extra="ignore")

    id: str
    tenant: str = "local"
    content_type: UploadContentType
    bytes: int = Field(description="Size the client declared; the presigned URL is signed for it.")
    filename: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class WebhookDelivery(BaseModel):
    """Where the job's webhook stands, so a tenant can see why nothing arrived."""

    state: Literal["pending", "delivered", "failed"] = Field(
        description="pending: waiting to be sent or between tries; delivered: a 2xx answer; failed: given up."
    )
    attempts: int = Field(default=0, ge=0, description="POSTs made so far.")
    last_status: str | None = Field(
        default=None,
        description="The last answer (e.g. HTTP 503), or why there was none: a timeout, a refused "
        "address, a full delivery queue, the worker stopping.",
    )
    updated_at: datetime = Field(default_factory=utcnow)


class JobRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    id: str
    tenant: str = Field(default="local", description="Whose job: only that tenant's key can see it.")
    status: JobState = JobState.QUEUED
    spec: JobSpec = Field(description="What the job asks for, as resolved at submit.")
    upload: str | None = Field(default=None, description="The upload the text was read from, if any.")
    text_chars: int
    idempotency_key: str | None = Field(
        default=None, description="The storage key of the Idempotency-Key claim that created the job."
    )
    lane: int = Field(default=0, ge=0, description="Which of the tenant's queue lanes (message groups).")
    purpose: JobPurpose = Field(
        default="programme",
        description="programme: a text rendered for its own sake; sample: a short sentence rendered to hear "
        "a voice (POST /v1/voices/{voice_id}/sample), in a lane of its own.",
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    progress: Progress = Field(default_factory=Progress)
    error: JobError | None = None
    warnings: list[TextWarning] = Field(default_factory=list)
    result: AudioResult | None = None
    artifacts: list[Artifact] = Field(default_factory=list)
    usage: JobUsage = Field(default_factory=JobUsage)
    webhook: WebhookDelivery | None = None
    settled: bool = Field(
        default=False, description="Its end was accounted for: usage added, active marker gone, webhook sent."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_version_1(cls, data: Any) -> Any:
        """Version 1 kept the options beside the state; a rolling deploy still finds such records."""
        if isinstance(data, dict) and "spec" not in data and "voice" in data:
            data = dict(data)
            data["spec"] = {name: data.pop(name) for name in list(data) if name in JobSpec.model_fields}
        return data

    def touch(self, **changes: object) -> JobRecord:
        """A copy with ``changes`` applied and ``updated_at`` set to now."""
        return self.model_copy(update={**changes, "updated_at": utcnow()})
