"""Request and response bodies of the v1 API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kontho.schemas import AudioFormat, JobError, JobRecord, JobState, Loudness, TextWarning


class CreateJobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="Bangla text to read aloud, UTF-8. Lines are paragraphs.")
    voice: str | None = Field(
        default=None, max_length=64, description="Voice id; the default voice if absent."
    )
    format: AudioFormat = Field(default=AudioFormat.MP3, description="Audio format of the result.")
    title: str | None = Field(
        default=None, max_length=300, description="Title stored in the audio's metadata."
    )
    subtitles: bool = Field(
        default=False, description="Also produce SRT and WebVTT subtitles and JSON sentence marks."
    )
    text_format: Literal["plain", "markdown"] = Field(
        default="plain",
        description="markdown: # and ## headings start chapters. See the README for plain text.",
    )
    read_chapter_titles: bool = Field(default=True, description="Read each chapter's heading aloud.")
    chapter_files: bool = Field(default=False, description="Also one audio file per chapter.")
    author: str | None = Field(default=None, max_length=300, description="Author, in the audio's metadata.")
    loudness: Loudness = Field(
        default=Loudness.AUDIOBOOK,
        description="audiobook: -18 LUFS; podcast: -16 LUFS (true peak -1.5 dBTP); off: as rendered.",
    )

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain text to read aloud, not only whitespace")
        return value


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


class JobOut(BaseModel):
    id: str
    status: JobState
    voice: str
    format: AudioFormat
    title: str | None
    loudness: Loudness
    subtitles: bool
    text_chars: int
    progress: ProgressOut
    attempts: int = Field(description="Times a worker has started this job.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: JobError | None
    warnings: list[TextWarning] = Field(description="What the voice could not read, once the job is planned.")
    links: JobLinks

    @classmethod
    def from_record(cls, record: JobRecord) -> JobOut:
        return cls(
            id=record.id,
            status=record.status,
            voice=record.voice,
            format=record.format,
            title=record.title,
            loudness=record.loudness,
            subtitles=record.subtitles,
            text_chars=record.text_chars,
            progress=ProgressOut(**record.progress.model_dump(), percent=record.progress.percent),
            attempts=record.attempts,
            created_at=record.created_at,
            updated_at=record.updated_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            error=record.error,
            warnings=record.warnings,
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
