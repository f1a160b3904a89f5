"""The tags a job's M4B or MP3 carries, gathered from its record and the cover stored at submit."""

from __future__ import annotations

from kontho import keys
from kontho.covers import COVER_TYPES
from kontho.jobstore import JobStore
from kontho.schemas import JobRecord
from worker.audio.tags import BookTags, Cover


def book_tags(store: JobStore, record: JobRecord, chapters: list[tuple[str, int, int]]) -> BookTags:
    """Title, author, narrator (the voice's id), year, cover and chapters for ``tag_audiobook``."""
    cover = None
    for content_type, extension in COVER_TYPES.values():
        data = store.get_bytes(keys.job_cover(record.tenant, record.id, extension))
        if data is not None:
            cover = Cover(data, content_type)
            break
    spec = record.spec
    return BookTags(
        title=spec.title,
        author=spec.author,
        narrator=spec.voice,
        year=spec.year,
        cover=cover,
        chapters=chapters,
    )
