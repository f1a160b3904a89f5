"""espeak-ng's Bengali voice: the embedded default, no weights, runs anywhere."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Iterator, Sequence

import numpy as np

from kontho.errors import EngineFailed, EngineUnavailable, ModelLoadFailed
from kontho.text import inline_phonemes
from kontho.voices import Voice
from worker.engines.base import Audio

_TIMEOUT_SECONDS = 120
_MIN_WPM, _MAX_WPM = 80, 450  # the speeds espeak-ng accepts


class EspeakEngine:
    name = "espeak"

    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.sample_rate = voice.sample_rate
        self.vocabulary: frozenset[str] | None = None  # espeak-ng reads any script it has rules for
        self.reads_phonemes = False
        self.phoneme_symbols: frozenset[str] | None = None
        self._espeak_voice = voice.params.espeak_voice
        self._wpm = voice.params.words_per_minute
        self._binary: str | None = None
        self.fingerprint = "espeak-ng"

    def load(self) -> None:
        self._binary = shutil.which("espeak-ng")
        if self._binary is None:
            raise EngineUnavailable("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
        # One tiny render proves the voice exists and tells us its real sample rate. A voice espeak-ng
        # does not have is a catalog mistake no retry can mend.
        try:
            self.sample_rate = self._render("ক")[1]
        except EngineFailed as exc:
            if "does not exist" in str(exc):
                raise ModelLoadFailed(
                    f"espeak-ng has no voice {self._espeak_voice!r} (voice {self.voice.id!r}); "
                    "`espeak-ng --voices` lists the installed ones"
                ) from exc
            raise
        version = subprocess.run(
            [self._binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
        self.fingerprint = f"espeak-ng|{version}|{self._espeak_voice}|{self._wpm}|{self.sample_rate}"

    def synthesize(self, texts: Sequence[str], rates: Sequence[float] | None = None) -> Iterator[Audio]:
        if rates is not None and len(rates) != len(texts):
            raise ValueError(f"{len(rates)} rates for {len(texts)} texts")
        for i, text in enumerate(texts):
            # espeak-ng has no phoneme input in kontho's notation: it reads the words around the span.
            yield self._render(inline_phonemes.strip(text), 1.0 if rates is None else rates[i])[0]

    def words_per_minute(self, rate: float) -> int:
        """The voice's speed times ``rate``, within what espeak-ng accepts."""
        return min(_MAX_WPM, max(_MIN_WPM, round(self._wpm * rate)))

    def _render(self, text: str, rate: float = 1.0) -> tuple[Audio, int]:
        if self._binary is None:
            raise RuntimeError("EspeakEngine.load() must run before synthesize()")
        # Text goes through stdin, never argv: it may start with '-' and may be long.
        try:
            done = subprocess.run(
                [
                    self._binary,
                    "-v",
                    self._espeak_voice,
                    "-s",
                    str(self.words_per_minute(rate)),
                    "--stdin",
                    "--stdout",
                ],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineFailed(f"espeak-ng took over {_TIMEOUT_SECONDS} s on {len(text)} characters") from exc
        if done.returncode != 0:
            raise EngineFailed(f"espeak-ng exited {done.returncode}: {done.stderr.decode(errors='replace')}")
        with wave.open(io.BytesIO(done.stdout)) as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise EngineFailed("espeak-ng returned audio that is not mono 16-bit PCM")
            frames = wav.readframes(wav.getnframes())
            return np.frombuffer(frames, dtype="<i2").astype(np.int16), wav.getframerate()
