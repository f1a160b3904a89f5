"""Encode the assembled WAV with ffmpeg, streaming from disk to disk."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kontho.errors import EncodeFailed
from kontho.jobspec import AudioFormat

LANGUAGE = "ben"
"""Bangla (``bn``) as ISO 639-2: the code MP4 tracks and ID3's TLAN take."""

_CODEC_ARGS: dict[AudioFormat, list[str]] = {
    # Without the bit reservoir every frame holds its own bits, so segments encoded apart join cleanly.
    AudioFormat.MP3: ["-c:a", "libmp3lame", "-reservoir", "0"],
    AudioFormat.WAV: ["-c:a", "pcm_s16le"],
    AudioFormat.FLAC: ["-c:a", "flac"],
    # Opus runs at 48 kHz; ffmpeg resamples for it.
    AudioFormat.OGG: ["-c:a", "libopus", "-b:a", "48k", "-ar", "48000"],
    AudioFormat.M4B: ["-c:a", "aac", "-b:a", "64k", "-f", "ipod"],
}
# Formats whose containers carry chapter markers through ffmpeg.
CHAPTERED = frozenset({AudioFormat.M4B, AudioFormat.MP3})


def write_chapters(
    path: Path, chapters: list[tuple[str, int, int]], title: str | None, author: str | None
) -> Path:
    """An ffmetadata file: the programme's title and author, and (title, start ms, end ms) per chapter."""

    def escape(value: str) -> str:
        return "".join("\\" + ch if ch in "=;#\\\n" else ch for ch in value)

    lines = [";FFMETADATA1"]
    if title:
        lines.append(f"title={escape(title)}")
    if author:
        lines += [f"artist={escape(author)}", f"album_artist={escape(author)}"]
    for name, start, end in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}", f"title={escape(name)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def codec_args(fmt: AudioFormat, mp3_bitrate: str) -> list[str]:
    args = list(_CODEC_ARGS[fmt])
    if fmt is AudioFormat.MP3:
        args += ["-b:a", mp3_bitrate]
    return args


def pcm_encoder_args(
    source: str, sample_rate: int, codec: list[str], title: str | None, out: Path
) -> list[str]:
    """ffmpeg encoding mono 16-bit PCM from ``source`` (a file, or ``pipe:0``) with ``codec`` into ``out``."""
    args = [ffmpeg_binary(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
    args += ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", source, *codec]
    if title:
        args += ["-metadata", f"title={title}"]
    return [*args, "-metadata", f"language={LANGUAGE}", str(out)]


def ffmpeg_binary() -> str:
    binary = shutil.which("ffmpeg")
    if binary is None:
        raise EncodeFailed("ffmpeg is not installed (Debian: apt-get install ffmpeg)")
    return binary


@dataclass(frozen=True)
class EncodeOptions:
    fmt: AudioFormat
    mp3_bitrate: str = "128k"
    title: str | None = None
    metadata: Path | None = None
    """An ffmetadata file: title, author, chapters."""


def encode(wav_path: Path, out_path: Path, options: EncodeOptions) -> Path:
    """Encode ``wav_path`` to ``out_path``."""
    args = [ffmpeg_binary(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-i", str(wav_path)]
    if options.metadata is not None:
        args += ["-i", str(options.metadata), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
    args += codec_args(options.fmt, options.mp3_bitrate)
    if options.title:
        args += ["-metadata", f"title={options.title}"]
    args += ["-metadata", "language=ben", str(out_path)]
    _run(args, out_path, f"encode {options.fmt.value}")
    return out_path


def add_metadata(
    encoded: Path, out_path: Path, fmt: AudioFormat, title: str | None, metadata: Path | None
) -> Path:
    """Copy ``encoded`` with title, author and chapter markers added; the audio is not re-encoded."""
    args = [ffmpeg_binary(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(encoded)]
    if metadata is not None:
        args += ["-i", str(metadata), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
    args += ["-c", "copy"]
    if fmt is AudioFormat.M4B:
        # MP4 keeps a language only on the track: that is where players and ffprobe read it.
        args += ["-f", "ipod", "-metadata:s:a:0", f"language={LANGUAGE}"]
    if title:
        args += ["-metadata", f"title={title}"]
    args += ["-metadata", "language=ben", str(out_path)]
    _run(args, out_path, f"add metadata to {fmt.value}")
    return out_path


def _run(args: list[str], out_path: Path, what: str) -> None:
    done = subprocess.run(args, capture_output=True, timeout=3600, check=False)
    if done.returncode != 0 or not out_path.exists():
        raise EncodeFailed(f"ffmpeg could not {what}: {done.stderr.decode(errors='replace')[-500:]}")
