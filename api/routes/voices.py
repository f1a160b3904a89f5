"""The voices a job may name."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import require_tenant
from api.deps import ServicesDep
from api.models import VoiceOut

router = APIRouter(prefix="/v1", tags=["voices"], dependencies=[Depends(require_tenant)])


@router.get("/voices", response_model=list[VoiceOut])
def list_voices(services: ServicesDep) -> list[VoiceOut]:
    default = services.settings.default_voice
    return [
        VoiceOut(
            id=v.id,
            engine=v.engine,
            language=v.language,
            sample_rate=v.sample_rate,
            description=v.description,
            default=v.id == default,
        )
        for v in services.voices.all()
    ]
