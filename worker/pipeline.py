"""One job, start to finish: text → chunks → audio on local disk → encoded file in S3."""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from kontho import keys
from kontho.errors import InvalidJob
from kontho.jobstore import JobStore
from kontho.schemas import Artifact, AudioResult, JobRecord, Loudness
from kontho.settings import Settings
from kontho.text.frontend import PreparedText, pause_after, pauses_for, prepare
from kontho.text.numbers import to_bangla_digits
from kontho.voices import Voice, VoiceCatalog
from worker.artifacts import CONTENT_TYPES, upload, upload_manifest
from worker.audio.assemble import WavAssembler, trim_silence
from worker.audio.encode import CHAPTERED, encode, write_chapters
from worker.audio.loudness import PRESETS, gain_filter
from worker.audio.meter import LoudnessMeter
from worker.checkpoints import Checkpoints, chunk_digest
from worker.engines import Engine, engine_for
from worker.progress import ProgressReporter
from worker.timings import TimingWriter

log = structlog.get_logger(__name__)


class EngineCache:
    """Engines loaded once per process and kept for every later job of the same voice."""

    def __init__(self, catalog: VoiceCatalog, settings: Settings) -> None:
        self.catalog = catalog
        self._settings = settings
        self._engines: dict[str, Engine] = {}

    def get(self, voice_id: str) -> Engine:
        engine = self._engines.get(voice_id)
        if engine is None:
            started = time.monotonic()
            engine = engine_for(self.catalog.get(voice_id), self._settings)
            engine.load()
            self._engines[voice_id] = engine
            log.info(
                "engine_loaded",
                voice=voice_id,
                engine=engine.name,
                seconds=round(time.monotonic() - started, 2),
            )
        return engine


@dataclass(frozen=True)
class Programme:
    """The assembled, not yet encoded, audio of a job, with its timings, in a scratch folder."""

    wav: Path
    seconds: float
    sample_rate: int
    timings: TimingWriter
    meter: LoudnessMeter
    chapters: list[tuple[str, int, int]]
    """(title, start ms, end ms) of each chapter."""


class Pipeline:
    def __init__(self, settings: Settings, store: JobStore, engines: EngineCache) -> None:
        self._settings = settings
        self._store = store
        self._engines = engines

    def run(self, record: JobRecord, progress: ProgressReporter) -> tuple[AudioResult, list[Artifact]]:
        text = self._store.get_text(record.id)
        if text is None:
            raise InvalidJob("the job's input text is missing from storage")
        voice = self._engines.catalog.get(record.voice)
        engine = self._engines.get(record.voice)
        prepared = prepare(
            text,
            voice.params.max_chunk_chars or self._settings.chunk_max_chars,
            engine.vocabulary,
            sentence_per_chunk=record.subtitles,
            markdown=record.text_format == "markdown",
            read_titles=record.read_chapter_titles,
        )
        if not prepared.chunks:
            raise InvalidJob("the text has nothing the voice can read aloud")
        progress.record = progress.record.touch(warnings=prepared.warnings)
        with (
            Checkpoints(self._store, record.id, engine.sample_rate) as checkpoints,
            tempfile.TemporaryDirectory(prefix=f"kontho-{record.id}-", dir=self._settings.work_dir) as tmp,
        ):
            programme = self._assemble(text, voice, engine, prepared, checkpoints, progress, Path(tmp))
            return self._publish(record, programme, Path(tmp))

    def _assemble(
        self,
        text: str,
        voice: Voice,
        engine: Engine,
        prepared: PreparedText,
        checkpoints: Checkpoints,
        progress: ProgressReporter,
        folder: Path,
    ) -> Programme:
        """Chunks to one WAV on disk, in order: stored chunks reused, missing ones rendered and stored."""
        chunks = prepared.chunks
        chapter_starts: list[int] = []
        sentence_ms, paragraph_ms = pauses_for(voice.params, self._settings)
        params_key = voice.params.model_dump_json()
        digests = [chunk_digest(engine.fingerprint, params_key, c.text) for c in chunks]
        missing = [i for i, digest in enumerate(digests) if not checkpoints.has(digest)]
        progress.plan(total=len(chunks), to_render=len(missing))
        log.info("job_planned", chunks=len(chunks), to_render=len(missing), characters=len(text))
        # Lazy: the engine renders (in batches) only the chunks no earlier attempt stored.
        fresh = engine.synthesize([chunks[i].text for i in missing])
        pending = set(missing)
        reused = 0
        wav = folder / "programme.wav"
        meter = LoudnessMeter(engine.sample_rate)
        with (
            WavAssembler(wav, engine.sample_rate) as out,
            TimingWriter(folder, text, engine.sample_rate) as timings,
        ):
            for chunk, digest in zip(chunks, digests, strict=True):
                audio = None if chunk.index in pending else checkpoints.load(digest)
                if audio is not None:
                    reused += 1
                else:
                    source = fresh if chunk.index in pending else engine.synthesize([chunk.text])
                    audio = trim_silence(next(iter(source)))
                    checkpoints.save(digest, audio)
                if chunk.chapter == len(chapter_starts):
                    chapter_starts.append(out.frames)
                speech_starts = out.frames
                out.write(audio)
                meter.feed(audio)
                timings.add(chunk, speech_starts, out.frames)
                pause_ms = pause_after(chunk.boundary, sentence_ms, paragraph_ms)
                out.pause(pause_ms)
                meter.feed_silence(engine.sample_rate * pause_ms // 1000)
                progress.update(
                    chunk.index + 1,
                    len(chunks),
                    reused=reused,
                    audio_seconds=out.seconds,
                    chapter=chunk.chapter + 1,
                    chapters=len(prepared.chapters),
                )
            timings.close()
        checkpoints.flush()
        log.info("job_synthesized", chunks_rendered=len(chunks) - reused, chunks_reused=reused)
        ms = [round(frame * 1000 / engine.sample_rate) for frame in [*chapter_starts, out.frames]]
        chapters = [
            (plan.title or f"অধ্যায় {to_bangla_digits(n + 1)}", ms[n], ms[n + 1])
            for n, plan in enumerate(prepared.chapters)
        ]
        return Programme(
            wav=wav,
            seconds=out.seconds,
            sample_rate=engine.sample_rate,
            timings=timings,
            meter=meter,
            chapters=chapters,
        )

    def _publish_chapters(
        self, record: JobRecord, programme: Programme, folder: Path, audio_filter: str | None
    ) -> list[Artifact]:
        """One file per chapter, cut from the programme with the same gain, so chapters match the whole."""
        fmt = record.format
        artifacts = []
        for number, (title, start, end) in enumerate(programme.chapters, start=1):
            path = encode(
                programme.wav,
                folder / f"chapter-{number}.{fmt.value}",
                fmt,
                mp3_bitrate=self._settings.mp3_bitrate,
                title=title,
                audio_filter=audio_filter,
                span_ms=(start, end),
            )
            key = keys.job_chapter_audio(record.id, number, fmt.value)
            artifacts.append(
                upload(
                    self._store,
                    path,
                    key,
                    "chapter_audio",
                    fmt.value,
                    fmt.content_type,
                    duration_seconds=round((end - start) / 1000, 3),
                    chapter=number,
                )
            )
            path.unlink()
        return artifacts

    def _publish(
        self, record: JobRecord, programme: Programme, folder: Path
    ) -> tuple[AudioResult, list[Artifact]]:
        """Normalize loudness, encode, upload the audio and (when asked) the timings, then the manifest."""
        lufs = programme.meter.integrated_lufs
        audio_filter = None
        if record.loudness is not Loudness.OFF:
            target = PRESETS[record.loudness.value]
            audio_filter = gain_filter(target, lufs, programme.meter.true_peak_dbtp)
        metadata = None
        if record.format in CHAPTERED:
            metadata = write_chapters(
                folder / "chapters.txt", programme.chapters, record.title, record.author
            )
        encoded = encode(
            programme.wav,
            folder / f"audio.{record.format.value}",
            record.format,
            mp3_bitrate=self._settings.mp3_bitrate,
            title=record.title,
            audio_filter=audio_filter,
            metadata=metadata,
        )
        key = keys.job_audio(record.id, record.format.value)
        audio = upload(
            self._store,
            encoded,
            key,
            "audio",
            record.format.value,
            record.format.content_type,
            duration_seconds=round(programme.seconds, 3),
        )
        artifacts = [audio]
        if record.chapter_files:
            artifacts += self._publish_chapters(record, programme, folder, audio_filter)
        if record.subtitles:
            timings = programme.timings
            for path in (timings.srt, timings.vtt, timings.marks):
                fmt = path.suffix.lstrip(".")
                kind = "marks" if fmt == "json" else "subtitles"
                name = keys.job_file(record.id, path.name)
                artifacts.append(upload(self._store, path, name, kind, fmt, CONTENT_TYPES[fmt]))
        artifacts.append(
            upload_manifest(self._store, record, artifacts, keys.job_file(record.id, "manifest.json"))
        )
        log.info("job_rendered", audio_seconds=round(programme.seconds, 2), bytes=audio.bytes)
        result = AudioResult(
            key=key,
            format=record.format,
            duration_seconds=round(programme.seconds, 3),
            bytes=audio.bytes,
            sample_rate=programme.sample_rate,
            loudness_lufs=round(lufs, 2) if math.isfinite(lufs) else None,
        )
        return result, artifacts
