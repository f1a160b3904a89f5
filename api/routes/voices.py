"""The voices a tenant may name: the catalog's shared ones, and its own cloned voices (made, read and
deleted here; another tenant's are answered as voices that do not exist)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status

from api.auth import TenantDep, require_tenant
from api.deps import Services, ServicesDep
from api.errors import ApiError
from api.models import ErrorBody, ErrorResponse, VoiceClipOut, VoiceOut, readable_pattern
from api.routes.samples import VoiceId
from api.voice_cloning import CreateVoiceRequest, create_voice
from kontho import keys
from kontho.errors import BaseVoiceGone
from kontho.settings import Settings
from kontho.tenant_voices import ClonedVoice
from kontho.tenants import key_hash
from kontho.voices import Voice, VoiceCatalog

router = APIRouter(prefix="/v1", tags=["voices"], dependencies=[Depends(require_tenant)])


def voice_ids_pattern(shared: list[Voice]) -> str:
    """One of these voices, or a cloned voice's id: what a request's voice may be where tenants clone."""
    ids = [voice.id.replace(".", r"\.") for voice in shared]  # ids are [a-z0-9._-]: only the dot is special
    return "^(?:" + "|".join([*ids, keys.CLONED_VOICE_ID_PATTERN.strip("^$")]) + ")$"


def cloned_voice_text_rule(voices: VoiceCatalog) -> dict[str, Any]:
    """A text read by a cloned voice has a character its base voice can read; as the request does not
    name the base, a character every base voice can read."""
    declared = [set(v.characters) for v in _xtts(voices) if v.characters]
    characters = "".join(sorted(set.intersection(*declared))) if declared else None
    named = {"required": ["voice"], "properties": {"voice": {"pattern": keys.CLONED_VOICE_ID_PATTERN}}}
    return {"if": named, "then": {"properties": {"text": {"pattern": readable_pattern(characters)}}}}


def _xtts(voices: VoiceCatalog) -> list[Voice]:
    return [voice for voice in voices.all() if voice.engine == "xtts"]


def document_cloning(schema: dict[str, Any], settings: Settings, voices: VoiceCatalog) -> bool:
    """State the base voices POST /v1/voices takes, as it checks them; whether tenants may clone here."""
    bases = _xtts(voices)
    shared = [voice.id for voice in bases if voice.tenants is None]
    base_voice = schema["components"]["schemas"]["CreateVoiceRequest"]["properties"]["base_voice"]
    if shared and len(shared) == len(bases):  # with a private base voice, the ids stay a pattern
        base_voice["enum"] = shared
    return settings.max_cloned_voices > 0 and bool(bases)


VoiceIdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any string unique to this voice; a retry with the same key returns the same voice.",
    ),
]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse} for code in (401, 503, *codes)}


def _shared(voice: Voice, default: str) -> VoiceOut:
    return VoiceOut(
        id=voice.id,
        engine=voice.engine,
        language=voice.language,
        sample_rate=voice.sample_rate,
        description=voice.description,
        default=voice.id == default,
        # A zoo name is public; an operator's bucket or folder is not the tenant's business.
        model=voice.model if (voice.model or "").startswith("tts_models/") else None,
        speaker=voice.speaker,
        reads_phonemes=voice.reads_phonemes,
        speed=voice.params.speed,
    )


def _cloned(services: Services, record: ClonedVoice) -> VoiceOut:
    try:
        voice = services.resolver.voice_of(record)
    except BaseVoiceGone as exc:
        description, reads_phonemes, speed = f"{record.name}: {exc}", False, 1.0
    else:
        description, reads_phonemes, speed = voice.description, voice.reads_phonemes, voice.params.speed
    return VoiceOut(
        id=record.id,
        engine="xtts",
        language=record.language,
        sample_rate=record.sample_rate,
        description=description,
        default=False,
        reads_phonemes=reads_phonemes,
        speed=speed,
        cloned=True,
        base_voice=record.base_voice,
        name=record.name,
        created_at=record.created_at,
        clips=[
            VoiceClipOut(upload=c.upload, seconds=c.seconds, active_dbfs=c.active_dbfs) for c in record.clips
        ],
    )


def _not_found(voice_id: str) -> ApiError:
    return ApiError(
        404,
        ErrorBody(
            code="voice_not_found",
            field="voice_id",
            message=f"no voice {voice_id[:64]!r}; GET /v1/voices lists the voices you may use",
        ),
    )


@router.get("/voices", response_model=list[VoiceOut], responses=_errors())
def list_voices(services: ServicesDep, tenant: TenantDep) -> list[VoiceOut]:
    """The catalog's voices this tenant may use, then its own cloned voices, oldest first."""
    default = services.settings.default_voice
    shared = [_shared(v, default) for v in services.voices.visible_to(tenant.id)]
    return shared + [_cloned(services, r) for r in services.resolver.cloned_voices(tenant.id)]


@router.post(
    "/voices", status_code=status.HTTP_201_CREATED, response_model=VoiceOut, responses=_errors(409, 413, 422)
)
def create_cloned_voice(
    body: CreateVoiceRequest,
    request: Request,
    services: ServicesDep,
    response: Response,
    tenant: TenantDep,
    idempotency_key: VoiceIdempotencyKey = None,
) -> VoiceOut:
    """Clone a voice: an xtts base voice speaking as the speaker of 1–5 uploaded reference clips, for this
    tenant only. ``consent.speaker_consented`` must be true and ``consent.statement`` says how the speaker
    agreed; both are kept with the voice. Each clip is 3–30 s, decodes, its speech at −40 dBFS or louder and
    not clipped; a clip that is not is a 422 naming it (``clips.{n}``) and why.

    With an ``Idempotency-Key``, a repeat of the same request returns the voice the first one made
    (header ``Idempotent-Replayed: true``) for as long as the voice exists.
    """
    key = request.headers.get("authorization", "").partition(" ")[2].strip()
    made_by = key_hash(key)[:16] if key else None
    record, replayed = create_voice(services, tenant.id, body, made_by, idempotency_key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/voices/{record.id}"
    return _cloned(services, record)


@router.get("/voices/{voice_id}", response_model=VoiceOut, responses=_errors(404))
def get_voice(voice_id: VoiceId, services: ServicesDep, tenant: TenantDep) -> VoiceOut:
    """One voice the tenant may use: a shared one, or one of its cloned voices."""
    if voice_id in services.voices and services.voices.get(voice_id).visible_to(tenant.id):
        return _shared(services.voices.get(voice_id), services.settings.default_voice)
    record = services.cloned_voices.get(tenant.id, voice_id)
    if record is None:
        raise _not_found(voice_id)
    return _cloned(services, record)


@router.delete(
    "/voices/{voice_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=_errors(404, 409),
)
def delete_voice(voice_id: VoiceId, services: ServicesDep, tenant: TenantDep) -> Response:
    """Delete one of your cloned voices, its clips and the uploads they were made from. A job naming it
    that has not started yet fails (voice_not_found)."""
    if voice_id in services.voices and services.voices.get(voice_id).visible_to(tenant.id):
        raise ApiError(
            409,
            ErrorBody(
                code="voice_not_deletable",
                field="voice_id",
                message=f"{voice_id!r} is a shared voice of this deployment; only your cloned voices can be "
                "deleted",
            ),
        )
    if not services.cloned_voices.delete(tenant.id, voice_id):
        raise _not_found(voice_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
