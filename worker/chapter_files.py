"""One audio file per chapter, published while the rest of the book renders.

An editor reviews chapter 1 while chapter 20 is still being read: as soon as a chapter's last chunk is in
the programme and the programme's gain is decided (from its opening, see ``worker.audio.master``), the
chapter is cut from the programme's WAV, sample-exact, encoded with that gain in a thread of its own,
uploaded, and listed in the job's record, where ``GET /v1/jobs/{id}/result`` finds it. A chapter that ends
before the gain is decided waits for it. In the rare programme whose loudness forces a second mastering
pass, every chapter is encoded again with the final gain before the job completes, so the chapter files
always match the whole book.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

from kontho import keys
from kontho.jobspec import AudioFormat
from kontho.jobstore import JobStore
from kontho.schemas import Artifact
from worker.artifacts import ArtifactFile, upload
from worker.audio.encode import CHAPTERED
from worker.audio.limiter import Gain
from worker.audio.stream import StreamingEncoder
from worker.audio.tags import BookTags, tag_audiobook


@dataclass(frozen=True)
class ChapterSpan:
    number: int
    """From 1, in the job's output (not the book's numbering when chapters were selected)."""
    title: str
    start: int
    end: int
    """Frames of the programme."""


class ChapterFiles:
    def __init__(
        self,
        store: JobStore,
        tenant: str,
        job_id: str,
        programme: Path,
        data_offset: int,
        sample_rate: int,
        fmt: AudioFormat,
        mp3_bitrate: str,
        folder: Path,
        tags: BookTags,
        chapters: int,
        processes: int = 1,
    ) -> None:
        self._processes = processes
        self._store = store
        self._tenant = tenant
        self._job_id = job_id
        self._programme = programme
        self._data_offset = data_offset
        self._rate = sample_rate
        self._fmt = fmt
        self._mp3_bitrate = mp3_bitrate
        self._folder = folder
        self._tags = tags
        self._chapters = chapters
        self._waiting: list[ChapterSpan] = []
        self._running: list[tuple[Future[Artifact], Gain | None]] = []
        self._published: dict[int, tuple[Artifact, Gain | None]] = {}
        # One encoder at a time: the chapters share the cores with synthesis and the whole book's encoder.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chapter-files")

    def __enter__(self) -> ChapterFiles:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def finished(self, chapter: ChapterSpan) -> None:
        """``chapter``'s audio is all in the programme on disk (flushed)."""
        self._waiting.append(chapter)

    def publish_ready(self, gain: Gain | None, gain_decided: bool) -> list[Artifact]:
        """Start the waiting chapters once the gain is decided; return the chapters published since the
        last call, in order (raises what a failed encode or upload raised)."""
        if gain_decided:
            for chapter in self._waiting:
                self._running.append((self._pool.submit(self._publish, chapter, gain), gain))
            self._waiting = []
        done = [(f, used) for f, used in self._running if f.done()]
        self._running = [(f, used) for f, used in self._running if not f.done()]
        fresh = []
        for future, used in done:
            artifact = future.result()
            self._published[artifact.chapter or 0] = (artifact, used)
            fresh.append(artifact)
        return sorted(fresh, key=lambda a: a.chapter or 0)

    def complete(self, chapters: list[ChapterSpan], gain: Gain | None) -> list[Artifact]:
        """Every chapter's file with the final gain: those published with it are kept, the rest encoded."""
        for future, _ in self._running:
            future.result()
        self.publish_ready(gain, gain_decided=False)
        artifacts = []
        for chapter in chapters:
            published = self._published.get(chapter.number)
            if published is None or published[1] != gain:
                published = (self._publish(chapter, gain), gain)
            artifacts.append(published[0])
        return artifacts

    def _publish(self, chapter: ChapterSpan, gain: Gain | None) -> Artifact:
        fmt = self._fmt
        path = self._folder / f"chapter-{chapter.number}.{fmt.value}"
        # The chapter's samples of the programme, through the same gain and limiter as the whole.
        with StreamingEncoder(
            self._programme,
            self._data_offset + 2 * chapter.start,
            self._rate,
            path,
            fmt,
            mp3_bitrate=self._mp3_bitrate,
            gain=gain,
            title=chapter.title,
            measure=False,
            processes=self._processes,
        ) as encoder:
            encoder.advance(chapter.end - chapter.start)
            encoder.finish()
        try:
            if fmt in CHAPTERED:
                # The chapter as a track of the book: its own title, the book's as album, cover and all.
                book = self._tags
                track = (chapter.number, self._chapters)
                tag_audiobook(path, fmt, replace(book, title=chapter.title, album=book.title, track=track))
            return upload(
                self._store,
                ArtifactFile(
                    path,
                    keys.job_chapter_audio(self._tenant, self._job_id, chapter.number, fmt.value),
                    "chapter_audio",
                    fmt.value,
                    fmt.content_type,
                    duration_seconds=round((chapter.end - chapter.start) / self._rate, 3),
                    chapter=chapter.number,
                ),
            )
        finally:
            path.unlink(missing_ok=True)
