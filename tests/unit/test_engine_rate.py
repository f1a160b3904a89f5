"""espeak-ng's speaking rate per text, and the phoneme spans it does not read."""

from __future__ import annotations

import numpy as np
import pytest

from kontho.settings import Settings
from kontho.text.inline_phonemes import wrap
from kontho.voices import VoiceCatalog
from worker.audio.assemble import trim_silence
from worker.engines import load_engine
from worker.engines.espeak import EspeakEngine

TEXT = "এক নিবিড় অরণ্য ছিল। তাতে ছিল বড় বড় বট, সারি সারি তাল তমাল।"


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    engine = load_engine(VoiceCatalog().get("bn-espeak"), Settings())
    assert isinstance(engine, EspeakEngine)
    return engine


def test_a_slower_rate_is_longer_and_a_faster_one_shorter(espeak: EspeakEngine) -> None:
    normal, slow, fast = (trim_silence(a).shape[0] for a in espeak.synthesize([TEXT] * 3, [1.0, 0.5, 2.0]))
    assert slow > 1.6 * normal
    assert fast < 0.7 * normal


def test_no_rates_is_every_rate_one(espeak: EspeakEngine) -> None:
    (plain,) = espeak.synthesize([TEXT])
    (one,) = espeak.synthesize([TEXT], [1.0])
    assert np.array_equal(plain, one)


def test_the_rate_stays_within_what_espeak_accepts(espeak: EspeakEngine) -> None:
    assert espeak.words_per_minute(1.0) == 175
    assert espeak.words_per_minute(0.5) == 88
    assert espeak.words_per_minute(0.1) == 80
    assert espeak.words_per_minute(4.0) == 450
    (very_slow,) = espeak.synthesize(["নদী।"], [0.01])
    assert very_slow.shape[0] > 0


def test_rates_must_match_the_texts(espeak: EspeakEngine) -> None:
    with pytest.raises(ValueError, match="1 rates for 2 texts"):
        list(espeak.synthesize([TEXT, TEXT], [1.0]))


def test_espeak_reads_the_words_around_a_phoneme_span(espeak: EspeakEngine) -> None:
    assert not espeak.reads_phonemes
    assert espeak.phoneme_symbols is None
    (marked,) = espeak.synthesize([f"নদী {wrap('nodi')} বয়ে যায়।"])
    (plain,) = espeak.synthesize(["নদী বয়ে যায়।"])
    assert np.array_equal(marked, plain)
