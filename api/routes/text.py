"""Text preview: the text as a voice will read it, before anything is rendered.

The preview takes every job option that changes how text is read, and reads the text the way the worker
will (kontho.text.frontend.prepare with the same arguments), so its chapters and chunks are the job's.
An upload is read by the code a job's submit reads it with (api.ingest.read_upload), under the job's
limits; a whole book then has thousands of chunks, so its answer lists every chapter but only the first
chunks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantDep, require_tenant
from api.deps import Services, ServicesDep, voice_or_422
from api.dialogue import speaker_voices
from api.errors import ApiError
from api.ingest import JobInput, check_characters, check_size, read_upload, spoken_text
from api.lexicon_choice import job_lexicons
from api.models import TEXT_CHARACTERS_PATTERN, ErrorBody, ErrorResponse, string_branch
from kontho.ids import ID_PATTERN
from kontho.jobspec import VOICE_ID_PATTERN, LexiconNames, SpeakerMark, Speakers, TextFormat
from kontho.lexicon import LexiconSet
from kontho.schemas import TextWarning
from kontho.text.chunking import Chunk
from kontho.text.frontend import VoiceReading, pauses_for, prepare, silence_after
from kontho.text.ssml import looks_like_ssml
from kontho.voices import Voice

router = APIRouter(prefix="/v1/text", tags=["text"], dependencies=[Depends(require_tenant)])

_PREVIEW_MAX_CHARS = 100_000
UPLOAD_CHUNKS_LISTED = 200
"""How many chunks an upload's preview lists, from the first: enough to check how a book opens is read,
and at the default chunk size (400 characters) no more text than an inline preview's largest answer, however
long the book."""
_ONE_INPUT = "give exactly one of text (inline) and upload (an upload id)"


def _state_text(field: dict[str, Any]) -> None:
    # Stated, not enforced: check_characters refuses them with the character and its position.
    string_branch(field)["pattern"] = TEXT_CHARACTERS_PATTERN


def _state_one_input(schema: dict[str, Any]) -> None:
    # Exactly one of text and upload (a null counts as absent), which the route enforces naming the field.
    schema["oneOf"] = [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("text", "upload")
    ]


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_state_one_input)

    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=_PREVIEW_MAX_CHARS,
        description="The text to check; or `upload`. Control characters other than tabs and line breaks, "
        "and lone surrogates, are refused.",
        json_schema_extra=_state_text,
    )
    upload: str | None = Field(
        default=None,
        max_length=64,
        # Stated, not enforced: an id of any other form is refused as an upload that does not exist.
        json_schema_extra={"anyOf": [{"type": "string", "pattern": ID_PATTERN}, {"type": "null"}]},
        description="Or the id of an upload (POST /v1/uploads), as a job names it: an EPUB, Markdown or "
        "text book, read as its job reads it and under a job's limits, not the inline text's. Its errors "
        f"are the job's; the answer lists every chapter and the first {UPLOAD_CHUNKS_LISTED} chunks.",
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
        "ssml reads the SSML subset. Default: ssml for text that starts with <speak>, else plain; an "
        "upload's content type for an upload (not for an EPUB, whose chapters are its table of contents).",
    )
    skip_front_matter: bool = Field(
        default=True,
        strict=True,
        description="As for a job: an EPUB upload's cover, title page, copyright page and contents are "
        "left out.",
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
    text_format: TextFormat = Field(description="How the text was read (an EPUB's: markdown).")
    title: str | None = Field(default=None, description="An EPUB's title, as a job's tags take it.")
    author: str | None = Field(default=None, description="An EPUB's author.")
    characters: int = Field(description="Characters submitted (an EPUB's: of the text read from it).")
    spoken_characters: int = Field(description="Characters the voice will read, after normalization.")
    estimated_seconds: float = Field(description="Audio length estimate from the voice's speaking rate.")
    chapters: list[PreviewChapter] = Field(
        description="Every chapter, numbered as a job's chapters name them."
    )
    chunks: list[PreviewChunk] = Field(
        description="Every chunk of inline text. For an upload only the first "
        f"{UPLOAD_CHUNKS_LISTED}: the list is cut there, and a chapter's first_chunk may lie past it."
    )
    chunks_total: int = Field(description="How many chunks the text has, listed or not.")
    warnings: list[TextWarning]


@router.post(
    "/preview",
    response_model=PreviewOut,
    # 503: storage out, or (an EPUB upload) every EPUB reading slot taken.
    responses={code: {"model": ErrorResponse} for code in (401, 413, 422, 429, 503)},
)
def preview(body: PreviewRequest, services: ServicesDep, tenant: TenantDep) -> PreviewOut:
    """How numbers, dates and abbreviations will be read, what the voice cannot say, and the chapters."""
    settings = services.settings
    voice = voice_or_422(services, body.voice, tenant.id)
    source = _source(body, services, tenant.id)
    text, text_format = source.text, source.text_format
    field = "text" if source.upload is None else "upload"
    check_characters(text, field)
    spoken_text(text, text_format, field)  # a 422 at the line and column of invalid SSML
    if source.upload is not None:
        check_size(text, text_format, field, settings)  # the job's limits: inline text has its own
    lexicons = job_lexicons(services, tenant.id, body.lexicons)
    cast = speaker_voices(services, tenant.id, text, text_format, body.speakers)
    params = voice.params
    prepared = prepare(
        text,
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
    listed = len(prepared.chunks) if source.upload is None else UPLOAD_CHUNKS_LISTED
    return PreviewOut(
        voice=voice.id,
        text_format=text_format,
        title=source.title,
        author=source.author,
        characters=len(text),
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
            for c, pause in zip(prepared.chunks[:listed], after, strict=False)
        ],
        chunks_total=len(prepared.chunks),
        warnings=prepared.warnings,
    )


def _source(body: PreviewRequest, services: Services, tenant: str) -> JobInput:
    """The text to read, inline or from an upload as its job would read it; a 422 naming the field when
    the request gives neither or both."""
    if body.upload is not None and body.text is None:
        return read_upload(services, body.upload, tenant, body.text_format, body.skip_front_matter)
    if body.text is None or body.upload is not None:
        both = body.text is not None
        message = f"{_ONE_INPUT}; {'both were' if both else 'neither was'} given"
        field = "upload" if both else "text"
        raise ApiError(422, ErrorBody(code="invalid_request", field=field, message=message))
    text_format = body.text_format or ("ssml" if looks_like_ssml(body.text) else "plain")
    return JobInput(body.text, text_format, None, None, None)


def _seconds(chunk: Chunk, voice: Voice, speed: float) -> float:
    """How long the chunk takes to say: its voice's pace at the chunk's, the voice's and the job's rate."""
    return len(chunk.text) / (voice.params.chars_per_second * chunk.rate * voice.params.speed * speed)
