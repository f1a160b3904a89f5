"""Text preview: the text as a voice will read it, before anything is rendered.

The preview takes every job option that changes how text is read, and reads the text the way the worker
will (kontho.text.frontend.prepare with the same arguments), so its chapters and chunks are the job's.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantDep, require_tenant
from api.deps import ServicesDep, voice_or_422
from api.ingest import check_characters
from api.models import TEXT_CHARACTERS_PATTERN, ErrorResponse
from kontho.jobspec import VOICE_ID_PATTERN
from kontho.schemas import TextWarning
from kontho.text.frontend import pause_after, pauses_for, prepare

router = APIRouter(prefix="/v1/text", tags=["text"], dependencies=[Depends(require_tenant)])

_PREVIEW_MAX_CHARS = 100_000


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=_PREVIEW_MAX_CHARS,
        description="The text to check. Control characters other than tabs and line breaks, and lone "
        "surrogates, are refused.",
        # Stated, not enforced: check_characters refuses them with the character and its position.
        json_schema_extra={"pattern": TEXT_CHARACTERS_PATTERN},
    )
    voice: str | None = Field(
        default=None,
        max_length=64,
        pattern=VOICE_ID_PATTERN,
        description="Voice id (GET /v1/voices); the default if absent.",
    )
    text_format: Literal["plain", "markdown"] = Field(
        default="plain",
        description="As for a job: markdown reads # and ## headings as chapters and no Markdown mark aloud.",
    )
    read_chapter_titles: bool = Field(
        default=True, strict=True, description="As for a job: read each chapter's heading aloud."
    )
    subtitles: bool = Field(
        default=False, strict=True, description="As for a job: with subtitles no two sentences share a chunk."
    )


class PreviewChunk(BaseModel):
    index: int
    text: str = Field(description="Exactly what the voice will be given.")
    paragraph: int
    boundary: str = Field(description="What ends the chunk: word, clause, sentence, paragraph, chapter, end.")
    chapter: int = Field(description="Index of its chapter in chapters.")
    start: int = Field(description="Code point offset in the text of the first sentence it reads.")
    end: int = Field(description="Code point offset just past the last sentence it reads (or part of).")


class PreviewChapter(BaseModel):
    title: str | None = Field(description="None for text before the first heading.")
    first_chunk: int
    characters: int = Field(description="Characters the voice will read in this chapter.")


class PreviewOut(BaseModel):
    voice: str
    characters: int = Field(description="Characters submitted.")
    spoken_characters: int = Field(description="Characters the voice will read, after normalization.")
    estimated_seconds: float = Field(description="Audio length estimate from the voice's speaking rate.")
    chapters: list[PreviewChapter]
    chunks: list[PreviewChunk]
    warnings: list[TextWarning]


@router.post(
    "/preview",
    response_model=PreviewOut,
    responses={422: {"model": ErrorResponse}, 413: {"model": ErrorResponse}},
)
def preview(body: PreviewRequest, services: ServicesDep, tenant: TenantDep) -> PreviewOut:
    """How numbers, dates and abbreviations will be read, what the voice cannot say, and the chapters."""
    settings = services.settings
    voice = voice_or_422(services, body.voice, tenant.id)
    check_characters(body.text, "text")
    params = voice.params
    prepared = prepare(
        body.text,
        params.max_chunk_chars or settings.chunk_max_chars,
        voice.characters,
        sentence_per_chunk=body.subtitles,
        markdown=body.text_format == "markdown",
        read_titles=body.read_chapter_titles,
    )
    sentence_ms, paragraph_ms = pauses_for(params, settings)
    pauses = sum(pause_after(c.boundary, sentence_ms, paragraph_ms) for c in prepared.chunks) / 1000
    spoken = [0] * len(prepared.chapters)
    for chunk in prepared.chunks:
        spoken[chunk.chapter] += len(chunk.text)
    return PreviewOut(
        voice=voice.id,
        characters=len(body.text),
        spoken_characters=prepared.characters,
        estimated_seconds=round(prepared.characters / params.chars_per_second + pauses, 1),
        chapters=[
            PreviewChapter(title=plan.title, first_chunk=plan.first_chunk, characters=characters)
            for plan, characters in zip(prepared.chapters, spoken, strict=True)
        ],
        chunks=[
            PreviewChunk(
                index=c.index,
                text=c.text,
                paragraph=c.paragraph,
                boundary=c.boundary.value,
                chapter=c.chapter,
                start=c.start,
                end=c.end,
            )
            for c in prepared.chunks
        ],
        warnings=prepared.warnings,
    )
