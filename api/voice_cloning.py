"""POST /v1/voices: a tenant's cloned voice made from its uploaded reference clips, on the word that the
speaker consented.

Every clip is checked before anything is stored, each answer naming the clip (``clips.{n}``) and its
upload: it exists and is the tenant's, it is audio and has arrived, it is within the clip size limit, it
decodes, and it is long, loud and clean enough (``kontho.voice_clips``). The decoding runs in ffmpeg with a
time limit, at most ``DECODE_SLOTS`` at once per API process: a tenant sending many clips at once waits
for a slot a few seconds, then is told to come back (503), so the API's threads stay free for the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api import idempotency
from api.deps import Services
from api.errors import ApiError
from api.ingest import check_characters, find_upload
from api.models import NOT_BLANK_PATTERN, TEXT_CHARACTERS_PATTERN, ErrorBody, string_branch
from kontho import keys
from kontho.ids import ID_PATTERN, new_job_id
from kontho.schemas import CLIP_CONTENT_TYPES
from kontho.tenant_voices import ClonedVoice, Consent, StoredClip
from kontho.voice_clips import ClipRejected, PreparedClip, prepare_clip
from kontho.voice_resolver import cloning_bases
from kontho.voices import Voice

log = structlog.get_logger(__name__)

MAX_CLIPS = 5
DECODE_SLOTS = 2
_SLOT_WAIT_SECONDS = 5.0
_slots = threading.BoundedSemaphore(DECODE_SLOTS)


def _state_text(field: dict[str, Any]) -> None:
    string = string_branch(field)
    string["pattern"] = TEXT_CHARACTERS_PATTERN
    string["allOf"] = [{"pattern": NOT_BLANK_PATTERN}]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speaker_consented: Literal[True] = Field(
        description="Must be true: the person whose voice the clips hold agreed to its being cloned."
    )
    statement: str = Field(
        min_length=10,
        max_length=2000,
        description="Who consented, to what and how, in your words; stored verbatim with the voice.",
        json_schema_extra=_state_text,
    )

    @field_validator("statement")
    @classmethod
    def _said(cls, value: str) -> str:
        return _not_blank(value)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


class CreateVoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, json_schema_extra=_state_text)
    description: str | None = Field(default=None, max_length=500, json_schema_extra=_state_text)
    base_voice: str = Field(
        min_length=1, max_length=64, description="An xtts voice of GET /v1/voices to clone on."
    )
    clips: list[str] = Field(
        min_length=1,
        max_length=MAX_CLIPS,
        description="Upload ids of 1–5 reference clips (audio/wav, audio/x-wav, audio/mpeg, audio/flac), "
        "each 3–30 s of the speaker alone, its speech at −40 dBFS or louder and not clipped.",
        json_schema_extra={"items": {"type": "string", "pattern": ID_PATTERN}, "uniqueItems": True},
    )
    consent: ConsentIn = Field(description="The speaker's consent; a voice is never cloned without it.")

    @field_validator("name", "description")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        return None if value is None else _not_blank(value)


def _refuse(code: str, field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, ErrorBody(code=code, field=field, message=message))


@contextmanager
def _decode_slot() -> Iterator[None]:
    if not _slots.acquire(timeout=_SLOT_WAIT_SECONDS):
        wait = 5
        raise ApiError(
            503,
            ErrorBody(
                code="busy",
                field="clips",
                message=f"the server is checking as many voice clips as it can; try again in {wait} seconds",
            ),
            {"Retry-After": str(wait)},
        )
    try:
        yield
    finally:
        _slots.release()


def base_voice_or_422(services: Services, tenant: str, voice_id: str) -> Voice:
    bases = cloning_bases(services.voices, tenant)
    for base in bases:
        if base.id == voice_id:
            return base
    offered = ", ".join(b.id for b in bases) or "none: this deployment has no xtts voice"
    raise _refuse(
        "unknown_base_voice",
        "base_voice",
        f"base_voice: {voice_id[:64]!r} is not an xtts voice you may clone on; xtts voices: {offered}",
    )


def _clip(services: Services, tenant: str, index: int, upload_id: str) -> PreparedClip:
    field = f"clips.{index}"
    where = f"clips.{index} (upload {upload_id[:64]!r})"
    upload = find_upload(services, upload_id, tenant)
    if upload is None:
        raise _refuse("unknown_upload", field, f"{where}: no such upload; create one first")
    if upload.content_type not in CLIP_CONTENT_TYPES:
        raise _refuse("invalid_clip", field, f"{where}: is {upload.content_type}, not audio")
    key = keys.upload_file(tenant, upload.id)
    size = services.store.size_of(key)
    if size is None:
        raise _refuse("upload_not_received", field, f"{where}: nothing has been PUT to its URL yet")
    limit = min(services.settings.max_voice_clip_bytes, services.settings.max_upload_bytes)
    if size > limit:
        raise _refuse("clip_too_large", field, f"{where}: has {size:,} bytes; the limit is {limit:,}", 413)
    with _decode_slot():
        data = services.store.get_bytes(key) or b""
        try:
            return prepare_clip(data, upload.content_type)
        except ClipRejected as exc:
            raise _refuse("invalid_clip", field, f"{where}: {exc}") from exc


def _within_limit(services: Services, tenant: str) -> None:
    limit = services.settings.max_cloned_voices
    if len(services.cloned_voices.ids(tenant)) >= limit:
        message = (
            f"you have {limit} cloned voices, the most this deployment keeps per tenant; delete one first"
            if limit
            else "this deployment clones no voices (KONTHO_MAX_CLONED_VOICES is 0)"
        )
        raise _refuse("voice_limit_reached", "base_voice", message, 409)


def create_voice(
    services: Services,
    tenant: str,
    body: CreateVoiceRequest,
    created_by: str | None,
    idempotency_key: str | None = None,
) -> tuple[ClonedVoice, bool]:
    """Check everything, store the clips, then the record: a voice is usable only once whole. With an
    ``idempotency_key``, the voice an earlier request with the same key and body made, if it did; the
    second value says whether it is that earlier voice."""
    for field, text in (("name", body.name), ("description", body.description or "")):
        check_characters(text, field)
    check_characters(body.consent.statement, "consent.statement")
    base = base_voice_or_422(services, tenant, body.base_voice)
    if len(set(body.clips)) != len(body.clips):
        raise _refuse("duplicate_clip", "clips", "clips: name each upload once")
    if idempotency_key is None:
        _within_limit(services, tenant)  # before any clip is decoded
    prepared = [_clip(services, tenant, n, upload_id) for n, upload_id in enumerate(body.clips)]
    voice_id = keys.CLONED_VOICE_PREFIX + new_job_id()
    if idempotency_key is not None:
        # Claimed once every clip is known to be usable, so a refused request leaves its key free; the
        # limit is checked after, so a repeat of the request that made the last voice allowed is a replay.
        claimed = idempotency.claim(services, tenant, idempotency_key, body, voice_id, kind="voice")
        voice_id = claimed.id
        earlier = services.cloned_voices.get(tenant, voice_id) if claimed.replayed else None
        if earlier is not None:
            return earlier, True
        # Otherwise the first request stopped before its voice was stored: finish making that voice.
        _within_limit(services, tenant)
    clips = tuple(
        StoredClip(
            key=services.cloned_voices.put_clip(tenant, voice_id, n, clip.wav),
            upload=upload_id,
            seconds=clip.seconds,
            sample_rate=clip.sample_rate,
            active_dbfs=clip.active_dbfs,
            peak_dbfs=clip.peak_dbfs,
        )
        for n, (upload_id, clip) in enumerate(zip(body.clips, prepared, strict=True))
    )
    record = ClonedVoice(
        id=voice_id,
        tenant=tenant,
        base_voice=base.id,
        language=base.language,
        sample_rate=base.sample_rate,
        name=body.name,
        description=body.description or "",
        clips=clips,
        consent=Consent(speaker_consented=True, statement=body.consent.statement),
        created_by=created_by,
        idempotency_key=None
        if idempotency_key is None
        else idempotency.claim_key(tenant, idempotency_key, "voice"),
    )
    services.cloned_voices.put(record)
    log.info("voice_cloned", voice=voice_id, base_voice=base.id, clips=len(clips))
    return record, False
