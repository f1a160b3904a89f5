"""Saves a job's progress to S3 as it renders, at most once per interval, so status polls stay cheap."""

from __future__ import annotations

import time
from collections.abc import Callable

from kontho.jobstore import RecordChanged
from kontho.lifecycle import Claim, JobLife
from kontho.schemas import Artifact, JobRecord, Progress
from worker.stop import JobInterrupted, StopReason


class ProgressReporter:
    def __init__(
        self,
        life: JobLife,
        claim: Claim,
        interval_seconds: float,
        on_update: Callable[[], None] | None = None,
    ) -> None:
        self._life = life
        self.claim = claim
        self._on_update = on_update
        self._interval = interval_seconds
        self._last_save = 0.0
        self._started = time.monotonic()
        self._to_render = 0

    @property
    def record(self) -> JobRecord:
        """The job as this worker holds it, with progress not yet saved."""
        return self.claim.record

    @record.setter
    def record(self, record: JobRecord) -> None:
        self.claim.record = record

    def plan(self, total: int, to_render: int, chapters: int = 1) -> None:
        """The job's shape: ``to_render`` of ``total`` chunks need synthesis, the rest are cached."""
        self._started = time.monotonic()
        self._to_render = to_render
        # Chapter files an earlier attempt published are published again by this one.
        self.record = self.record.touch(artifacts=[])
        self._save(Progress(total=total, chapter=1 if total else 0, chapters=chapters), force=True)

    def update(
        self,
        done: int,
        total: int,
        *,
        reused: int = 0,
        audio_seconds: float = 0.0,
        chapter: int = 1,
        chapters: int = 1,
    ) -> None:
        rendered = done - reused
        remaining = max(0, self._to_render - rendered)
        elapsed = time.monotonic() - self._started
        eta = round(elapsed / rendered * remaining, 1) if rendered else None
        self._save(
            Progress(
                done=done,
                total=total,
                reused=reused,
                chapter=chapter,
                chapters=chapters,
                audio_seconds=round(audio_seconds, 2),
                eta_seconds=0.0 if done == total else eta,
            ),
            force=done == total,
        )

    def chapter_ready(self, artifact: Artifact) -> None:
        """A chapter's file is published: listed in the record at once, for the result to offer."""
        self.record = self.record.touch(artifacts=[*self.record.artifacts, artifact])
        self.save()

    def synthesized(self, characters: int, seconds: float) -> None:
        """Count what the voices rendered (not reused) in the job's usage; saved with the progress."""
        usage = self.record.usage
        total = usage.characters_synthesized + characters
        busy = round(usage.synthesis_seconds + seconds, 3)
        updated = usage.model_copy(update={"characters_synthesized": total, "synthesis_seconds": busy})
        self.record = self.record.model_copy(update={"usage": updated})

    def alive(self) -> None:
        """The job is moving, though not from chunk to chunk (its encoder is finishing, say)."""
        if self._on_update is not None:
            self._on_update()

    def _save(self, progress: Progress, force: bool) -> None:
        self.alive()
        self.record = self.record.touch(progress=progress)
        now = time.monotonic()
        if force or now - self._last_save >= self._interval:
            self.save()
            self._last_save = now

    def save(self) -> None:
        """Write the record as held over the version this worker last wrote. If anyone else wrote in
        between (a second worker took the job, a cancel while queued, an erase), this worker has lost the
        job: ``JobInterrupted(LOST)``, and it must neither write nor acknowledge anything more."""
        try:
            self._life.progress(self.claim, self.record)
        except RecordChanged as exc:
            raise JobInterrupted(StopReason.LOST) from exc
