"""A Coqui VITS voice whose model reads phonemes (Coqui's Bangla phonemizer), and phoneme spans in text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest

from kontho.settings import Settings
from kontho.text.frontend import prepare
from kontho.text.inline_phonemes import wrap
from kontho.voices import Voice
from tests.tiny_vits import build_tiny_phoneme_vits
from worker.engines.vits import VitsEngine

PARAGRAPH = (
    "মালিনীর জল বড় স্থির, আয়নার মত; তাতে গাছের ছায়া, নীল আকাশের ছায়া, রাঙা মেঘের ছায়া। "
    "“কে ওখানে?” — ঋষি ডাকলেন। ১৯৭১ সালে নদীর ধারে ২৫০টি পরিবার ছিল।"
)
PLAIN = [
    "এক নিবিড় অরণ্য ছিল।",
    "তাতে ছিল বড় বড় বট, সারি সারি তাল তমাল, পাহাড় পর্বত।",
    "কী? হ্যাঁ — ঠিক (না)! ১২টা বাজে।",
    PARAGRAPH,
]


@pytest.fixture(scope="module")
def phoneme_vits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_phoneme_vits(tmp_path_factory.mktemp("models") / "bn-tiny-phonemes")


def load(folder: Path) -> VitsEngine:
    voice = Voice(id="bn-tiny-phonemes", engine="vits", model=str(folder))
    engine = VitsEngine(voice, Settings().model_copy(update={"device": "cpu"}))
    engine.load()
    return engine


@pytest.fixture(scope="module")
def engine(phoneme_vits_dir: Path) -> VitsEngine:
    return load(phoneme_vits_dir)


def nfc(text: str) -> str:
    """The front-end may write য় as one code point or two; NFC makes them one spelling."""
    return unicodedata.normalize("NFC", text)


def spoken(engine: VitsEngine, ids: list[int]) -> str:
    """The symbols behind ``ids``, without the blanks Coqui intersperses."""
    tokenizer = engine._model.tokenizer
    return str(tokenizer.decode(ids)).replace(tokenizer.characters.blank, "")


def test_a_phoneme_voice_reads_bangla_text_through_the_front_end(engine: VitsEngine) -> None:
    assert engine.reads_phonemes
    assert engine.vocabulary is None  # the phonemizer reads the written text, not the front-end's filter
    assert engine.phoneme_symbols is not None
    assert {"ক", "।", "ɔ", "ʰ", " "} <= engine.phoneme_symbols
    assert not any(len(s) > 1 for s in engine.phoneme_symbols)  # <PAD>, <BLNK>, … are not symbols

    prepared = prepare(PARAGRAPH, 300, engine.vocabulary)
    assert prepared.warnings == []
    read = nfc(" ".join(chunk.text for chunk in prepared.chunks))
    for word in ("মালিনীর", "স্থির", "আয়নার", "ছায়া", "ঋষি", "ডাকলেন", "পরিবার"):
        assert nfc(word) in read

    audio = list(engine.synthesize([chunk.text for chunk in prepared.chunks]))
    assert len(audio) == len(prepared.chunks)
    assert all(a.dtype == np.int16 and a.shape[0] > engine.sample_rate // 10 for a in audio)
    assert all(np.abs(a).max() > 0 for a in audio)


@pytest.mark.parametrize("text", PLAIN)
def test_text_without_phoneme_spans_gives_exactly_coquis_ids(engine: VitsEngine, text: str) -> None:
    assert engine.tokens(text) == engine._model.tokenizer.text_to_ids(text, language="bn")


def test_a_phoneme_span_reaches_the_model_as_written(engine: VitsEngine) -> None:
    marked = spoken(engine, engine.tokens(f"আমি {wrap('ʃɔkuntɔla')} যাই।"))
    assert "আমি ʃɔkuntɔla যাই" in marked
    # Coqui's Bangla phonemizer closes every text with a dari; the piece before the span is mid-sentence.
    as_coqui = spoken(engine, engine._model.tokenizer.text_to_ids("আমি শকুন্তলা যাই।", language="bn"))
    assert marked.count("।") == as_coqui.count("।")


def test_phoneme_spans_at_the_edges_and_side_by_side(engine: VitsEngine) -> None:
    assert spoken(engine, engine.tokens(wrap("kʰɔ"))) == "kʰɔ"
    assert spoken(engine, engine.tokens(f"{wrap('ami')} {wrap('jai')}")) == "ami jai"
    assert spoken(engine, engine.tokens(f"{wrap('ami')}{wrap('jai')}")) == "amijai"
    assert spoken(engine, engine.tokens(f"বলো {wrap('ʃɔkuntɔla')}।")).startswith("বলো ʃɔkuntɔla")


def test_phoneme_symbols_the_model_does_not_know_are_left_out(engine: VitsEngine) -> None:
    assert "θ" not in (engine.phoneme_symbols or ())
    assert spoken(engine, engine.tokens(wrap("θami"))) == "ami"


def test_a_phoneme_span_changes_the_audio(engine: VitsEngine) -> None:
    one, other = engine.synthesize([f"আমি {wrap('ʃɔkuntɔla')} যাই।", f"আমি {wrap('dʊʃmɔntɔ')} যাই।"])
    assert one.shape != other.shape or not np.array_equal(one, other)


def test_a_grapheme_voice_reads_the_words_around_a_phoneme_span(tiny_vits_dir: Path) -> None:
    grapheme = load(tiny_vits_dir)
    assert not grapheme.reads_phonemes
    assert grapheme.phoneme_symbols is None
    assert grapheme.vocabulary is not None
    tokenizer = grapheme._model.tokenizer
    assert grapheme.tokens(f"আমি {wrap('ʃɔkuntɔla')} যাই।") == tokenizer.text_to_ids("আমি যাই।", language="bn")
    assert grapheme.tokens(f"আমি{wrap('x')}যাই।") == tokenizer.text_to_ids("আমি যাই।", language="bn")
