"""A cloned voice's reference clip, checked and made into what XTTS conditions on.

The upload (WAV, MP3 or FLAC) is decoded by ffmpeg, in a subprocess with a time limit, read from a pipe
with the demuxer its content type names: ffmpeg never guesses the format, and never opens a file or URL
the upload names (playlists and concat lists would). It is mixed to mono and resampled to 22050 Hz,
16-bit: the rate XTTS's conditioning loader resamples from. Then it must be 3–30 s long, have at least a
second of sound above the gate, sound loud enough (the level of its sounding parts at least −40 dBFS) and
not be mostly clipped. A clip that fails says why, in words a producer can act on.
"""

from __future__ import annotations

import io
import math
import operator
import subprocess
import sys
import wave
from array import array
from dataclasses import dataclass

CLIP_SAMPLE_RATE = 22_050
MIN_CLIP_SECONDS = 3.0
MAX_CLIP_SECONDS = 30.0
LEVEL_FLOOR_DBFS = -40.0
"""The least level a clip's sounding parts may have: quieter than this, a speaker's timbre is lost in the
noise floor that any gain would bring up with it."""
GATE_DBFS = -60.0
"""A 50 ms window below this is silence: left out of the level, and of the sound a clip must have."""
MIN_SOUNDING_SECONDS = 1.0
MAX_CLIPPED_FRACTION = 0.01
DECODE_TIMEOUT_SECONDS = 20.0

_DEMUXERS: dict[str, str] = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mpeg": "mp3",
    "audio/flac": "flac",
}
"""The ffmpeg demuxer that reads each upload content type a clip may have."""

_WINDOW = CLIP_SAMPLE_RATE // 20
_FULL_SCALE = 32768.0
_CLIPPED = 32735  # within 0.01 dB of full scale: a resampled clipped peak lands here, not on 32767


class ClipRejected(ValueError):
    """The clip cannot be used; the message says why."""


@dataclass(frozen=True)
class PreparedClip:
    wav: bytes
    """Mono 16-bit PCM WAV at ``sample_rate``."""
    seconds: float
    sample_rate: int
    active_dbfs: float
    peak_dbfs: float


def prepare_clip(data: bytes, content_type: str, timeout: float = DECODE_TIMEOUT_SECONDS) -> PreparedClip:
    """The clip as XTTS conditions on it, or ``ClipRejected``."""
    samples = decode(data, content_type, timeout)
    measured = measure(samples)
    return PreparedClip(
        wav=to_wav(samples),
        seconds=measured.seconds,
        sample_rate=CLIP_SAMPLE_RATE,
        active_dbfs=measured.active_dbfs,
        peak_dbfs=measured.peak_dbfs,
    )


def decode(data: bytes, content_type: str, timeout: float = DECODE_TIMEOUT_SECONDS) -> array[int]:
    """Mono 16-bit samples at ``CLIP_SAMPLE_RATE``; at most a little beyond ``MAX_CLIP_SECONDS`` of them, so a
    long file costs no more to refuse than a clip that is just too long."""
    demuxer = _DEMUXERS.get(content_type)
    if demuxer is None:
        raise ClipRejected(f"is {content_type}, not audio/wav, audio/mpeg or audio/flac")
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
        "-protocol_whitelist", "pipe", "-f", demuxer, "-i", "pipe:0",
        "-map", "0:a:0", "-t", f"{MAX_CLIP_SECONDS + 0.5}",
        "-ac", "1", "-ar", str(CLIP_SAMPLE_RATE), "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ClipRejected(f"did not decode within {timeout:g} s") from exc
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1][:200] if said else "no audio in it"
        raise ClipRejected(f"does not decode as {demuxer.upper()}: {reason}")
    samples = array("h")
    samples.frombytes(done.stdout[: len(done.stdout) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


@dataclass(frozen=True)
class Measured:
    seconds: float
    active_dbfs: float
    peak_dbfs: float
    sounding_seconds: float


def measure(samples: array[int]) -> Measured:
    """The clip's length and levels, or ``ClipRejected`` when it is too short or long, silent, too quiet or
    clipped."""
    seconds = len(samples) / CLIP_SAMPLE_RATE
    if seconds < MIN_CLIP_SECONDS:
        raise ClipRejected(f"is {seconds:.1f} s long; a clip is {MIN_CLIP_SECONDS:g}–{MAX_CLIP_SECONDS:g} s")
    if seconds > MAX_CLIP_SECONDS + 0.01:
        raise ClipRejected(
            f"is longer than {MAX_CLIP_SECONDS:g} s; a clip is {MIN_CLIP_SECONDS:g}–{MAX_CLIP_SECONDS:g} s"
        )
    gate = (_FULL_SCALE * 10 ** (GATE_DBFS / 20)) ** 2
    loud_power, loud_windows = 0.0, 0
    for start in range(0, len(samples) - _WINDOW + 1, _WINDOW):
        window = samples[start : start + _WINDOW]
        power = sum(map(operator.mul, window, window)) / _WINDOW
        if power > gate:
            loud_power += power
            loud_windows += 1
    sounding = loud_windows * _WINDOW / CLIP_SAMPLE_RATE
    if sounding < MIN_SOUNDING_SECONDS:
        raise ClipRejected(
            f"is (nearly) silent: {sounding:.1f} s of it is above {GATE_DBFS:g} dBFS, and a clip needs "
            f"{MIN_SOUNDING_SECONDS:g} s of speech"
        )
    active = _dbfs(math.sqrt(loud_power / loud_windows))
    if active < LEVEL_FLOOR_DBFS:
        raise ClipRejected(
            f"is too quiet: its speech is at {active:.1f} dBFS, below the floor of {LEVEL_FLOOR_DBFS:g} dBFS"
        )
    clipped = sum(1 for s in samples if s >= _CLIPPED or s <= -_CLIPPED) / len(samples)
    if clipped > MAX_CLIPPED_FRACTION:
        raise ClipRejected(
            f"is clipped: {clipped:.1%} of its samples are at full scale (at most "
            f"{MAX_CLIPPED_FRACTION:.0%}); record it again at a lower gain"
        )
    peak = _dbfs(max(max(samples), -min(samples)))
    return Measured(round(seconds, 3), round(active, 2), round(peak, 2), round(sounding, 2))


def _dbfs(amplitude: float) -> float:
    return 20 * math.log10(max(amplitude, 1.0) / _FULL_SCALE)


def to_wav(samples: array[int]) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(CLIP_SAMPLE_RATE)
        little = array("h", samples)
        if sys.byteorder == "big":
            little.byteswap()
        wav.writeframes(little.tobytes())
    return out.getvalue()
