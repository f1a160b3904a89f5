"""What a job leaves behind: each file described (size, SHA-256), uploaded, and listed in a manifest."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kontho.jobstore import JobStore
from kontho.schemas import Artifact, ArtifactKind, JobRecord

CONTENT_TYPES = {
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "json": "application/json",
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ArtifactFile:
    """A file a job produced, and where and as what it is stored."""

    path: Path
    key: str
    kind: ArtifactKind
    format: str
    content_type: str
    duration_seconds: float | None = None
    chapter: int | None = None


def upload(store: JobStore, file: ArtifactFile) -> Artifact:
    # The checksum is read beside the upload (hashlib lets go of the GIL): a book's audio is hundreds of
    # megabytes, and reading it twice one after the other would hold the job's end for a second or more.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="artifact-sha256") as hashing:
        digest = hashing.submit(sha256_of, file.path)
        size = store.upload_file(file.key, file.path, file.content_type)
        checksum = digest.result()
    return Artifact(
        kind=file.kind,
        format=file.format,
        key=file.key,
        bytes=size,
        sha256=checksum,
        duration_seconds=file.duration_seconds,
        chapter=file.chapter,
    )


def upload_manifest(store: JobStore, record: JobRecord, artifacts: list[Artifact], key: str) -> Artifact:
    manifest = {
        "job_id": record.id,
        "voice": record.spec.voice,
        "created_at": record.created_at.isoformat(),
        "artifacts": [a.model_dump(exclude_none=True) for a in artifacts],
    }
    body = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    store.put_bytes(key, body, "application/json")
    return Artifact(kind="manifest", format="json", key=key, bytes=len(body))
