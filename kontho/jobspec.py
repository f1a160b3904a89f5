"""What a job asks for, defined once: the API's request, the stored record and the worker all read this.

``JobOptions`` is what a client may send; ``JobSpec`` is the same options once the API has resolved them
at submit time (the voice chosen, the text format decided, an EPUB's title and author filled in). The
record carries the ``JobSpec`` whole and the worker reads it whole, so a new option is a field here, the
code that uses it, and a test.

Only structural limits live here: they hold for every stored record. Policy that may tighten over time
(which webhook addresses are allowed, which voices a tenant may use) is checked by the API at submit
time, so a record stored under an older policy still reads.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from kontho.ids import ID_PATTERN


class AudioFormat(StrEnum):
    MP3 = "mp3"
    WAV = "wav"
    FLAC = "flac"
    OGG = "ogg"  # Opus in an Ogg container
    M4B = "m4b"  # AAC in MP4, with chapter markers: the audiobook format

    @property
    def content_type(self) -> str:
        return {
            AudioFormat.MP3: "audio/mpeg",
            AudioFormat.WAV: "audio/wav",
            AudioFormat.FLAC: "audio/flac",
            AudioFormat.OGG: "audio/ogg",
            AudioFormat.M4B: "audio/mp4",
        }[self]


class Loudness(StrEnum):
    """Loudness presets: EBU R128 integrated loudness, true peak at most -1.5 dBTP."""

    AUDIOBOOK = "audiobook"  # -18 LUFS
    PODCAST = "podcast"  # -16 LUFS
    OFF = "off"


TextFormat = Literal["plain", "markdown", "ssml"]

VOICE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
LEXICON_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
MAX_SPEAKERS = 16
MAX_SPEAKER_NAME = 64
SpeakerMark = Literal[":", "—", "-"]
MAX_LEXICONS_PER_JOB = 5
"""As AWS Polly: a job names at most five lexicons."""
MAX_TITLE_LENGTH = 300
MAX_WEBHOOK_URL_LENGTH = 2048


def _lexicon_names(names: tuple[str, ...]) -> tuple[str, ...]:
    for name in names:
        if not re.fullmatch(LEXICON_NAME_PATTERN, name):
            raise ValueError(f"{name[:80]!r} is not a lexicon name (lowercase letters, digits, . _ -)")
    if len(set(names)) != len(names):
        raise ValueError("a lexicon is named twice")
    return names


LexiconNames = Annotated[
    tuple[str, ...],
    Field(
        max_length=MAX_LEXICONS_PER_JOB,
        json_schema_extra={"uniqueItems": True, "items": {"type": "string", "pattern": LEXICON_NAME_PATTERN}},
    ),
    AfterValidator(_lexicon_names),
]
"""Names of a tenant's lexicons, in the order they apply: at most five, each once."""


def _speaker_map(speakers: dict[str, str]) -> dict[str, str]:
    for name, voice in speakers.items():
        if not name or len(name) > MAX_SPEAKER_NAME or name[0] in " \t\n\r:—-":
            raise ValueError(
                f"speaker name {name[:80]!r} must be 1–{MAX_SPEAKER_NAME} characters, not starting with a "
                "space or a speaker mark"
            )
        if not re.fullmatch(VOICE_ID_PATTERN, voice):
            raise ValueError(f"speaker {name!r}: {voice[:80]!r} is not a voice id")
    return speakers


Speakers = Annotated[
    dict[str, str],
    Field(
        max_length=MAX_SPEAKERS,
        json_schema_extra={
            "propertyNames": {"minLength": 1, "maxLength": MAX_SPEAKER_NAME, "pattern": r"^[^ \t\n\r:—-]"},
            "additionalProperties": {"type": "string", "pattern": VOICE_ID_PATTERN, "maxLength": 64},
        },
    ),
    AfterValidator(_speaker_map),
]
"""Dialogue speakers: name → voice id."""


MAX_CHAPTER_PICKS = 500
_CHAPTER_RANGE = r"^[1-9][0-9]{0,5}-[1-9][0-9]{0,5}$"


def chapter_numbers(selection: tuple[int | str, ...]) -> frozenset[int]:
    """The chapter numbers (from 1) a selection names: numbers, and ranges "7-9" with both ends in."""
    numbers: set[int] = set()
    for pick in selection:
        if isinstance(pick, int):
            numbers.add(pick)
        else:
            first, last = (int(end) for end in pick.split("-"))
            numbers.update(range(first, last + 1))
    return frozenset(numbers)


def _chapter_picks(selection: tuple[int | str, ...]) -> tuple[int | str, ...]:
    for pick in selection:
        if isinstance(pick, int) and pick < 1:
            raise ValueError(f"{pick!r} is not a chapter number (they start at 1)")
        if isinstance(pick, str):
            if not re.fullmatch(_CHAPTER_RANGE, pick):
                raise ValueError(f'{pick[:40]!r} is not a chapter range like "7-9"')
            first, last = (int(end) for end in pick.split("-"))
            if first > last:
                raise ValueError(f"chapter range {pick!r} runs backwards")
    return selection


def _not_a_bool(value: object) -> object:
    # JSON's true is no chapter number, though Python would take it for 1; 3.0 is JSON's 3.
    if isinstance(value, bool):
        raise ValueError("a chapter number is an integer, not true or false")
    return value


ChapterSelection = Annotated[
    tuple[Annotated[int, BeforeValidator(_not_a_bool)] | Annotated[str, Strict()], ...],
    Field(
        max_length=MAX_CHAPTER_PICKS,
        json_schema_extra={
            "items": {
                "anyOf": [
                    {"type": "integer", "minimum": 1},
                    {"type": "string", "pattern": _CHAPTER_RANGE},
                ]
            }
        },
    ),
    AfterValidator(_chapter_picks),
]
"""Chapters to render, by their numbers in the text preview: 3, or "7-9"."""


class JobOptions(BaseModel):
    """How a job is to be read and delivered; every field has a default. Booleans are strict: JSON's
    true and false only, as the schema says, never 0, 1 or "yes"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voice: str | None = Field(
        default=None,
        max_length=64,
        pattern=VOICE_ID_PATTERN,
        description="Voice id (GET /v1/voices); the default voice if absent.",
    )
    format: AudioFormat = Field(default=AudioFormat.MP3, description="Audio format of the result.")
    title: str | None = Field(
        default=None, max_length=MAX_TITLE_LENGTH, description="Title stored in the audio's metadata."
    )
    author: str | None = Field(
        default=None, max_length=MAX_TITLE_LENGTH, description="Author, in the audio's metadata."
    )
    subtitles: bool = Field(
        default=False,
        strict=True,
        description="Also produce SRT and WebVTT subtitles and JSON sentence marks.",
    )
    text_format: TextFormat | None = Field(
        default=None,
        description="markdown: # and ## headings start chapters; ssml: the SSML subset in the README; plain: "
        "see the README. Default: ssml for text that starts with <speak>, else plain; the upload's content "
        "type for an upload (an EPUB's chapters come from its table of contents).",
    )
    skip_front_matter: bool = Field(
        default=True,
        strict=True,
        description="EPUB: leave out the cover, title page, copyright page and contents.",
    )
    read_chapter_titles: bool = Field(
        default=True, strict=True, description="Read each chapter's heading aloud."
    )
    chapter_files: bool = Field(default=False, strict=True, description="Also one audio file per chapter.")
    chapters: ChapterSelection = Field(
        default=(),
        description='Render only these chapters, by their numbers in the text preview: [3, 5, "7-9"]. All '
        "when empty.",
    )
    reuse: bool = Field(
        default=True,
        strict=True,
        description="Reuse chunks the tenant's earlier jobs rendered with the same text, voice and settings "
        "(the audio is identical); false renders every chunk afresh.",
    )
    loudness: Loudness = Field(
        default=Loudness.AUDIOBOOK,
        description="audiobook: -18 LUFS; podcast: -16 LUFS (true peak -1.5 dBTP); off: as rendered.",
    )
    lexicons: LexiconNames = Field(
        default=(),
        description="Names of the tenant's pronunciation lexicons (PUT /v1/lexicons/{name}) to apply, in "
        "order: at each place the longest written form matches; between equally long ones the earlier "
        "lexicon wins.",
    )
    speed: float = Field(
        default=1.0,
        ge=0.8,
        le=1.3,
        description="Speaking rate for the whole job: 0.8 slower … 1.3 faster (VITS length scale, espeak-ng "
        "words per minute); times the voice's own speed and any SSML prosody rate.",
    )
    speakers: Speakers = Field(
        default_factory=dict,
        description="Dialogue: speaker name → voice id. A paragraph that starts with a name here and the "
        "speaker mark (রহিম: …) is read by that voice, without its label; in SSML, <voice name> names a "
        "speaker here or a voice id. Other paragraphs are read by the job's voice.",
    )
    speaker_mark: SpeakerMark = Field(
        default=":",
        description="What follows a speaker's name at the start of a paragraph: ':' (রহিম: কথা), '—' or '-'.",
    )
    webhook_url: str | None = Field(
        default=None,
        max_length=MAX_WEBHOOK_URL_LENGTH,
        pattern=r"^[hH][tT][tT][pP][sS]?://",
        description="Receives a signed POST when the job completes, fails or is cancelled (see the README).",
    )
    year: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}$",
        description="Year in the M4B's and MP3's tags; an EPUB's dc:date if absent.",
    )
    cover_upload: str | None = Field(
        default=None,
        max_length=64,
        # Stated, not enforced: an id of any other form is refused as an upload that does not exist.
        json_schema_extra={"anyOf": [{"type": "string", "pattern": ID_PATTERN}, {"type": "null"}]},
        description="Id of an upload (POST /v1/uploads) holding a JPEG or PNG cover for the M4B's and MP3's "
        "tags; it wins over an EPUB's own cover.",
    )


class JobSpec(JobOptions):
    """The options as the job runs them: resolved once, at submit, and never changed after."""

    voice: str = Field(max_length=64, description="The voice the job is read with.")
    text_format: TextFormat = Field(
        default="plain",
        description="How the stored text is read: plain, Markdown headings as chapters, or SSML.",
    )
    lexicon_versions: dict[str, str] = Field(
        default_factory=dict,
        description="The digest of each lexicon as the job read it: a retried or resumed job reads the "
        "same entries, whatever has changed since.",
    )
