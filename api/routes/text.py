"""Text preview: the text as a voice will read it, before anything is rendered.

The preview takes every job option that changes how text is read, and reads the text the way the worker
will (kontho.text.frontend.prepare with the same arguments), so its chapters and chunks are the job's.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantDep, require_tenant
from api.deps import ServicesDep, voice_or_422
from api.dialogue import speaker_voices
from api.ingest import check_characters, spoken_text
from api.lexicon_choice import job_lexicons
from api.models import TEXT_CHARACTERS_PATTERN, ErrorResponse
from kontho.jobspec import VOICE_ID_PATTERN, LexiconNames, SpeakerMark, Speakers, TextFormat
from kontho.lexicon import LexiconSet
from kontho.schemas import TextWarning
from kontho.text.chunking import Chunk
from kontho.text.frontend import VoiceReading, pauses_for, prepare, silence_after
from kontho.text.ssml import looks_like_ssml
from kontho.voices import Voice

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
    text_format: TextFormat | None = Field(
        default=None,
        description="As for a job: markdown reads # and ## headings as chapters and no Markdown mark aloud; "
        "ssml reads the SSML subset. Default: ssml for text that starts with <speak>, else plain.",
    )
    lexicons: LexiconNames = Field(
        default=(), description="As for a job: the tenant's lexicons to apply, in order."
    )
    speakers: Speakers = Field(
        default_factory=dict, description="As for a job: dialogue speaker name → voice id."
    )
    speaker_mark: SpeakerMark = Field(default=":", description="As for a job.")
    speed: float = Field(default=1.0, ge=0.8, le=1.3, description="As for a job: the speaking rate.")
    read_chapter_titles: bool = Field(
        default=True, strict=True, description="As for a job: read each chapter's heading aloud."
    )
    subtitles: bool = Field(
        default=False, strict=True, description="As for a job: with subtitles no two sentences share a chunk."
    )


class PreviewLexiconUse(BaseModel):
    lexicon: str
    grapheme: str = Field(description="The written form that matched.")
    reads: str = Field(description="What is read instead: the alias, or the phonemes.")


class PreviewChunk(BaseModel):
    index: int
    text: str = Field(description="Exactly what the voice will be given.")
    paragraph: int
    boundary: str = Field(
        description="What ends the chunk: word, clause, sentence, paragraph, turn (another speaker "
        "follows), chapter, end."
    )
    chapter: int = Field(description="Index of its chapter in chapters.")
    start: int = Field(
        description="Code point offset in the text of the first sentence it reads (for SSML: in the "
        "document's text content)."
    )
    end: int = Field(description="Code point offset just past the last sentence it reads (or part of).")
    pause_after_ms: int = Field(description="Silence after it: its boundary's, or an SSML break's.")
    pause_before_ms: int = Field(default=0, description="Silence before it (an SSML break before any words).")
    rate: float = Field(default=1.0, description="Speaking rate (SSML prosody): 1 is the voice's own.")
    marks: list[str] = Field(default_factory=list, description="SSML marks at its start.")
    lexicon_entries: list[PreviewLexiconUse] = Field(
        default_factory=list, description="Lexicon entries applied in the sentences it reads."
    )
    speaker: str | None = Field(default=None, description="The dialogue speaker who reads it, if any.")
    voice: str = Field(description="The voice that reads it.")


class PreviewChapter(BaseModel):
    number: int = Field(description="Its number among the text's chapters, as a job's chapters names it.")
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
    text_format: TextFormat = body.text_format or ("ssml" if looks_like_ssml(body.text) else "plain")
    spoken_text(body.text, text_format, "text")  # a 422 at the line and column of invalid SSML
    lexicons = job_lexicons(services, tenant.id, body.lexicons)
    cast = speaker_voices(services, tenant.id, body.text, text_format, body.speakers)
    params = voice.params
    prepared = prepare(
        body.text,
        params.max_chunk_chars or settings.chunk_max_chars,
        voice.characters,
        sentence_per_chunk=body.subtitles,
        text_format=text_format,
        read_titles=body.read_chapter_titles,
        lexicons=LexiconSet(lexicons) if lexicons else None,
        reads_phonemes=voice.reads_phonemes,
        speakers=body.speakers,
        speaker_mark=body.speaker_mark,
        speaker_voices={v.id: VoiceReading(v.characters, v.reads_phonemes) for v in cast.values()},
    )
    sentence_ms, paragraph_ms = pauses_for(params, settings)
    after = [silence_after(c, sentence_ms, paragraph_ms) for c in prepared.chunks]
    pauses = (sum(after) + sum(c.pause_before_ms for c in prepared.chunks)) / 1000
    reading = sum(_seconds(c, cast.get(c.voice or "", voice), body.speed) for c in prepared.chunks)
    spoken = [0] * len(prepared.chapters)
    for chunk in prepared.chunks:
        spoken[chunk.chapter] += len(chunk.text)
    return PreviewOut(
        voice=voice.id,
        characters=len(body.text),
        spoken_characters=prepared.characters,
        estimated_seconds=round(reading + pauses, 1),
        chapters=[
            PreviewChapter(
                number=plan.number, title=plan.title, first_chunk=plan.first_chunk, characters=characters
            )
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
                pause_after_ms=pause,
                pause_before_ms=c.pause_before_ms,
                rate=c.rate,
                marks=[*c.marks, *c.marks_after],
                speaker=c.speaker,
                voice=c.voice or voice.id,
                lexicon_entries=[
                    PreviewLexiconUse(lexicon=u.lexicon, grapheme=u.grapheme, reads=u.reads)
                    for u in c.lexicon
                ],
            )
            for c, pause in zip(prepared.chunks, after, strict=True)
        ],
        warnings=prepared.warnings,
    )


def _seconds(chunk: Chunk, voice: Voice, speed: float) -> float:
    """How long the chunk takes to say: its voice's pace at the chunk's, the voice's and the job's rate."""
    return len(chunk.text) / (voice.params.chars_per_second * chunk.rate * voice.params.speed * speed)
