"""Text preview: the text as a voice will read it, before anything is rendered."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantDep, require_tenant
from api.deps import ServicesDep, voice_or_422
from api.ingest import check_characters
from api.models import ErrorResponse
from kontho.schemas import TextWarning
from kontho.text.frontend import pause_after, pauses_for, prepare

router = APIRouter(prefix="/v1/text", tags=["text"], dependencies=[Depends(require_tenant)])

_PREVIEW_MAX_CHARS = 100_000


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=_PREVIEW_MAX_CHARS, description="The text to check.")
    voice: str | None = Field(default=None, max_length=64, description="Voice id; the default if absent.")


class PreviewChunk(BaseModel):
    index: int
    text: str = Field(description="Exactly what the voice will be given.")
    paragraph: int
    boundary: str = Field(description="What ends the chunk: word, clause, sentence, paragraph, end.")


class PreviewOut(BaseModel):
    voice: str
    characters: int = Field(description="Characters submitted.")
    spoken_characters: int = Field(description="Characters the voice will read, after normalization.")
    estimated_seconds: float = Field(description="Audio length estimate from the voice's speaking rate.")
    chunks: list[PreviewChunk]
    warnings: list[TextWarning]


@router.post(
    "/preview",
    response_model=PreviewOut,
    responses={422: {"model": ErrorResponse}, 413: {"model": ErrorResponse}},
)
def preview(body: PreviewRequest, services: ServicesDep, tenant: TenantDep) -> PreviewOut:
    """How numbers, dates and abbreviations will be read, and what the voice cannot say."""
    settings = services.settings
    voice = voice_or_422(services, body.voice, tenant.id)
    check_characters(body.text, "text")
    params = voice.params
    prepared = prepare(body.text, params.max_chunk_chars or settings.chunk_max_chars, voice.characters)
    sentence_ms, paragraph_ms = pauses_for(params, settings)
    pauses = sum(pause_after(c.boundary, sentence_ms, paragraph_ms) for c in prepared.chunks) / 1000
    return PreviewOut(
        voice=voice.id,
        characters=len(body.text),
        spoken_characters=prepared.characters,
        estimated_seconds=round(prepared.characters / params.chars_per_second + pauses, 1),
        chunks=[
            PreviewChunk(index=c.index, text=c.text, paragraph=c.paragraph, boundary=c.boundary.value)
            for c in prepared.chunks
        ],
        warnings=prepared.warnings,
    )
