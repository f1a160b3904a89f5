"""Request and response bodies of the v1 API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kontho.jobspec import AudioFormat, JobOptions, JobSpec
from kontho.schemas import (
    JobError,
    JobRecord,
    JobState,
    JobUsage,
    TextWarning,
    UploadContentType,
    WebhookDelivery,
)
from kontho.usage import UsageDay, UsageTotals
from kontho.webhook_address import url_problem


class CreateJobRequest(JobOptions):
    """A job: its text (inline or an upload) and its options."""

    text: str | None = Field(
        default=None, description="Bangla text to read aloud, UTF-8. Lines are paragraphs. Or `upload`."
    )
    upload: str | None = Field(
        default=None,
        max_length=64,
        description="Id of an upload (POST /v1/uploads) holding the input: EPUB, text or Markdown.",
    )

    @field_validator("webhook_url")
    @classmethod
    def _webhook_address(cls, value: str | None) -> str | None:
        problem = None if value is None else url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must contain text to read aloud, not only whitespace")
        return value

    @model_validator(mode="after")
    def _one_input(self) -> CreateJobRequest:
        if (self.text is None) == (self.upload is None):
            raise ValueError("give exactly one of text (inline) and upload (an upload id)")
        return self


class CreateUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: UploadContentType = Field(description="What the file is.")
    bytes: int = Field(gt=0, description="The file's exact size; the URL accepts exactly this many bytes.")
    filename: str | None = Field(default=None, max_length=255, description="For your own records.")


class UploadOut(BaseModel):
    id: str = Field(description="Name it as `upload` in POST /v1/jobs once the file is PUT.")
    url: str = Field(description="Presigned S3 URL: PUT the file's bytes here.")
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="Headers the PUT must carry.")
    expires_at: datetime
    content_type: UploadContentType
    bytes: int
    received: bool = Field(description="Whether the file has arrived in storage.")


class ProgressOut(BaseModel):
    done: int = Field(description="Chunks rendered.")
    total: int = Field(description="Chunks planned; 0 until the worker has planned the job.")
    percent: float
    reused: int = Field(description="Chunks taken from an earlier attempt's checkpoints.")
    chapter: int = Field(description="The chapter being rendered, from 1; 0 before planning.")
    chapters: int
    audio_seconds: float = Field(description="Audio rendered so far.")
    eta_seconds: float | None = Field(description="Estimated seconds to finish, once there is a rate.")


class JobLinks(BaseModel):
    self: str
    result: str


class JobOut(JobSpec):
    """A job: its options as resolved at submit, then where it stands."""

    id: str
    status: JobState
    text_chars: int
    upload: str | None = Field(description="The upload the text was read from, if any.")
    progress: ProgressOut
    attempts: int = Field(description="Times a worker has started this job.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: JobError | None
    warnings: list[TextWarning] = Field(description="What the voice could not read, once the job is planned.")
    usage: JobUsage = Field(description="Characters, audio, compute time and bytes, across attempts.")
    webhook: WebhookDelivery | None = Field(
        default=None,
        description="The job's webhook, if it names one: pending, delivered or failed, with attempts and the "
        "last answer.",
    )
    links: JobLinks

    @classmethod
    def from_record(cls, record: JobRecord) -> JobOut:
        return cls(
            **record.spec.model_dump(),
            id=record.id,
            status=record.status,
            text_chars=record.text_chars,
            upload=record.upload,
            progress=ProgressOut(**record.progress.model_dump(), percent=record.progress.percent),
            attempts=record.attempts,
            created_at=record.created_at,
            updated_at=record.updated_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            error=record.error,
            warnings=record.warnings,
            usage=record.usage,
            webhook=record.webhook,
            links=JobLinks(self=f"/v1/jobs/{record.id}", result=f"/v1/jobs/{record.id}/result"),
        )


class AudioOut(BaseModel):
    url: str = Field(description="Presigned S3 GET URL.")
    expires_at: datetime
    format: AudioFormat
    duration_seconds: float
    bytes: int


class ArtifactOut(BaseModel):
    kind: str = Field(description="audio, chapter_audio, subtitles, marks or manifest.")
    format: str
    chapter: int | None
    duration_seconds: float | None
    bytes: int
    sha256: str | None
    url: str = Field(description="Presigned S3 GET URL.")


class ResultOut(BaseModel):
    id: str
    audio: AudioOut
    artifacts: list[ArtifactOut]


class VoiceOut(BaseModel):
    id: str
    engine: str
    language: str
    sample_rate: int
    description: str
    default: bool


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable reason.")
    message: str = Field(description="What is wrong and, where it helps, what to do.")
    field: str | None = Field(default=None, description="The request field at fault, when one is.")
    status: JobState | None = Field(default=None, description="The job's status, for 409 answers.")


class ErrorResponse(BaseModel):
    error: ErrorBody


class JobList(BaseModel):
    jobs: list[JobOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class UsageOut(BaseModel):
    tenant: str
    from_: str = Field(alias="from", description="First day, UTC (YYYY-MM-DD).")
    to: str = Field(description="Last day, UTC, inclusive.")
    days: list[UsageDay] = Field(description="One entry per day, zeros included.")
    total: UsageTotals

    model_config = ConfigDict(populate_by_name=True)
