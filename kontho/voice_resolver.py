"""A voice id, as a tenant names it, turned into the voice that reads: the one lookup the API (jobs, dialogue
speakers, previews, samples) and the worker (a job's narrator and speakers) all make.

A voice of the catalog the tenant may use comes first; then the tenant's own cloned voice of that id;
else ``UnknownVoice`` listing what the tenant can use. Another tenant's cloned voice is answered exactly
as an id that names nothing.
"""

from __future__ import annotations

from kontho import keys
from kontho.errors import BaseVoiceGone, UnknownVoice, VoiceGone
from kontho.tenant_voices import ClonedVoice, TenantVoiceStore
from kontho.voices import Voice, VoiceCatalog


def cloning_bases(catalog: VoiceCatalog, tenant: str) -> list[Voice]:
    """The catalog's voices a tenant may clone a voice on: its XTTS voices."""
    return [voice for voice in catalog.visible_to(tenant) if voice.engine == "xtts"]


class VoiceResolver:
    def __init__(self, catalog: VoiceCatalog, cloned: TenantVoiceStore) -> None:
        self.catalog = catalog
        self.cloned = cloned
        self.clones = any(voice.engine == "xtts" for voice in catalog.all())
        """Whether tenants' voices can be here at all: a cloned voice needs an xtts base voice. Without
        one, listing what a tenant can use asks nothing of storage."""

    def resolve(self, tenant: str, voice_id: str) -> Voice:
        if voice_id in self.catalog and self.catalog.get(voice_id).visible_to(tenant):
            return self.catalog.get(voice_id)
        record = self.cloned.get(tenant, voice_id) if keys.is_cloned_voice_id(voice_id) else None
        if record is None:
            known = ", ".join(self.known(tenant))
            kind = VoiceGone if keys.is_cloned_voice_id(voice_id) else UnknownVoice
            raise kind(f"unknown voice {voice_id[:64]!r}; known voices: {known}")
        return self.voice_of(record)

    def voice_of(self, record: ClonedVoice) -> Voice:
        base = self.catalog.get(record.base_voice) if record.base_voice in self.catalog else None
        if base is None or not base.visible_to(record.tenant) or base.engine != "xtts":
            raise BaseVoiceGone(
                f"voice {record.id!r} was cloned on voice {record.base_voice!r}, which this deployment no "
                "longer offers; create the voice again on another base voice"
            )
        return record.voice(base, self.cloned.bucket)

    def known(self, tenant: str) -> list[str]:
        """Every voice id the tenant may name: the catalog's, then its own."""
        shared = [voice.id for voice in self.catalog.visible_to(tenant)]
        own = self.cloned.ids(tenant) if self.clones else []
        return shared + [voice_id for voice_id in own if voice_id not in shared]

    def cloned_voices(self, tenant: str) -> list[ClonedVoice]:
        """The tenant's own voices, oldest first."""
        return self.cloned.list(tenant) if self.clones else []
