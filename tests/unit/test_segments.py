"""Lossy formats encoded in segments on several cores and joined: no gap, click or repeated sample at a
join, the programme's exact length, and the same file whatever the number of encoders."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from kontho.errors import EncodeFailed
from kontho.jobspec import AudioFormat
from worker.audio import segments
from worker.audio.assemble import WavAssembler
from worker.audio.segments import encoder_processes, frame_samples
from worker.audio.stream import StreamingEncoder

RATE = 22_050
SEGMENT = 2.0
"""Seconds per segment in these tests (a book uses minutes): a 9 s programme has five joins."""


def _speech(seconds: float, seed: int = 0) -> np.ndarray:
    """Voiced syllables (a buzz with harmonics under a 4 Hz envelope) with short gaps: a codec treats it
    as it treats speech, and a click or a shift at a join shows against it."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 2
    noise = rng.standard_normal(t.size) * 0.05
    return ((voice * envelope + noise) * 6000).clip(-32767, 32767).astype(np.int16)


def _encode(tmp_path: Path, audio: np.ndarray, fmt: AudioFormat, processes: int, name: str) -> Path:
    wav, out = tmp_path / f"{name}.wav", tmp_path / f"{name}.{fmt.value}"
    with (
        WavAssembler(wav, RATE) as programme,
        StreamingEncoder(
            wav, programme.data_offset, RATE, out, fmt, processes=processes, measure=False
        ) as encoder,
    ):
        # Written in uneven pieces, as chunks arrive: segment boundaries fall inside pieces.
        for piece in np.array_split(audio, 7):
            programme.write(piece)
            encoder.advance(programme.flush())
        programme.close()
        encoder.finish()
    assert not list(tmp_path.glob(".*.segments")), "segment files are left behind"
    return out


def _decoded(path: Path) -> np.ndarray:
    pcm = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(RATE),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def _lag(decoded: np.ndarray, source: np.ndarray, at: int, span: int = 1500) -> int:
    """The shift that best lines the decoded audio up with the source around ``at``."""
    window = source[at - span : at + span]
    errors = {
        d: float(np.sum((decoded[at + d - span : at + d + span] - window) ** 2)) for d in range(-60, 61)
    }
    return min(errors, key=errors.__getitem__)


@pytest.fixture
def short_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "SEGMENT_SECONDS", SEGMENT)


@pytest.mark.parametrize("fmt", [AudioFormat.MP3, AudioFormat.M4B, AudioFormat.OGG])
def test_joins_have_no_gap_click_or_shift(
    tmp_path: Path, fmt: AudioFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _speech(9.3)
    whole = _decoded(_encode(tmp_path, source, fmt, processes=1, name="whole"))
    monkeypatch.setattr(segments, "SEGMENT_SECONDS", SEGMENT)
    joined = _decoded(_encode(tmp_path, source, fmt, processes=3, name="joined"))
    frame = frame_samples(fmt, RATE)
    assert frame is not None
    length = round(SEGMENT * RATE / frame) * frame
    joins = list(range(length, source.size, length))
    assert len(joins) == 4
    # Every sample in its place: the joined file is exactly as long as one encoder's over the whole
    # programme (which is the programme, give or take its codec's end padding).
    assert joined.size == whole.size
    assert 0 <= whole.size - source.size < 1152
    src = source.astype(np.float64)
    error = joined[: src.size] - src
    # The coding error in each 20 ms window, away from the joins, is what the codec costs anyway.
    window = RATE // 50
    rms = [float(np.sqrt(np.mean(error[i : i + window] ** 2))) for i in range(0, src.size - window, window)]
    typical = float(np.percentile(rms, 95))
    for join in joins:
        assert _lag(joined, src, join) == 0, f"audio shifted at the join at {join}"
        around = error[join - 2 * frame : join + 2 * frame]
        assert float(np.sqrt(np.mean(around**2))) <= 1.5 * typical, f"a click at the join at {join}"
        assert float(np.abs(around).max()) < 0.25 * float(np.abs(src).max())


@pytest.mark.parametrize("fmt", [AudioFormat.MP3, AudioFormat.OGG])
def test_the_audio_does_not_depend_on_the_number_of_encoders(
    tmp_path: Path, fmt: AudioFormat, short_segments: None
) -> None:
    source = _speech(7.0, seed=3)
    one = _decoded(_encode(tmp_path, source, fmt, processes=1, name="one"))
    four = _decoded(_encode(tmp_path, source, fmt, processes=4, name="four"))
    assert np.array_equal(one, four)


def test_a_programme_shorter_than_a_segment_is_one_plain_encode(tmp_path: Path) -> None:
    source = _speech(3.0)
    out = _encode(tmp_path, source, AudioFormat.MP3, processes=2, name="short")
    assert _decoded(out).size == source.size


def test_a_segment_the_codec_refuses_fails_the_encode_with_ffmpegs_words(
    tmp_path: Path, short_segments: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "codec_args", lambda fmt, bitrate: ["-c:a", "no_such_codec"])
    wav, out = tmp_path / "p.wav", tmp_path / "p.mp3"
    with (
        WavAssembler(wav, RATE) as programme,
        StreamingEncoder(wav, programme.data_offset, RATE, out, AudioFormat.MP3, processes=2) as encoder,
    ):
        programme.write(_speech(5.0))
        encoder.advance(programme.flush())
        programme.close()
        with pytest.raises(EncodeFailed, match=r"ffmpeg could not encode segment 0: .*no_such_codec"):
            encoder.finish()
    assert not out.exists()
    assert not list(tmp_path.glob(".*.segments"))


def test_a_codec_that_leaves_the_frame_grid_is_caught_at_the_join(
    tmp_path: Path, short_segments: None
) -> None:
    # MP3 has no 96 kHz mode: ffmpeg resamples, so the packets no longer count the programme's frames.
    wav, out, rate = tmp_path / "p.wav", tmp_path / "p.mp3", 96_000
    with (
        WavAssembler(wav, rate) as programme,
        StreamingEncoder(wav, programme.data_offset, rate, out, AudioFormat.MP3, processes=2) as encoder,
    ):
        programme.write(np.zeros(rate * 5, dtype=np.int16) + 100)
        encoder.advance(programme.flush())
        programme.close()
        with pytest.raises(EncodeFailed, match="segment 0 ended at frame"):
            encoder.finish()


def test_no_room_for_segments_is_an_encode_failure(tmp_path: Path) -> None:
    wav = tmp_path / "p.wav"
    with WavAssembler(wav, RATE) as programme, pytest.raises(EncodeFailed, match="segments"):
        StreamingEncoder(wav, programme.data_offset, RATE, tmp_path / "no" / "x.m4b", AudioFormat.M4B)


def test_flac_and_wav_are_not_split_and_opus_only_on_its_frame_grid() -> None:
    assert frame_samples(AudioFormat.FLAC, RATE) is None
    assert frame_samples(AudioFormat.WAV, RATE) is None
    assert frame_samples(AudioFormat.MP3, 44_100) == 1152
    assert frame_samples(AudioFormat.MP3, RATE) == 576
    assert frame_samples(AudioFormat.OGG, RATE) == 441
    assert frame_samples(AudioFormat.OGG, 22_001) is None


def test_encoder_processes_default_to_the_cores_this_process_may_use(tmp_path: Path) -> None:
    assert encoder_processes(3) == 3
    assert encoder_processes(0, tmp_path / "absent") >= 1
    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")  # a pod limited to 1.5 CPUs runs two encoders, not one per node core
    assert encoder_processes(0, quota) == min(2, encoder_processes(0, tmp_path / "absent"))
    quota.write_text("max 100000\n")
    assert encoder_processes(0, quota) == encoder_processes(0, tmp_path / "absent")


@pytest.mark.parametrize("fmt", [AudioFormat.MP3, AudioFormat.M4B, AudioFormat.OGG])
def test_a_join_on_a_chunk_end_and_on_a_chapter_onset_is_clean(
    tmp_path: Path, fmt: AudioFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hardest places for a join: where a chunk's speech stops dead into its pause, and where a new
    chapter's first word starts out of silence (a codec that restarted there would smear or click)."""
    frame = frame_samples(fmt, RATE)
    assert frame is not None
    monkeypatch.setattr(segments, "SEGMENT_SECONDS", SEGMENT)
    length = round(SEGMENT * RATE / frame) * frame
    pause = np.zeros(RATE * 7 // 10, dtype=np.int16)
    # Join 1 falls on the last sample of a chunk's speech; join 2 on the first sample of a chapter's.
    middle = _speech(SEGMENT, seed=7)[: length - 2 * pause.size]
    source = np.concatenate(
        [_speech(SEGMENT + 0.1, seed=5)[:length], pause, middle, pause, _speech(3.1, seed=6)]
    )
    chunk_end, chapter_onset = length, 2 * length
    assert np.any(source[chunk_end - 200 : chunk_end])
    assert not np.any(source[chunk_end : chunk_end + 200])
    assert not np.any(source[chapter_onset - 200 : chapter_onset])
    assert np.any(source[chapter_onset : chapter_onset + 200])
    joined = _decoded(_encode(tmp_path, source, fmt, processes=2, name="joined"))
    monkeypatch.setattr(segments, "SEGMENT_SECONDS", 1000.0)
    whole = _decoded(_encode(tmp_path, source, fmt, processes=1, name="whole"))
    assert joined.size == whole.size
    src = source.astype(np.float64)
    for join in (chunk_end, chapter_onset):
        around = slice(join - 4 * frame, join + 4 * frame)
        joined_error = float(np.sqrt(np.mean((joined[around] - src[around]) ** 2)))
        whole_error = float(np.sqrt(np.mean((whole[around] - src[around]) ** 2)))
        # No worse than one encoder over the whole programme at the same place, within the coding noise.
        assert joined_error <= 1.5 * whole_error + 30, f"the join at {join} costs more than the codec does"
        assert _lag(joined, src, join) == 0


def _stop_while_encoding(wav: Path, out: Path) -> None:
    with (
        WavAssembler(wav, RATE) as programme,
        StreamingEncoder(wav, programme.data_offset, RATE, out, AudioFormat.M4B, processes=2) as encoder,
    ):
        programme.write(_speech(7.0))
        encoder.advance(programme.flush())
        time.sleep(0.3)  # segments are being encoded when the job stops
        raise RuntimeError("stopped")


def test_an_abandoned_encode_leaves_nothing_behind(tmp_path: Path, short_segments: None) -> None:
    out = tmp_path / "p.m4b"
    with pytest.raises(RuntimeError, match="stopped"):
        _stop_while_encoding(tmp_path / "p.wav", out)
    assert not out.exists()
    assert not list(tmp_path.glob(".*.segments"))
