"""English words in Bangla script, and the front-end as a whole: nothing Latin or numeric left, nothing
raised, and the real book read with nothing dropped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontho.text.english import COMMON_WORDS, english
from kontho.text.frontend import prepare
from kontho.text.unicode import normalize_unicode
from kontho.text.verbalize import verbalize
from tests.conftest import CORPUS

BANGLA_ONLY = re.compile(r"[\u0980-\u09ff\u200c\u200d]+(?: [\u0980-\u09ff\u200c\u200d]+)*")
LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9০-৯]")


@pytest.mark.parametrize(
    ("word", "bangla"),
    [
        ("university", "ইউনিভার্সিটি"),  # the table
        ("Computer", "কম্পিউটার"),  # any case
        ("music", "মিউজিক"),  # the pronouncing dictionary: C + Y + UW is িউ
        ("twenty", "টুয়েন্টি"),  # W after a consonant
        ("yes", "ইয়েস"),
        ("queen", "কুইন"),
        ("first", "ফার্স্ট"),  # reph
        ("next", "নেক্সট"),  # no three-consonant conjunct
        ("black", "ব্ল্যাক"),  # ya-phala after a cluster
        ("ran", "র\u200d্যান"),  # র + ya-phala, not a reph
        ("idea", "আইডিয়া"),  # a vowel after a vowel takes য়
        ("singer", "সিঙ্গার"),
        ("actor", "অ্যাক্টর"),  # -or, as Bangla writes it
        ("café", "ক্যাফে"),  # accents folded
        ("bd", "বি ডি"),  # no vowel: the letters
        ("Shondesh", "শন্ডেশ"),  # in no dictionary: spelling rules
        ("kontho", "কন্থ"),
    ],
)
def test_english_words_in_bangla_script(word: str, bangla: str) -> None:
    assert english(word) == normalize_unicode(bangla)


def test_every_table_word_is_bangla_script() -> None:
    for word, bangla in COMMON_WORDS.items():
        assert BANGLA_ONLY.fullmatch(bangla), word


latin_words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZé'", min_size=1, max_size=12
)
pieces = st.one_of(
    latin_words,
    st.text(alphabet="অআইউএওকখগঘচছজঝটঠডঢতথদধনপফবভমযরলশষসহড়য়ংঃঁািীুূেোৌ্", min_size=1, max_size=8),
    st.text(alphabet="0123456789০১২৩৪৫৬৭৮৯", min_size=1, max_size=16),
    st.sampled_from(list(" ,.;:!?।-–/%&@+$৳£€₹°‰½()'\"=#*")),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=14).map("".join))
def test_verbalize_leaves_no_latin_letter_or_digit_and_never_raises(text: str) -> None:
    spoken = verbalize(normalize_unicode(text))
    assert not LATIN_OR_DIGIT.search(spoken), (text, spoken)


def _corpus_files() -> list[Path]:
    shared = Path("/work/shared/corpus")
    return sorted(CORPUS.glob("*.txt")) + (sorted(shared.rglob("*.txt")) if shared.is_dir() else [])


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: str(p))
def test_the_whole_corpus_reads_with_nothing_dropped(path: Path) -> None:
    prepared = prepare(path.read_text(encoding="utf-8"), 300)
    assert prepared.warnings == []
    assert prepared.chunks
