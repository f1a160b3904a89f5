"""The S3 key layout: every object kontho stores, in one place.

```
jobs/{id}/job.json        the job record: request, status, progress, result
jobs/{id}/input.txt       the submitted text, UTF-8
jobs/{id}/audio.{ext}     the finished programme
jobs/{id}/chunks/{digest}.wav   one rendered chunk, named by what produced it (resume checkpoints)
jobs/{id}/subtitles.srt, subtitles.vtt, marks.json, manifest.json   timings and the artifact list
jobs/{id}/chapters/{nnnn}.{ext}   one file per chapter, when the job asks
jobs/{id}/cancel          present once the job was cancelled: the worker stops at its next chunk
uploads/{id}/upload.json  an upload's record: content type, declared size, expiry
uploads/{id}/file         the uploaded file (an EPUB, a text or Markdown file), PUT by the client
idempotency/{tenant}/{sha256 of the key}.json   which job an Idempotency-Key created (conditional write)
```
"""

from __future__ import annotations

import hashlib
import re

from kontho.ids import is_job_id

_TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _folder(kind: str, object_id: str) -> str:
    # A malformed id must never become a key: ids reach here from URLs and queue messages.
    if not is_job_id(object_id):  # uploads use the same id scheme as jobs
        raise ValueError(f"not a {kind} id: {object_id[:40]!r}")
    return f"{kind}s/{object_id}/"


def _prefix(job_id: str) -> str:
    return _folder("job", job_id)


def job_record(job_id: str) -> str:
    return _prefix(job_id) + "job.json"


def job_input(job_id: str) -> str:
    return _prefix(job_id) + "input.txt"


def job_audio(job_id: str, extension: str) -> str:
    return _prefix(job_id) + f"audio.{extension}"


def job_chunks_prefix(job_id: str) -> str:
    return _prefix(job_id) + "chunks/"


def job_chunk(job_id: str, digest: str) -> str:
    if not digest.isalnum():
        raise ValueError(f"not a chunk digest: {digest[:40]!r}")
    return job_chunks_prefix(job_id) + f"{digest}.wav"


_FILE_NAMES = frozenset({"subtitles.srt", "subtitles.vtt", "marks.json", "manifest.json", "cancel"})


def job_file(job_id: str, name: str) -> str:
    if name not in _FILE_NAMES:
        raise ValueError(f"not a job file: {name!r}")
    return _prefix(job_id) + name


def job_chapter_audio(job_id: str, chapter: int, extension: str) -> str:
    """``chapter`` counts from 1."""
    return _prefix(job_id) + f"chapters/{chapter:04d}.{extension}"


def upload_record(upload_id: str) -> str:
    return _folder("upload", upload_id) + "upload.json"


def upload_file(upload_id: str) -> str:
    return _folder("upload", upload_id) + "file"


def idempotency(tenant: str, key: str) -> str:
    """The key is hashed: it is the client's string, of any characters, and must never shape a path."""
    if not _TENANT.match(tenant):
        raise ValueError(f"not a tenant name: {tenant[:40]!r}")
    return f"idempotency/{tenant}/{hashlib.sha256(key.encode()).hexdigest()}.json"
