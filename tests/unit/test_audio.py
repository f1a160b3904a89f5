"""The audio path with the real programs: espeak-ng renders, the assembler writes, ffmpeg encodes."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from pydub import AudioSegment

from kontho.jobspec import AudioFormat
from kontho.settings import Settings
from kontho.voices import VoiceCatalog
from tests.ffprobe import duration
from worker.audio.assemble import WavAssembler, trim_silence
from worker.audio.encode import EncodeOptions, encode
from worker.engines import load_engine
from worker.engines.espeak import EspeakEngine


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    engine = load_engine(VoiceCatalog().get("bn-espeak"), Settings())
    assert isinstance(engine, EspeakEngine)
    engine.load()
    return engine


def test_espeak_speaks_bangla_at_a_plausible_rate(espeak: EspeakEngine) -> None:
    texts = ["এক নিবিড় অরণ্য ছিল। তা’তে ছিল বড় বড় বট, সারি সারি তাল তমাল।", "১৯৭১ সালে।"]
    audios = list(espeak.synthesize(texts))
    assert len(audios) == 2
    assert all(a.dtype == np.int16 and np.abs(a).max() > 1000 for a in audios)
    seconds = trim_silence(audios[0]).shape[0] / espeak.sample_rate
    assert 10 <= len(texts[0]) / seconds <= 20  # characters a second
    assert audios[1].shape[0] / espeak.sample_rate > 0.8  # the year is read as words, not skipped


def test_espeak_reads_text_starting_with_a_dash_as_text(espeak: EspeakEngine) -> None:
    (audio,) = espeak.synthesize(["-১২ ডিগ্রি"])
    assert audio.shape[0] > espeak.sample_rate // 2


def test_trim_silence_keeps_only_the_loud_middle() -> None:
    audio = np.concatenate([np.zeros(100), np.full(50, 5000), np.zeros(30)]).astype(np.int16)
    assert trim_silence(audio).shape[0] == 50
    assert trim_silence(np.zeros(10, dtype=np.int16)).shape[0] == 0


def test_assembler_streams_audio_and_exact_pauses(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    tone = (np.sin(np.arange(22_050) / 10) * 8000).astype(np.int16)
    with WavAssembler(path, 22_050) as out:
        out.write(tone)
        out.pause(250)
        out.write(tone)
        assert out.frames == 2 * 22_050 + 22_050 // 4
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (22_050, 1, 2)
        assert wav.getnframes() == 2 * 22_050 + 22_050 // 4
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert not frames[22_050 : 22_050 + 5512].any()


@pytest.mark.parametrize("fmt", list(AudioFormat))
def test_every_format_encodes_to_a_file_that_decodes(tmp_path: Path, fmt: AudioFormat) -> None:
    wav_path = tmp_path / "in.wav"
    with WavAssembler(wav_path, 22_050) as out:
        out.write((np.sin(np.arange(3 * 22_050) / 7) * 6000).astype(np.int16))
    encoded = encode(wav_path, tmp_path / f"out.{fmt.value}", EncodeOptions(fmt, title="নদীর গান"))
    assert duration(encoded) == pytest.approx(3.0, abs=0.1)
    decoded = AudioSegment.from_file(encoded, format="mp4" if fmt is AudioFormat.M4B else fmt.value)
    assert decoded.duration_seconds == pytest.approx(3.0, abs=0.1)
    assert decoded.rms > 1000
