"""A tenant's cloned voices in S3: one JSON record each, and the reference clips it clones.

A cloned voice is an XTTS base voice of the catalog speaking as the clips' speaker. The record keeps what
the voice was made from and on whose word: its base voice, its clips (with their length and level), the
consent statement exactly as the tenant sent it, which key made it and when. Every key is built from the
tenant (``kontho.keys.tenant_voice``), so no call reaches another tenant's voice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from kontho import keys
from kontho.jobstore import JobStore
from kontho.voices import Voice


class StoredClip(BaseModel):
    """One reference clip as stored: mono 16-bit WAV at ``sample_rate``."""

    model_config = ConfigDict(frozen=True)

    key: str
    upload: str = Field(description="The upload it was made from.")
    seconds: float
    sample_rate: int
    active_dbfs: float = Field(description="Level of its sounding parts, dBFS.")
    peak_dbfs: float


class Consent(BaseModel):
    model_config = ConfigDict(frozen=True)

    speaker_consented: bool
    statement: str


class ClonedVoice(BaseModel):
    """What ``voices/{tenant}/{id}.json`` holds."""

    model_config = ConfigDict(frozen=True)

    id: str
    tenant: str
    base_voice: str
    language: str = Field(default="bn", description="The base voice's, when the voice was made.")
    sample_rate: int = Field(default=24_000, description="The base voice's, when the voice was made.")
    name: str
    description: str = ""
    clips: tuple[StoredClip, ...]
    consent: Consent
    created_by: str | None = Field(
        default=None, description="The first 16 hex digits of the SHA-256 of the API key that made it."
    )
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    idempotency_key: str | None = Field(
        default=None, description="The S3 key of the Idempotency-Key claim that made it, removed with it."
    )

    def voice(self, base: Voice, bucket: str) -> Voice:
        """The voice a job is read with: the base voice's model and parameters, cloning these clips, for
        this tenant only."""
        # Everything else (engine, model, language, rate, parameters) is the base voice's, field for field.
        return base.model_copy(
            update={
                "id": self.id,
                "description": self.description or self.name,
                "references": tuple(f"s3://{bucket}/{clip.key}" for clip in self.clips),
                "tenants": (self.tenant,),
            }
        )


class TenantVoiceStore:
    def __init__(self, store: JobStore) -> None:
        self._store = store

    @property
    def bucket(self) -> str:
        return self._store.bucket

    def put_clip(self, tenant: str, voice_id: str, index: int, wav: bytes) -> str:
        """Store a clip before its record, so a record never names a clip that is not there."""
        key = keys.tenant_voice_clip(tenant, voice_id, index)
        self._store.put_bytes(key, wav, "audio/wav")
        return key

    def put(self, voice: ClonedVoice) -> None:
        key = keys.tenant_voice(voice.tenant, voice.id)
        self._store.put_bytes(key, voice.model_dump_json().encode("utf-8"), "application/json")

    def get(self, tenant: str, voice_id: str) -> ClonedVoice | None:
        """The tenant's voice of that id; None for an id of another form, or one it does not have."""
        if not keys.is_cloned_voice_id(voice_id):
            return None
        body = self._store.get_bytes(keys.tenant_voice(tenant, voice_id))
        found = None if body is None else ClonedVoice.model_validate_json(body)
        return found if found is not None and found.tenant == tenant else None

    def ids(self, tenant: str) -> list[str]:
        """The tenant's voice ids, oldest first (ids sort by creation time)."""
        listed = self._store.list_keys(keys.tenant_voices_prefix(tenant))
        return sorted(filter(None, (keys.tenant_voice_id_from_key(k) for k in listed)))

    def list(self, tenant: str) -> list[ClonedVoice]:
        found = (self.get(tenant, voice_id) for voice_id in self.ids(tenant))
        return [voice for voice in found if voice is not None]  # one deleted since the listing is gone

    def delete(self, tenant: str, voice_id: str) -> bool:
        """Remove the voice's record, its clips and the uploads they were made from; False when the tenant
        has no such voice."""
        # A GET, not a HEAD: a HEAD's 404 cannot tell a missing voice from a missing bucket.
        voice = self.get(tenant, voice_id)
        if voice is None:
            return False
        # The record first: a voice whose record is gone cannot be used, whatever clips remain.
        self._store.delete(keys.tenant_voice(tenant, voice_id))
        self._store.delete_prefix(keys.tenant_voice_clips(tenant, voice_id))
        # The speaker's recordings go too, rather than waiting for the uploads' expiry; and the claim of
        # the request that made it, so that the request made again makes a new voice.
        uploads = {clip.upload for clip in voice.clips}
        self._store.delete_keys(
            [
                key
                for upload in sorted(uploads)
                for key in (keys.upload_record(tenant, upload), keys.upload_file(tenant, upload))
            ]
            + ([voice.idempotency_key] if voice.idempotency_key else [])
        )
        return True

    def delete_all(self, tenant: str) -> int:
        """Remove every voice of the tenant and all their clips: part of erasing the tenant."""
        return self._store.delete_prefix(keys.tenant_voices_prefix(tenant))
