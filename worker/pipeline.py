"""One job, start to finish: text → chunks → audio on local disk → encoded file in S3."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import structlog

from kontho import keys
from kontho.errors import InvalidJob
from kontho.jobstore import JobStore
from kontho.schemas import AudioResult, JobRecord
from kontho.settings import Settings
from kontho.text.frontend import pause_after, pauses_for, prepare
from kontho.voices import VoiceCatalog
from worker.audio.assemble import WavAssembler, trim_silence
from worker.audio.encode import encode
from worker.engines import Engine, engine_for
from worker.progress import ProgressReporter

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


class Pipeline:
    def __init__(self, settings: Settings, store: JobStore, engines: EngineCache) -> None:
        self._settings = settings
        self._store = store
        self._engines = engines

    def run(self, record: JobRecord, progress: ProgressReporter) -> AudioResult:
        text = self._store.get_text(record.id)
        if text is None:
            raise InvalidJob("the job's input text is missing from storage")
        voice = self._engines.catalog.get(record.voice)
        engine = self._engines.get(record.voice)
        params, s = voice.params, self._settings
        prepared = prepare(text, params.max_chunk_chars or s.chunk_max_chars, engine.vocabulary)
        chunks = prepared.chunks
        if not chunks:
            raise InvalidJob("the text has nothing the voice can read aloud")
        sentence_ms, paragraph_ms = pauses_for(params, s)
        progress.record = progress.record.touch(warnings=prepared.warnings)
        progress.update(0, len(chunks))
        log.info("job_planned", chunks=len(chunks), characters=len(text), warnings=len(prepared.warnings))

        with tempfile.TemporaryDirectory(prefix=f"kontho-{record.id}-", dir=self._settings.work_dir) as tmp:
            wav_path = Path(tmp) / "programme.wav"
            with WavAssembler(wav_path, engine.sample_rate) as out:
                for chunk, audio in zip(chunks, engine.synthesize([c.text for c in chunks]), strict=True):
                    out.write(trim_silence(audio))
                    out.pause(pause_after(chunk.boundary, sentence_ms, paragraph_ms))
                    progress.update(chunk.index + 1, len(chunks))
                duration = out.seconds
            encoded = encode(
                wav_path,
                Path(tmp) / f"audio.{record.format.value}",
                record.format,
                mp3_bitrate=self._settings.mp3_bitrate,
                title=record.title,
            )
            key = keys.job_audio(record.id, record.format.value)
            size = self._store.upload_file(key, encoded, record.format.content_type)
        log.info("job_rendered", audio_seconds=round(duration, 2), bytes=size)
        return AudioResult(
            key=key,
            format=record.format,
            duration_seconds=round(duration, 3),
            bytes=size,
            sample_rate=engine.sample_rate,
        )
