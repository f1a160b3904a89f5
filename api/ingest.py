"""A job's input, inline or uploaded, turned into the text the worker reads, with every limit checked.

EPUBs are read here, at submit time, so a file that does not parse is a 422 now rather than a failed job
later, and the worker sees one input form only: Markdown whose headings are the book's chapters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.deps import Services
from api.errors import ApiError
from api.models import CreateJobRequest, ErrorBody
from kontho import keys
from kontho.ids import is_job_id
from kontho.jobspec import TextFormat, chapter_numbers
from kontho.schemas import CLIP_CONTENT_TYPES, COVER_CONTENT_TYPES, UploadRecord
from kontho.settings import Settings
from kontho.text.epub import EpubError, EpubReadersBusy, EpubTooLong, read_epub, reading_slot
from kontho.text.epub_extras import BookExtras, read_book_extras
from kontho.text.frontend import chapter_count
from kontho.text.ssml import SsmlInvalid, looks_like_ssml, parse_ssml
from kontho.voices import Voice

# C0 controls but tab, line feed, vertical tab, form feed and carriage return; DEL; lone surrogates (which
# JSON can carry and UTF-8 cannot store).
_UNREADABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class JobInput:
    text: str
    text_format: TextFormat
    title: str | None
    author: str | None
    upload: str | None
    extras: BookExtras = field(default_factory=BookExtras)
    """An EPUB's cover and year."""


def _unprocessable(code: str, message: str, field: str = "upload") -> ApiError:
    return ApiError(422, ErrorBody(code=code, field=field, message=message))


def _too_large(code: str, field: str, what: str, limit: int) -> ApiError:
    return ApiError(413, ErrorBody(code=code, field=field, message=f"{what}; the limit is {limit:,}"))


def find_upload(services: Services, upload_id: str, tenant: str) -> UploadRecord | None:
    """The tenant's upload of that id; another tenant's, or a malformed id, is no upload at all."""
    upload = services.store.get_upload(tenant, upload_id) if is_job_id(upload_id) else None
    return upload if upload is not None and upload.tenant == tenant else None


def read_upload(
    services: Services, upload_id: str, tenant: str, text_format: TextFormat | None, skip_front_matter: bool
) -> JobInput:
    """The text of the tenant's upload as a job reads it (a job and the text preview both ask here), or an
    ``ApiError`` on field ``upload``: an id naming nothing, a file not yet PUT or too large, an EPUB that
    does not parse or whose text passes the limit, a cover, a file that is not UTF-8 text.
    ``text_format`` is the request's: refused for an EPUB, else it wins over the upload's content type."""
    settings = services.settings
    upload = find_upload(services, upload_id, tenant)
    if upload is None:
        raise _unprocessable("unknown_upload", f"no upload with id {upload_id[:64]!r}; create one first")
    size = services.store.size_of(keys.upload_file(upload.tenant, upload.id))
    if size is None:
        raise _unprocessable(
            "upload_not_received", "nothing has been PUT to this upload's URL yet; upload the file first"
        )
    if size > settings.max_upload_bytes:
        limit = settings.max_upload_bytes
        raise _too_large("upload_too_large", "upload", f"the uploaded file has {size:,} bytes", limit)
    if upload.content_type == "application/epub+zip":
        if text_format is not None:
            raise _unprocessable(
                "text_format_not_applicable",
                "an EPUB's chapters come from its table of contents; leave text_format out",
                field="text_format",
            )
        try:
            with reading_slot():  # the download too: both cost memory, the file's and its text's
                data = services.store.get_bytes(keys.upload_file(upload.tenant, upload.id)) or b""
                book = read_epub(data, skip_front_matter=skip_front_matter, max_chars=settings.max_text_chars)
                extras = read_book_extras(data, settings.max_cover_bytes)
        except EpubReadersBusy as exc:
            wait = exc.retry_after_seconds
            message = f"the server is reading as many EPUBs as it can at once; try again in {wait} seconds"
            raise ApiError(
                503, ErrorBody(code="busy", field="upload", message=message), {"Retry-After": str(wait)}
            ) from exc
        except EpubTooLong as exc:
            what = f"the EPUB's text has more than {exc.limit:,} characters (reading stopped there)"
            raise _too_large("text_too_long", "upload", what, exc.limit) from exc
        except EpubError as exc:
            raise _unprocessable("invalid_epub", f"the upload is not a readable EPUB: {exc}") from exc
        return JobInput(book.to_markdown(), "markdown", book.title, book.author, upload.id, extras)
    if upload.content_type in COVER_CONTENT_TYPES:
        raise _unprocessable(
            "upload_not_text", f"the upload is {upload.content_type}, a cover; name it as cover_upload"
        )
    if upload.content_type in CLIP_CONTENT_TYPES:
        raise _unprocessable(
            "upload_not_text",
            f"the upload is {upload.content_type}, a voice clip; name it in clips of POST /v1/voices",
        )
    data = services.store.get_bytes(keys.upload_file(upload.tenant, upload.id)) or b""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unprocessable(
            "invalid_utf8", f"the uploaded file is not UTF-8 text (byte {exc.start:,} cannot be decoded)"
        ) from exc
    if not text.strip():
        raise _unprocessable("empty_input", "the uploaded file has no text to read aloud")
    declared: TextFormat = "markdown" if upload.content_type == "text/markdown" else _plain_or_ssml(text)
    return JobInput(text, text_format or declared, None, None, upload.id)


def _plain_or_ssml(text: str) -> TextFormat:
    """Text that opens with <speak> is SSML, whoever forgot to say so."""
    return "ssml" if looks_like_ssml(text) else "plain"


def spoken_text(text: str, text_format: TextFormat, field: str) -> str:
    """The text that will be read: an SSML document's text content (a 422 at its line and column when it
    is not valid SSML), else the text itself."""
    if text_format != "ssml":
        return text
    try:
        return parse_ssml(text).text
    except SsmlInvalid as exc:
        raise _unprocessable("invalid_ssml", f"{field} is not valid SSML: {exc}", field) from exc


def check_characters(text: str, field: str) -> None:
    """Refuse what is not text at all, before it reaches storage or a JSON response."""
    bad = _UNREADABLE.search(text)
    if bad is not None:
        raise _unprocessable(
            "invalid_characters",
            f"text has U+{ord(bad.group()):04X} at character {bad.start():,}: control characters and lone "
            "surrogates are not text; only tabs and line breaks are allowed",
            field,
        )


def check_readable(text: str, field: str, voice: Voice) -> None:
    check_characters(text, field)
    speakable = (lambda ch: ch.isdigit() or ch in voice.characters) if voice.characters else str.isalnum
    if not any(speakable(ch) for ch in text):
        raise _unprocessable(
            "nothing_to_read",
            f"text has no letters or digits that voice {voice.id!r} can read aloud (only punctuation or "
            "symbols, or a script the voice does not know)",
            field,
        )


def check_size(text: str, text_format: TextFormat, field: str, settings: Settings) -> int:
    """The text's chapter count, or a 413 when the text or its chapters pass a job's limits."""
    if len(text) > settings.max_text_chars:
        what = f"text has {len(text):,} characters"
        raise _too_large("text_too_long", field, what, settings.max_text_chars)
    chapters = chapter_count(text, text_format)
    if chapters > settings.max_chapters:
        raise _too_large("too_many_chapters", field, f"text has {chapters:,} chapters", settings.max_chapters)
    return chapters


def resolve(body: CreateJobRequest, services: Services, voice: Voice, tenant: str) -> JobInput:
    """The job's text, or an ``ApiError`` naming the field and the limit it breaks."""
    if body.upload is not None:
        job_input = read_upload(services, body.upload, tenant, body.text_format, body.skip_front_matter)
        field = "upload"
    else:
        assert body.text is not None  # noqa: S101 - the request model allows exactly one of the two
        job_input = JobInput(body.text, body.text_format or _plain_or_ssml(body.text), None, None, None)
        field = "text"
    check_characters(job_input.text, field)
    check_readable(spoken_text(job_input.text, job_input.text_format, field), field, voice)
    chapters = check_size(job_input.text, job_input.text_format, field, services.settings)
    beyond = sorted(n for n in chapter_numbers(body.chapters) if n > chapters)
    if beyond:
        raise _unprocessable(
            "chapter_out_of_range",
            f"chapters: chapter {beyond[0]:,} is not in the text, which has {chapters:,} chapter"
            f"{'' if chapters == 1 else 's'} (POST /v1/text/preview numbers them)",
            "chapters",
        )
    return job_input
