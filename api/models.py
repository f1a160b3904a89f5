"""Request and response bodies of the v1 API."""

from __future__ import annotations

import re
import sys
import unicodedata
from datetime import datetime
from functools import cache
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kontho.ids import ID_PATTERN
from kontho.jobspec import AudioFormat, JobOptions, JobSpec
from kontho.schemas import (
    JobError,
    JobPurpose,
    JobRecord,
    JobState,
    JobUsage,
    TextWarning,
    UploadContentType,
    WebhookDelivery,
)
from kontho.usage import UsageDay, UsageTotals
from kontho.webhook_address import form_problem

# What the schema states of a request, in patterns every JSON Schema engine reads (ECMA-262, as OpenAPI 3.1
# asks). Where the API refuses with a message of its own (api/ingest.py, the routes), the pattern is only
# stated (json_schema_extra), not enforced a second time with pydantic's message.

"""A job's or an upload's id (kontho.ids.is_job_id): 26 characters of Crockford base32."""

TEXT_CHARACTERS_PATTERN = r"^[^\x00-\x08\x0e-\x1f\x7f]*$"
"""What api/ingest.py does not refuse as "not text": no C0 control but tab, line feed, vertical tab, form
feed and carriage return, and no DEL. It also refuses lone surrogates, which no pattern can name (no
engine compiles them) and no encoder of Unicode text writes."""

NOT_BLANK_PATTERN = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""Something besides whitespace: one character that is not ``str.isspace`` (each named, as engines differ
on what ``\\s`` means)."""

READABLE_PATTERN = r"[\p{L}\p{N}]"
"""At least one letter or digit, in any script: what a voice without a declared character set can read
(``str.isalnum``, api/ingest.py)."""


@cache
def _digits_beyond_nd() -> str:
    """Characters ``str.isdigit`` counts that are not decimal digits (Nd): superscripts, circled digits."""
    return "".join(
        ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isdigit() and unicodedata.category(ch) != "Nd"
    )


def readable_pattern(characters: str | None) -> str:
    """A text a voice can read has one character it reads (api/ingest.py check_readable): for a voice that
    declares its character set, a digit or one of those characters; otherwise any letter or digit."""
    if not characters:
        return READABLE_PATTERN
    members = sorted(set(characters) | set(_digits_beyond_nd()))
    escaped = "".join(f"\\{ch}" if ch in "\\]^-[" else ch for ch in members)
    return f"[\\p{{Nd}}{escaped}]"


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_H16 = r"[0-9A-Fa-f]{1,4}"
_LS32 = rf"(?:{_H16}:{_H16}|{_OCTET}(?:\.{_OCTET}){{3}})"
_IPV6 = "|".join(  # RFC 3986's IPv6address, one line per form
    [
        rf"(?:{_H16}:){{6}}{_LS32}",
        rf"::(?:{_H16}:){{5}}{_LS32}",
        rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
        rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
        rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
        rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
    ]
)
_PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0)"
# Path, query and fragment: URI characters, any other percent-encoded (written so that a generator can
# draw long ones quickly: the fuzzer draws URLs up to the length limit).
_URI_CHAR = r"[A-Za-z0-9._~!$&'()*+,;=:@/?-]"
_ENCODED = rf"{_URI_CHAR}*(?:%[0-9A-Fa-f]{{2}}{_URI_CHAR}*)*"
WEBHOOK_URL_PATTERN = (
    rf"^[hH][tT][tT][pP][sS]?://(?:{_LABEL}(?:\.{_LABEL})*\.?|\[(?:{_IPV6})\])(?::{_PORT})?"
    rf"(?:[/?]{_ENCODED})?(?:#{_ENCODED})?$"
)
"""An absolute http(s) URI (RFC 3986) with a host: a DNS name of ASCII labels (an international name in its
xn-- form) or an IP address, a port up to 65535, and a path, query and fragment of URI characters (any
other percent-encoded). No user name or password: the signature authenticates kontho. The schema states
no ``format: uri`` beside it: every match is a URI, and a fuzzer spends a minute looking for one that is
not."""
_WEBHOOK_URL = re.compile(WEBHOOK_URL_PATTERN)


def webhook_url_form_problem(url: str) -> str | None:
    """Why ``url`` is not in the form WEBHOOK_URL_PATTERN states, or None. Whether its host may be
    called is another question (kontho.webhook_address), which the route asks."""
    if _WEBHOOK_URL.fullmatch(url):
        return None
    return form_problem(url) or (
        "is not a URL webhooks can take: a host name in ASCII (an international name in its xn-- form) or "
        "an IP address, an optional port, then a path and query without spaces (percent-encode other "
        "characters)"
    )


def string_branch(field: dict[str, Any]) -> dict[str, Any]:
    """The string alternative of an optional string field's schema (``anyOf: [string, null]``)."""
    for branch in field.get("anyOf", [field]):
        if branch.get("type") == "string":
            return cast(dict[str, Any], branch)
    raise ValueError(f"no string in {field}")


def _state_text(field: dict[str, Any]) -> None:
    # What each voice can read depends on the voice: the app states it per voice (api/app.py).
    string = string_branch(field)
    string["pattern"] = TEXT_CHARACTERS_PATTERN
    string["allOf"] = [{"pattern": NOT_BLANK_PATTERN}]


def _state_upload(field: dict[str, Any]) -> None:
    string_branch(field)["pattern"] = ID_PATTERN


def _state_job_request(schema: dict[str, Any]) -> None:
    # Exactly one of text and upload; a null counts as absent, as the model reads it.
    schema["oneOf"] = [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("text", "upload")
    ]
    string_branch(schema["properties"]["webhook_url"])["pattern"] = WEBHOOK_URL_PATTERN


def text_with_words(value: str | None) -> str | None:
    """A text field's value, refused when it is only whitespace."""
    if value is not None and not value.strip():
        raise ValueError("must contain text to read aloud, not only whitespace")
    return value


class CreateJobRequest(JobOptions):
    """A job: its text (inline or an upload) and its options."""

    model_config = ConfigDict(json_schema_extra=_state_job_request)

    text: str | None = Field(
        default=None,
        description="Bangla text to read aloud, UTF-8. Lines are paragraphs. Or `upload`. Control characters "
        "other than tabs and line breaks, and lone surrogates, are refused; so is text with no letter or "
        "digit the voice can read.",
        json_schema_extra=_state_text,
    )
    upload: str | None = Field(
        default=None,
        max_length=64,
        description="Id of an upload (POST /v1/uploads) holding the input: EPUB, text or Markdown.",
        json_schema_extra=_state_upload,
    )

    @field_validator("webhook_url")
    @classmethod
    def _webhook_form(cls, value: str | None) -> str | None:
        problem = None if value is None else webhook_url_form_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str | None) -> str | None:
        return text_with_words(value)

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
    reused: int = Field(description="Chunks taken from the tenant's chunk cache (rendered before, alike).")
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
    purpose: JobPurpose = Field(
        description="programme, or sample: a voice sample (POST /v1/voices/{voice_id}/sample)."
    )
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
            purpose=record.purpose,
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
    status: JobState = Field(
        description="completed; or running, when a job with chapter_files has finished chapters to offer."
    )
    audio: AudioOut | None = Field(description="The whole programme; null while the job runs.")
    artifacts: list[ArtifactOut] = Field(
        description="Every file of a completed job; while it runs, the chapter files finished so far."
    )
    chunks_total: int | None = Field(default=None, description="Chunks the text was read in.")
    chunks_rendered: int | None = Field(default=None, description="Chunks synthesized for this job.")
    chunks_reused: int | None = Field(
        default=None, description="Chunks taken from the tenant's cache (rendered before, alike)."
    )


class VoiceClipOut(BaseModel):
    upload: str = Field(description="The upload it was made from.")
    seconds: float
    active_dbfs: float = Field(description="Level of its speech, dBFS.")


class VoiceOut(BaseModel):
    id: str
    engine: str
    language: str
    sample_rate: int
    description: str
    default: bool
    model: str | None = Field(
        default=None, description="The model: a Coqui zoo name, or None for a model the operator hosts."
    )
    speaker: str | None = Field(default=None, description="Its speaker, in a multi-speaker model.")
    reads_phonemes: bool = Field(default=False, description="Lexicon phonemes and SSML <phoneme> are used.")
    speed: float = Field(default=1.0, description="The voice's own speaking rate.")
    cloned: bool = Field(default=False, description="One of your cloned voices (POST /v1/voices).")
    base_voice: str | None = Field(default=None, description="A cloned voice's base voice.")
    name: str | None = Field(default=None, description="A cloned voice's name.")
    created_at: datetime | None = Field(default=None, description="When a cloned voice was made.")
    clips: list[VoiceClipOut] | None = Field(default=None, description="A cloned voice's reference clips.")


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
