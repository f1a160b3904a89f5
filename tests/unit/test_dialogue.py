"""Dialogue in the front-end: who reads which paragraph, what is not read, the gaps between turns."""

from __future__ import annotations

import numpy as np
import pytest

from kontho.text.chunking import Boundary, Chunk
from kontho.text.frontend import VoiceReading, prepare, silence_after
from kontho.text.speakers import paragraph_turns, voices_named
from kontho.text.unicode import normalize_unicode as nfc
from kontho.voices import Voice
from worker.cast import Cast, Member

SPEAKERS = {"রহিম": "bn-a", "করিম": "bn-b"}


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        ("রহিম: কেমন আছ?", "রহিম"),
        ("  করিম :  ভালো।", "করিম"),
        ("রহিম：পূর্ণপ্রস্থ কোলন।", "রহিম"),
        ("মনে রেখো: এটা গদ্য।", None),  # a colon after a name no one mapped
        ("রহিমের কথা: শেষ।", None),  # a longer word that starts with a speaker's name
        ("রহিম:", None),  # a label with nothing to say
    ],
)
def test_a_paragraph_is_a_turn_only_when_it_opens_with_a_mapped_name_and_the_mark(
    line: str, speaker: str | None
) -> None:
    turns = paragraph_turns(line, SPEAKERS, ":")
    assert [t.speaker for t in turns] == ([speaker] if speaker else [])


def test_the_speaker_mark_is_the_jobs_choice() -> None:
    assert [t.speaker for t in paragraph_turns("রহিম — কথা।\nকরিম: কথা।", SPEAKERS, "—")] == ["রহিম"]


def test_labels_are_not_read_and_turns_end_with_a_turn_gap() -> None:
    text = "শুরু।\nরহিম: এক। দুই।\nকরিম: তিন।\nকরিম: চার।"
    chunks = prepare(text, 300, speakers=SPEAKERS).chunks
    assert [(c.text, c.speaker, c.boundary) for c in chunks] == [
        (nfc("শুরু।"), None, Boundary.TURN),
        (nfc("এক। দুই।"), "রহিম", Boundary.TURN),
        (nfc("তিন।"), "করিম", Boundary.PARAGRAPH),  # the same speaker goes on
        (nfc("চার।"), "করিম", Boundary.END),
    ]
    assert silence_after(chunks[0], 400, 800) == 400


def test_each_speaker_is_read_for_their_own_voice() -> None:
    text = "রহিম: আমি 🙂 যাব।\nকরিম: আমি যাব।"
    only_bangla = VoiceReading(vocabulary=set("আমিযাব।্ "))
    prepared = prepare(text, 300, speakers=SPEAKERS, speaker_voices={"bn-a": only_bangla})
    assert [w.examples for w in prepared.warnings] == [["🙂"]]


def test_the_voices_a_job_needs_include_ssml_voice_ids() -> None:
    ssml = '<speak><voice name="রহিম">এক।</voice><voice name="bn-espeak">দুই।</voice></speak>'
    assert voices_named(ssml, "ssml", {"রহিম": "bn-a"}) == {
        "bn-a": "রহিম",
        "bn-espeak": "<voice name> at line 1",
    }


class _Tone:
    """An engine that renders a tone whose loudness and sample rate are its own."""

    name = "tone"
    vocabulary = None
    reads_phonemes = False
    phoneme_symbols = None

    def __init__(self, sample_rate: int, amplitude: int) -> None:
        self.sample_rate = sample_rate
        self.amplitude = amplitude
        self.fingerprint = f"tone|{sample_rate}|{amplitude}"

    def load(self) -> None:
        pass

    def synthesize(self, texts: list[str], rates: list[float] | None = None):  # type: ignore[no-untyped-def]
        for _ in texts:
            t = np.arange(self.sample_rate) / self.sample_rate
            yield (self.amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def _member(voice_id: str, rate: int, amplitude: int) -> Member:
    return Member(Voice(id=voice_id, engine="espeak"), _Tone(rate, amplitude))  # type: ignore[arg-type]


def test_another_voice_is_brought_to_the_jobs_sample_rate_and_loudness() -> None:
    cast = Cast(_member("narrator", 22_050, 8000), {"bn-b": _member("bn-b", 16_000, 2000)}, speed=1.0)
    chunk = Chunk(0, "কথা", 0, Boundary.END, voice="bn-b")
    (audio,) = list(cast.render([chunk]))
    assert len(audio) == pytest.approx(22_050, abs=2)  # one second, resampled
    levelled = cast.levelled(chunk, audio)
    assert np.abs(levelled).max() == pytest.approx(8000, rel=0.05)  # as loud as the narrator
    assert cast.digest(chunk) != cast.digest(Chunk(0, "কথা", 0, Boundary.END))


def test_one_voice_is_left_as_it_is() -> None:
    cast = Cast(_member("narrator", 22_050, 8000), {}, speed=1.0)
    chunk = Chunk(0, "কথা", 0, Boundary.END)
    (audio,) = list(cast.render([chunk]))
    assert cast.levelled(chunk, audio) is audio
