"""A VITS voice's speaking rate per chunk: the length scale divided by the rate, row by row in a batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devstack.vits_models import fix_speaking_rate
from kontho.settings import Settings
from kontho.voices import Voice
from worker.engines.vits import VitsEngine, batched_inference, chunk_seed, to_pcm16

TEXTS = [
    "এক নিবিড় অরণ্য ছিল।",
    "তাতে ছিল বড় বড় বট, সারি সারি তাল তমাল, পাহাড় পর্বত।",
    "আর ছিল ছোট নদী মালিনী।",
    "মালিনীর জল বড় স্থির, আয়নার মত; তাতে গাছের ছায়া, নীল আকাশের ছায়া, রাঙা মেঘের ছায়া।",
]
RATES = [0.5, 1.0, 2.0, 0.8]


@pytest.fixture(scope="module")
def engine(tiny_vits_dir: Path) -> VitsEngine:
    voice = Voice(id="bn-tiny", engine="vits", model=str(tiny_vits_dir))
    loaded = VitsEngine(voice, Settings().model_copy(update={"device": "cpu"}))
    loaded.load()
    return loaded


def test_half_rate_takes_about_twice_as_long(engine: VitsEngine) -> None:
    normal, slow, fast = (next(engine.synthesize([TEXTS[1]], [rate])).shape[0] for rate in (1.0, 0.5, 2.0))
    # Durations are rounded up to whole frames, so doubling them can add less than double.
    assert 1.6 * normal <= slow <= 2 * normal
    assert fast < normal


def test_with_fixed_durations_the_rate_scales_them_exactly(tiny_vits_dir: Path) -> None:
    voice = Voice(id="bn-tiny", engine="vits", model=str(tiny_vits_dir))
    fixed = VitsEngine(voice, Settings().model_copy(update={"device": "cpu"}))
    fixed.load()
    fix_speaking_rate(fixed._model, 6)
    normal, slow, fast = (next(fixed.synthesize([TEXTS[0]], [rate])).shape[0] for rate in (1.0, 0.5, 2.0))
    assert slow == 2 * normal
    assert fast * 2 == normal


def test_no_rates_is_every_rate_one(engine: VitsEngine) -> None:
    plain = list(engine.synthesize(TEXTS))
    ones = list(engine.synthesize(TEXTS, [1.0] * len(TEXTS)))
    assert all(np.array_equal(a, b) for a, b in zip(plain, ones, strict=True))


def test_mixed_rates_in_one_batch_match_one_at_a_time(engine: VitsEngine) -> None:
    tokens = [engine.tokens(t) for t in TEXTS]
    seeds = [chunk_seed(engine.voice.id, t) for t in TEXTS]
    batched = batched_inference(engine._model, tokens, seeds, engine.voice, engine.device, rates=RATES)
    single = [
        batched_inference(engine._model, [t], [s], engine.voice, engine.device, rates=[r])[0]
        for t, s, r in zip(tokens, seeds, RATES, strict=True)
    ]
    through_engine = [next(engine.synthesize([t], [r])) for t, r in zip(TEXTS, RATES, strict=True)]
    # As for equal rates: the decoder's last convolutions reach past a shorter item's end into padding.
    tail = int(0.015 * engine.sample_rate)
    for b, s, e in zip(batched, single, through_engine, strict=True):
        assert b.shape == s.shape == e.shape
        assert np.abs(b[:-tail] - s[:-tail]).max() <= 2 / 32767
        assert np.corrcoef(b[:-tail], s[:-tail])[0, 1] > 0.9999
        assert np.array_equal(to_pcm16(s), e)
    assert len({b.shape for b in batched}) == len(TEXTS)


def test_rates_must_match_the_texts_and_be_positive(engine: VitsEngine) -> None:
    with pytest.raises(ValueError, match="2 rates for 1 texts"):
        list(engine.synthesize([TEXTS[0]], [1.0, 1.0]))
    with pytest.raises(ValueError, match="positive"):
        list(engine.synthesize([TEXTS[0]], [0.0]))
