"""The voices one job is read with: the job's own (the narrator) and its dialogue speakers'.

Each chunk is rendered by its voice's engine, at that voice's rate times the job's speed, then brought
to the job's sample rate (the narrator's; another voice's audio is resampled) and, in a job of several
voices, to the narrator's loudness: each voice's level is measured once per process on a reference
sentence, so a turn sounds as loud as the turn before it and the gain is the same on every attempt.
A chunk's checkpoint key names everything that decides its audio: the voice's engine and parameters,
the rate, and the sample rate it was brought to.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from kontho.text.chunking import Chunk
from kontho.text.frontend import VoiceReading
from kontho.voices import Voice
from worker.audio.assemble import trim_silence
from worker.audio.meter import LoudnessMeter
from worker.chunk_cache import chunk_digest
from worker.engines.base import Audio, Engine

_REFERENCE = "আমার সোনার বাংলা, আমি তোমায় ভালোবাসি। চিরদিন তোমার আকাশ, তোমার বাতাস আমার প্রাণে বাজায় বাঁশি।"
_MAX_GAIN_DB = 12.0
_LEVELS: dict[str, float] = {}
"""Integrated loudness of each voice's reference sentence, by engine fingerprint and voice."""


@dataclass(frozen=True)
class Member:
    voice: Voice
    engine: Engine


class Cast:
    def __init__(self, narrator: Member, speakers: dict[str, Member], speed: float) -> None:
        self.narrator = narrator
        self.members: dict[str | None, Member] = {None: narrator}
        self.members.update(speakers)
        self.sample_rate = narrator.engine.sample_rate
        self._speed = speed
        self._gains = {key: self._gain_db(member) for key, member in self.members.items()}
        self.synthesis_seconds = 0.0
        """Time spent in the engines so far (in the thread that renders): what a GPU is busy for."""

    @classmethod
    def for_job(
        cls,
        voice_of: Callable[[str], Voice],
        engine_of: Callable[[Voice], Engine],
        voice_id: str,
        speaker_voices: set[str],
        speed: float,
    ) -> Cast:
        """The narrator ``voice_id`` and every other voice the job's speakers are mapped to; ``voice_of``
        finds a voice by id for the job's tenant (its own cloned voices too)."""

        def member(voice: Voice) -> Member:
            return Member(voice, engine_of(voice))

        narrator = member(voice_of(voice_id))
        others = {v: member(voice_of(v)) for v in sorted(speaker_voices - {voice_id})}
        return cls(narrator, others, speed)

    def readings(self) -> dict[str, VoiceReading]:
        """How each speaker's voice reads text, for the front-end."""
        return {
            key: VoiceReading(m.engine.vocabulary, m.engine.reads_phonemes)
            for key, m in self.members.items()
            if key is not None
        }

    def _member(self, chunk: Chunk) -> Member:
        return self.members.get(chunk.voice, self.narrator)

    def rate(self, chunk: Chunk) -> float:
        """The chunk's speaking rate: its own (SSML), the job's speed and its voice's."""
        return chunk.rate * self._speed * self._member(chunk).voice.params.speed

    def digest(self, chunk: Chunk) -> str:
        member = self._member(chunk)
        params = member.voice.params.model_dump_json()
        rate = self.rate(chunk)
        if rate != 1.0:
            params += f"|rate={rate!r}"
        if member.engine.sample_rate != self.sample_rate:
            params += f"|resampled={self.sample_rate}"
        if member.voice.speaker:
            params += f"|speaker={member.voice.speaker}"
        if member.voice.references:
            # Two cloned voices on one base model share its engine's fingerprint; their clips tell them
            # apart (a clip's key names its voice, and a voice's clips never change).
            params += "|references=" + ",".join(member.voice.references)
        return chunk_digest(member.engine.fingerprint, params, chunk.text)

    def render(self, chunks: Sequence[Chunk]) -> Iterator[Audio]:
        """``chunks``' audio in order, each from its own voice; voices render lazily, in batches."""
        streams: dict[str | None, Iterator[Audio]] = {}
        for key, member in self.members.items():
            mine = [c for c in chunks if self._key(c) == key]
            if mine:
                rates = [self.rate(c) for c in mine]
                streams[key] = member.engine.synthesize([c.text for c in mine], rates)
        for chunk in chunks:
            started = time.perf_counter()
            audio = self.to_job_rate(chunk, trim_silence(next(streams[self._key(chunk)])))
            self.synthesis_seconds += time.perf_counter() - started
            yield audio

    def _key(self, chunk: Chunk) -> str | None:
        return chunk.voice if chunk.voice in self.members else None

    def to_job_rate(self, chunk: Chunk, audio: Audio) -> Audio:
        """A voice's audio at the job's sample rate (what a checkpoint stores)."""
        rate = self._member(chunk).engine.sample_rate
        if rate == self.sample_rate or not len(audio):
            return audio
        ratio = Fraction(self.sample_rate, rate)
        out = resample_poly(audio.astype(np.float32), ratio.numerator, ratio.denominator)
        resampled: Audio = np.clip(np.round(out), -32768, 32767).astype(np.int16)
        return resampled

    def levelled(self, chunk: Chunk, audio: Audio) -> Audio:
        """The chunk at the narrator's loudness, in a job of several voices; as it is otherwise."""
        gain = self._gains[self._key(chunk)]
        if gain == 0.0 or not len(audio):
            return audio
        scaled = audio.astype(np.float32) * (10 ** (gain / 20))
        levelled: Audio = np.clip(np.round(scaled), -32768, 32767).astype(np.int16)
        return levelled

    def _gain_db(self, member: Member) -> float:
        if len(self.members) == 1 or member is self.narrator:
            return 0.0
        difference = _level(self.narrator) - _level(member)
        return max(-_MAX_GAIN_DB, min(_MAX_GAIN_DB, difference)) if math.isfinite(difference) else 0.0


def _level(member: Member) -> float:
    key = f"{member.engine.fingerprint}|{member.voice.id}|{member.voice.speaker}"
    if key not in _LEVELS:
        audio = trim_silence(next(iter(member.engine.synthesize([_REFERENCE]))))
        meter = LoudnessMeter(member.engine.sample_rate)
        meter.feed(audio)
        _LEVELS[key] = meter.integrated_lufs
    return _LEVELS[key]
