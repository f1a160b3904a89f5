"""Scratch folders for jobs on local disk: each held under a lock while its job runs, so the leftovers of
a worker that was killed (about 170 MB per hour of audio) can be told apart and removed at start-up."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog

from kontho.errors import TransientError

log = structlog.get_logger(__name__)

PREFIX = "kontho-"
# Only folders this module makes: the prefix, a job id, then mkdtemp's random part.
_OURS = re.compile(r"^kontho-[0-9a-hjkmnp-tv-z]{26}-[A-Za-z0-9_]+$")
_LOCK = ".lock"
# A folder without a lock file is a moment old (being created) or from an older version.
_UNLOCKED_GRACE_SECONDS = 600
_BYTES_PER_SAMPLE = 2


class ScratchSpaceExhausted(TransientError):
    """Not enough local disk for the job; another worker may have room."""

    code = "scratch_space_exhausted"


def scratch_root(work_dir: Path | None) -> Path:
    return work_dir if work_dir is not None else Path(tempfile.gettempdir())


def needed_bytes(audio_seconds: float, sample_rate: int) -> int:
    """The assembled programme, its encoded copy and a chapter cut, with room to spare."""
    return int(audio_seconds * sample_rate * _BYTES_PER_SAMPLE * 2.5)


def check_room(root: Path, needed: int, reserve: int) -> None:
    free = shutil.disk_usage(root).free
    if free - needed < reserve:
        raise ScratchSpaceExhausted(
            f"{root} has {free / 1e9:.2f} GB free; the job needs about {needed / 1e9:.2f} GB and "
            f"{reserve / 1e9:.2f} GB stays free (KONTHO_SCRATCH_RESERVE_BYTES)"
        )


@contextmanager
def job_folder(root: Path, job_id: str) -> Iterator[Path]:
    """A fresh folder for one job, locked while it is used and removed after."""
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{job_id}-", dir=root))
    lock = os.open(folder / _LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)


def _abandoned(folder: Path) -> bool:
    lock_path = folder / _LOCK
    try:
        lock = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        return time.time() - folder.stat().st_mtime > _UNLOCKED_GRACE_SECONDS
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # a live worker holds it
    finally:
        os.close(lock)
    return True


def clean_abandoned(root: Path) -> int:
    """Remove the folders of jobs whose worker died; bytes freed. Live workers' folders are locked."""
    freed = 0
    if not root.is_dir():
        return 0
    for folder in root.glob(f"{PREFIX}*"):
        try:
            if not _OURS.fullmatch(folder.name) or not folder.is_dir() or folder.is_symlink():
                continue
            if not _abandoned(folder):
                continue
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            shutil.rmtree(folder)
            freed += size
        except OSError as exc:  # another worker cleaning the same folder, or permissions
            log.warning("scratch_clean_failed", folder=str(folder), error=str(exc))
    if freed:
        log.info("scratch_cleaned", bytes=freed, root=str(root))
    return freed
