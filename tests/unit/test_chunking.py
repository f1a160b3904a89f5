from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontho.text.chunking import Boundary, plan_chunks
from kontho.text.segment import paragraphs_with_spans
from kontho.text.unicode import normalize_unicode as normalize
from tests.conftest import corpus_chapter


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("আমি যাই। তুমি এসো।", ["আমি যাই।", "তুমি এসো।"]),
        ("কে? আমি! ঠিক আছে॥ শেষ", ["কে?", "আমি!", "ঠিক আছে॥", "শেষ"]),
        ("সে বলল, “চলো।” তারপর গেল।", ["সে বলল, “চলো।”", "তারপর গেল।"]),
        ("কী?! সত্যি?", ["কী?!", "সত্যি?"]),
        ("তা’তে ছিল বট। আর তাল।", ["তা’তে ছিল বট।", "আর তাল।"]),
        ("দাম ১২.৫০ টাকা। ভালো।", ["দাম ১২.৫০ টাকা।", "ভালো।"]),
        ("no end mark", ["no end mark"]),
    ],
)
def test_sentences_end_at_danda_question_and_exclamation(paragraph: str, expected: list[str]) -> None:
    (sentences,) = paragraphs_with_spans(paragraph)
    assert [s.text for s in sentences] == expected
    assert all(paragraph[s.start : s.end] == s.text for s in sentences)


def test_every_line_is_a_paragraph_and_blank_lines_add_none() -> None:
    text = "প্রথম লাইন।\r\n\r\n  দ্বিতীয়   লাইন।\n\n\nতৃতীয়।\n"
    paragraphs = [[s.text for s in p] for p in paragraphs_with_spans(text)]
    assert paragraphs == [["প্রথম লাইন।"], ["দ্বিতীয়   লাইন।"], ["তৃতীয়।"]]


def test_normalize_composes_and_drops_invisible_spaces() -> None:
    decomposed = "\u0995\u09c7\u09be"  # ক + ে + া, which NFC composes into কো
    assert normalize(decomposed + "\u200b\ufeff") == "\u0995\u09cb"
    assert "\u200d" in normalize("ক্\u200dষ")  # ZWJ shapes conjuncts and must survive


def test_chunks_pack_whole_sentences_and_mark_boundaries() -> None:
    text = "এক। দুই। তিন।\nচার।"
    chunks = plan_chunks(text, max_chars=9)
    # The first line does not fit: it is cut where its sentences' digests say (stable under edits), not
    # after as many sentences as fit.
    assert [c.text for c in chunks] == ["এক।", "দুই। তিন।", "চার।"]
    assert [c.written for c in chunks] == ["এক।", "দুই। তিন।", "চার।"]  # as written: here, as read
    assert [c.boundary for c in chunks] == [Boundary.SENTENCE, Boundary.PARAGRAPH, Boundary.END]
    assert [c.paragraph for c in chunks] == [0, 0, 1]


def test_long_sentence_splits_at_clauses_then_spaces_never_mid_word() -> None:
    sentence = "এক দুই তিন, চার পাঁচ; ছয় সাত আট নয় দশ এগারো।"
    chunks = plan_chunks(sentence, max_chars=12)
    assert {c.written for c in chunks} == {normalize(sentence)}  # each piece shows the whole sentence
    assert all(len(c.text) <= 12 for c in chunks)
    assert [c.text for c in chunks][:2] == ["এক দুই তিন,", "চার পাঁচ;"]
    assert " ".join(c.text for c in chunks).split() == normalize(sentence).split()
    assert chunks[-1].boundary is Boundary.END


def test_a_word_longer_than_the_limit_is_cut_between_letters_never_inside_one() -> None:
    word = "অতিদীর্ঘশব্দটি"
    chunks = plan_chunks(f"ক খ {word} গ।", max_chars=5)
    assert all(len(c.text) <= 5 for c in chunks)
    pieces = [c.text for c in chunks if c.text not in {"ক খ", "গ।"}]
    assert "".join(pieces) == word
    for piece in pieces[1:]:  # no piece starts with a vowel sign or virama, or right after a virama
        assert not unicodedata.category(piece[0]).startswith("M")
    assert not any(p.endswith("\u09cd") for p in pieces[:-1])


def test_corpus_chapter_chunks_respect_the_limit_and_keep_every_word() -> None:
    text = corpus_chapter(1)
    chunks = plan_chunks(text, max_chars=400)
    assert all(len(c.text) <= 400 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == normalize(text).split()
    assert chunks[0].text == "শকুন্তলা ।"
    assert sum(c.text.count("।") for c in chunks) == text.count("।")


def test_empty_text_has_no_chunks() -> None:
    assert plan_chunks(" \n\t\n", 100) == []


_bangla_words = st.text(alphabet=st.sampled_from("কখগঘচছজটডতদনপবমযরলসহ়ািীুূেৈোৌং্"), min_size=1, max_size=12)
_punct = st.sampled_from(["", "", ",", ";", "।", "?", "!", "—", "॥"])
_token = st.tuples(_bangla_words, _punct).map("".join)
_line = st.lists(_token, min_size=0, max_size=40).map(" ".join)
_texts = st.lists(_line, min_size=0, max_size=8).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(text=_texts, max_chars=st.integers(min_value=5, max_value=120))
def test_chunking_loses_and_reorders_nothing(text: str, max_chars: int) -> None:
    chunks = plan_chunks(text, max_chars)
    words = [w for w in re.split(r"\s+", normalize(text)) if w]
    # Words may be cut (a word longer than the limit), never lost, reordered or changed.
    assert "".join(c.text.replace(" ", "") for c in chunks) == "".join(words)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.text == chunk.text.strip()
        assert chunk.text
        assert len(chunk.text) <= max_chars


def test_chunks_know_where_their_sentences_stand_in_the_submitted_text() -> None:
    text = "\ufeffপ্রথম কথা। দ্বিতীয় কথা!\r\n\r\n  তৃতীয়, আর চতুর্থ কথা?\n"
    chunks = plan_chunks(text, max_chars=100, sentence_per_chunk=True)
    assert [text[c.start : c.end] for c in chunks] == [
        "\ufeffপ্রথম কথা।",
        "দ্বিতীয় কথা!",
        "তৃতীয়, আর চতুর্থ কথা?",
    ]
    assert [c.sentence for c in chunks] == [0, 1, 2]
    packed = plan_chunks(text, max_chars=100)
    assert [(c.start, c.end, c.sentence) for c in packed] == [
        (0, chunks[1].end, 0),
        (chunks[2].start, chunks[2].end, 2),
    ]


def test_a_split_sentence_keeps_its_span_on_every_piece() -> None:
    text = "এক দুই তিন, চার পাঁচ; ছয় সাত আট নয় দশ এগারো।"
    chunks = plan_chunks(text, max_chars=12, sentence_per_chunk=True)
    assert len(chunks) > 1
    assert {(c.start, c.end, c.sentence) for c in chunks} == {(0, len(text), 0)}
