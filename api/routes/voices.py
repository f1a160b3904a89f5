"""The voices a job may name."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import TenantDep, require_tenant
from api.deps import ServicesDep
from api.models import VoiceOut

router = APIRouter(prefix="/v1", tags=["voices"], dependencies=[Depends(require_tenant)])


@router.get("/voices", response_model=list[VoiceOut])
def list_voices(services: ServicesDep, tenant: TenantDep) -> list[VoiceOut]:
    """The catalog's voices this tenant may use: every shared voice and its own private ones."""
    default = services.settings.default_voice
    return [
        VoiceOut(
            id=v.id,
            engine=v.engine,
            language=v.language,
            sample_rate=v.sample_rate,
            description=v.description,
            default=v.id == default,
            # A zoo name is public; an operator's bucket or folder is not the tenant's business.
            model=v.model if (v.model or "").startswith("tts_models/") else None,
            speaker=v.speaker,
            reads_phonemes=v.reads_phonemes,
            speed=v.params.speed,
        )
        for v in services.voices.visible_to(tenant.id)
    ]
