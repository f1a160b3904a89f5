"""One job, start to finish: text → chunks → audio on local disk → encoded file in S3."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from kontho import chunk_list, keys, metrics
from kontho.errors import InvalidJob
from kontho.job_lexicons import load_snapshot
from kontho.jobspec import AudioFormat, chapter_numbers
from kontho.jobstore import JobStore
from kontho.schemas import Artifact, ArtifactKind, AudioResult, JobRecord
from kontho.settings import Settings
from kontho.tenant_voices import TenantVoiceStore
from kontho.tenants import ReloadingDirectory, TenantDirectory
from kontho.text.frontend import PreparedText, pauses_for, prepare, silence_after
from kontho.text.numbers import to_bangla_digits
from kontho.text.speakers import voices_named
from kontho.text.ssml import SsmlInvalid
from kontho.voice_resolver import VoiceResolver
from kontho.voices import Voice, VoiceCatalog
from worker import scratch
from worker.artifacts import CONTENT_TYPES, ArtifactFile, upload, upload_manifest
from worker.audio.assemble import WavAssembler
from worker.audio.encode import CHAPTERED, add_metadata, write_chapters
from worker.audio.master import Master, Mastered
from worker.audio.segments import encoder_processes
from worker.audio.tags import tag_audiobook
from worker.book_tags import book_tags
from worker.cast import Cast
from worker.chapter_files import ChapterFiles, ChapterSpan
from worker.chunk_cache import ChunkCache
from worker.engines import Engine, chunk_limit, load_engine
from worker.prefetch import Ahead
from worker.progress import ProgressReporter
from worker.stop import NEVER, StopCheck
from worker.timings import TimingWriter

log = structlog.get_logger(__name__)


class EngineCache:
    """Engines loaded once per process and kept for every later job of the same voice."""

    def __init__(self, catalog: VoiceCatalog, settings: Settings) -> None:
        self.catalog = catalog
        self._settings = settings
        self._engines: dict[str, Engine] = {}

    def get(self, voice_id: str) -> Engine:
        """The engine of a voice loaded before (a tenant's cloned voice too), else of a catalog voice."""
        engine = self._engines.get(voice_id)
        return engine if engine is not None else self.engine_for(self.catalog.get(voice_id))

    def engine_for(self, voice: Voice) -> Engine:
        """``voice``'s engine. Kept by voice id: a cloned voice's id is never reused for other clips."""
        engine = self._engines.get(voice.id)
        if engine is None:
            started = time.monotonic()
            engine = load_engine(voice, self._settings)
            metrics.MODEL_LOAD.labels(engine.name).observe(time.monotonic() - started)
            self._engines[voice.id] = engine
            log.info(
                "engine_loaded",
                voice=voice.id,
                engine=engine.name,
                seconds=round(time.monotonic() - started, 2),
            )
        return engine


@dataclass(frozen=True)
class JobInHand:
    """One job being rendered: what it asks, what reads it, the text as prepared, and where it works."""

    record: JobRecord
    voice: Voice
    engine: Engine
    cast: Cast
    prepared: PreparedText
    progress: ProgressReporter
    stop: StopCheck
    cache: ChunkCache
    folder: Path


@dataclass(frozen=True)
class Programme:
    """The assembled, not yet encoded, audio of a job, with its timings, in a scratch folder."""

    wav: Path
    seconds: float
    sample_rate: int
    timings: TimingWriter
    mastered: Mastered
    chapters: list[tuple[str, int, int]]
    """(title, start ms, end ms) of each chapter."""
    chunks: int
    chunks_reused: int
    chapter_files: list[Artifact]
    """One file per chapter, when the job asks for them."""


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        engines: EngineCache,
        tenants: TenantDirectory | ReloadingDirectory | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._engines = engines
        self._tenants = tenants
        self._voices = VoiceResolver(engines.catalog, TenantVoiceStore(store))
        self.saved_chunks: list[str] = []
        """Digests of the chunks the last attempt stored in the tenant's cache."""

    def _cache_days(self, tenant_id: str) -> int:
        tenant = self._tenants.get(tenant_id) if self._tenants is not None else None
        if tenant is not None and tenant.chunk_cache_days is not None:
            return tenant.chunk_cache_days
        return self._settings.chunk_cache_days

    def device_for(self, voice_id: str) -> str:
        """Where the voice renders (cpu or cuda), for the job's usage; cpu for engines without torch."""
        try:
            return str(getattr(self._engines.get(voice_id), "device", "cpu"))
        except Exception:
            return "cpu"

    def run(
        self, record: JobRecord, progress: ProgressReporter, stop: StopCheck = NEVER
    ) -> tuple[AudioResult, list[Artifact]]:
        """Render ``record``; ``stop`` may end it between chunks (``JobInterrupted``), checkpoints kept."""
        text = self._store.get_text(record.tenant, record.id)
        if text is None:
            raise InvalidJob("the job's input text is missing from storage")
        spec = record.spec

        def voice_of(voice_id: str) -> Voice:
            # Read again for every job: a cloned voice deleted since the job was submitted fails it.
            return self._voices.resolve(record.tenant, voice_id)

        voice = voice_of(spec.voice)
        engine = self._engines.engine_for(voice)
        lexicons = load_snapshot(self._store, record.tenant, record.id, spec.lexicon_versions)
        try:
            named = voices_named(text, spec.text_format, spec.speakers)
            cast = Cast.for_job(voice_of, self._engines.engine_for, spec.voice, set(named), spec.speed)
            prepared = prepare(
                text,
                chunk_limit(
                    voice.params.max_chunk_chars or self._settings.chunk_max_chars,
                    [member.engine for member in cast.members.values()],
                ),
                engine.vocabulary,
                sentence_per_chunk=spec.subtitles,
                text_format=spec.text_format,
                read_titles=spec.read_chapter_titles,
                lexicons=lexicons,
                reads_phonemes=engine.reads_phonemes,
                speakers=spec.speakers,
                speaker_mark=spec.speaker_mark,
                speaker_voices=cast.readings(),
                chapters=chapter_numbers(spec.chapters) or None,
            )
        except SsmlInvalid as exc:
            raise InvalidJob(f"the job's SSML cannot be read: {exc}") from exc
        if not prepared.chunks:
            raise InvalidJob("the text has nothing the voice can read aloud")
        progress.record = progress.record.touch(warnings=prepared.warnings)
        root = scratch.scratch_root(self._settings.work_dir)
        estimate = sum(len(c.text) / cast.rate(c) for c in prepared.chunks) / voice.params.chars_per_second
        scratch.check_room(
            root, scratch.needed_bytes(estimate, engine.sample_rate), self._settings.scratch_reserve_bytes
        )
        cache = ChunkCache(
            self._store,
            record.tenant,
            engine.sample_rate,
            self._cache_days(record.tenant),
            fresh_since=None if spec.reuse else record.created_at,
        )
        self.saved_chunks = cache.saved
        with cache, scratch.job_folder(root, record.id) as folder:
            job = JobInHand(record, voice, engine, cast, prepared, progress, stop, cache, folder)
            programme = self._assemble(job)
            stop.check()
            return self._publish(record, programme, folder)

    def _assemble(self, job: JobInHand) -> Programme:
        """Chunks to one WAV on disk, in order: cached chunks reused, missing ones rendered and cached.

        The encoder follows the WAV as it grows, so when the last chunk is written most of the encoding
        is done too.
        """
        record, cast, prepared, progress = job.record, job.cast, job.prepared, job.progress
        cache, stop, folder = job.cache, job.stop, job.folder
        chunks = prepared.chunks
        rate = cast.sample_rate
        chapter_starts: list[int] = []
        sentence_ms, paragraph_ms = pauses_for(job.voice.params, self._settings)
        digests = [cast.digest(c) for c in chunks]
        # Listed before anything is stored, so that an erase at any moment finds every chunk of the job.
        chunk_list.write(self._store, record.tenant, record.id, digests)
        cached = cache.look_up(digests)
        missing = [i for i, digest in enumerate(digests) if digest not in cached]
        progress.plan(total=len(chunks), to_render=len(missing))
        log.info("job_planned", chunks=len(chunks), to_render=len(missing), characters=record.text_chars)
        # The engines render (in batches) only the chunks the cache lacks, running ahead of assembly in a
        # thread of their own.
        to_render = [chunks[i] for i in missing]
        fresh = Ahead(lambda: cast.render(to_render))
        rendered = iter(fresh)
        pending = set(missing)
        # Cached chunks are fetched ahead in parallel, in the order assembly takes them.
        loads = cache.loaded([digests[i] for i in range(len(chunks)) if i not in pending])
        reused = 0
        spoken = 0
        synthesis_counted = cast.synthesis_seconds
        wav = folder / "programme.wav"
        spans: list[ChapterSpan] = []

        def chapter_ended(end: int) -> None:
            n = len(spans)
            spans.append(ChapterSpan(n + 1, _chapter_title(prepared, n), chapter_starts[n], end))
            if files is not None:
                out.flush()
                files.finished(spans[-1])

        with (
            WavAssembler(wav, rate) as out,
            self._chapter_files(record, out, folder, len(prepared.chapters)) as files,
            TimingWriter(folder, rate) as timings,
            Master(
                out,
                folder / f"encoded.{record.spec.format.value}",
                record.spec.format,
                record.spec.loudness,
                self._settings.loudness_window_seconds,
                self._settings.mp3_bitrate,
                while_waiting=progress.alive,
                processes=encoder_processes(self._settings.encoder_processes),
                title=record.spec.title,
            ) as master,
            contextlib.closing(fresh),
            contextlib.closing(loads),
        ):
            for chunk, digest in zip(chunks, digests, strict=True):
                stop.check()
                audio = None if chunk.index in pending else next(loads)
                if audio is not None:
                    reused += 1
                else:
                    # Not pending: it left the cache since planning (expired, erased), so it is rendered now.
                    audio = next(rendered) if chunk.index in pending else next(cast.render([chunk]))
                    cache.save(digest, audio)
                    progress.synthesized(len(chunk.text), cast.synthesis_seconds - synthesis_counted)
                    synthesis_counted = cast.synthesis_seconds
                audio = cast.levelled(chunk, audio)
                if chunk.chapter == len(chapter_starts):
                    if chapter_starts:
                        chapter_ended(out.frames)
                    timings.chapter(
                        len(chapter_starts), _chapter_title(prepared, len(chapter_starts)), out.frames
                    )
                    chapter_starts.append(out.frames)
                if chunk.pause_before_ms:
                    out.pause(chunk.pause_before_ms)
                    master.wrote(silence_frames=rate * chunk.pause_before_ms // 1000)
                for name in chunk.marks:
                    timings.mark(name, out.frames)
                speech_starts = out.frames
                spoken += len(audio)
                out.write(audio)
                master.wrote(audio=audio)
                timings.add(chunk, speech_starts, out.frames)
                for name in chunk.marks_after:
                    timings.mark(name, out.frames)
                pause_ms = silence_after(chunk, sentence_ms, paragraph_ms)
                out.pause(pause_ms)
                master.wrote(silence_frames=rate * pause_ms // 1000)
                if files is not None:
                    for artifact in files.publish_ready(master.gain, master.gain_decided):
                        progress.chapter_ready(artifact)
                progress.update(
                    chunk.index + 1,
                    len(chunks),
                    reused=reused,
                    audio_seconds=out.seconds,
                    chapter=chunk.chapter + 1,
                    chapters=len(prepared.chapters),
                )
            if not spoken:
                # An encoder given only silence fails in ways a retry cannot mend; say what happened.
                raise InvalidJob("the voice rendered only silence for this text; its model may be broken")
            chapter_ended(out.frames)
            timings.close()
            out.close()
            cache.flush()
            log.info("programme_assembled", audio_seconds=round(out.seconds, 2))
            mastered = master.finish()
            log.info("programme_encoded", passes=mastered.passes)
            chapter_files = [] if files is None else files.complete(spans, mastered.gain)
        metrics.CHUNKS.labels("rendered").inc(len(chunks) - reused)
        metrics.CHUNKS.labels("reused").inc(reused)
        log.info("job_synthesized", chunks_rendered=len(chunks) - reused, chunks_reused=reused)
        chapters = [(s.title, round(s.start * 1000 / rate), round(s.end * 1000 / rate)) for s in spans]
        return Programme(
            wav=wav,
            seconds=out.seconds,
            sample_rate=rate,
            timings=timings,
            mastered=mastered,
            chapters=chapters,
            chunks=len(chunks),
            chunks_reused=reused,
            chapter_files=chapter_files,
        )

    def _chapter_files(
        self, record: JobRecord, out: WavAssembler, folder: Path, chapters: int
    ) -> contextlib.AbstractContextManager[ChapterFiles | None]:
        if not record.spec.chapter_files:
            return contextlib.nullcontext()
        return ChapterFiles(
            self._store,
            record.tenant,
            record.id,
            out.path,
            out.data_offset,
            out.sample_rate,
            record.spec.format,
            self._settings.mp3_bitrate,
            folder,
            book_tags(self._store, record, []),
            chapters,
            encoder_processes(self._settings.encoder_processes),
        )

    def _publish(
        self, record: JobRecord, programme: Programme, folder: Path
    ) -> tuple[AudioResult, list[Artifact]]:
        """Normalize loudness, encode, upload the audio and (when asked) the timings, then the manifest."""
        spec = record.spec
        fmt = spec.format
        mastered = programme.mastered
        encoded = mastered.path
        # The encoder wrote the title. MP4 takes its chapters from ffmpeg, which copies the audio once more;
        # MP3's chapter frames, like every other tag, are edited in place by mutagen.
        if fmt is AudioFormat.M4B:
            metadata = write_chapters(folder / "chapters.txt", programme.chapters, spec.title, spec.author)
            encoded = add_metadata(encoded, folder / f"audio.{fmt.value}", fmt, spec.title, metadata)
        if fmt in CHAPTERED:
            tag_audiobook(encoded, fmt, book_tags(self._store, record, programme.chapters))
        key = keys.job_audio(record.tenant, record.id, fmt.value)
        whole = ArtifactFile(
            encoded, key, "audio", fmt.value, fmt.content_type, duration_seconds=round(programme.seconds, 3)
        )
        audio = upload(self._store, whole)
        artifacts = [audio]
        artifacts += programme.chapter_files
        timings = programme.timings
        # Marks an SSML document names are reported in marks.json even without subtitles.
        wanted = [timings.srt, timings.vtt, timings.marks] if spec.subtitles else []
        if not spec.subtitles and timings.named_marks:
            wanted = [timings.marks]
        for path in wanted:
            suffix = path.suffix.lstrip(".")
            kind: ArtifactKind = "marks" if suffix == "json" else "subtitles"
            name = keys.job_file(record.tenant, record.id, path.name)
            file = ArtifactFile(path, name, kind, suffix, CONTENT_TYPES[suffix])
            artifacts.append(upload(self._store, file))
        artifacts.append(
            upload_manifest(self._store, record, artifacts, keys.job_manifest(record.tenant, record.id))
        )
        log.info("job_rendered", audio_seconds=round(programme.seconds, 2), bytes=audio.bytes)
        result = AudioResult(
            key=key,
            format=fmt,
            duration_seconds=round(programme.seconds, 3),
            bytes=audio.bytes,
            sample_rate=programme.sample_rate,
            loudness_lufs=None if mastered.loudness_lufs is None else round(mastered.loudness_lufs, 2),
            chunks_total=programme.chunks,
            chunks_rendered=programme.chunks - programme.chunks_reused,
            chunks_reused=programme.chunks_reused,
        )
        return result, artifacts


def _chapter_title(prepared: PreparedText, n: int) -> str:
    return prepared.chapters[n].title or f"অধ্যায় {to_bangla_digits(n + 1)}"
