"""Lexicons and SSML through the front-end: what each chunk reads, its pauses, rates and marks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontho.lexicon import Lexicon, LexiconEntry, LexiconSet
from kontho.text import inline_phonemes
from kontho.text.chunking import Boundary
from kontho.text.frontend import prepare, silence_after
from kontho.text.ssml import SsmlInvalid
from kontho.text.unicode import normalize_unicode as nfc
from worker.chunk_cache import chunk_digest

NAMES = Lexicon(
    name="names",
    entries=(
        LexiconEntry(grapheme="Dhaka University", alias="ঢাকা ইউনিভার্সিটি"),
        LexiconEntry(grapheme="Dhaka", alias="ঢাকা"),
        LexiconEntry(grapheme="রবীন্দ্রনাথ", alias="রোবিন্দ্রোনাথ", phoneme="ɾobind̪ɾonat̪ʰ"),
    ),
)
PLACES = Lexicon(name="places", entries=(LexiconEntry(grapheme="Dhaka", alias="ঢাকা শহর"),))


def read(text: str, **options: object) -> list[str]:
    return [c.text for c in prepare(text, 300, **options).chunks]  # type: ignore[arg-type]


def test_the_longest_written_form_wins_and_the_earlier_lexicon_breaks_ties() -> None:
    lexicons = LexiconSet([NAMES, PLACES])
    assert read("আমি Dhaka University যাব।", lexicons=lexicons) == [nfc("আমি ঢাকা ইউনিভার্সিটি যাব।")]
    assert read("আমি Dhaka যাব।", lexicons=lexicons) == [nfc("আমি ঢাকা যাব।")]
    assert read("আমি Dhaka যাব।", lexicons=LexiconSet([PLACES, NAMES])) == [nfc("আমি ঢাকা শহর যাব।")]


def test_the_preview_knows_which_entries_each_chunk_used() -> None:
    prepared = prepare("রবীন্দ্রনাথ এলেন।\nকেউ এল না।", 20, lexicons=LexiconSet([NAMES]))
    first, second = prepared.chunks
    assert [(u.lexicon, u.grapheme, u.reads) for u in first.lexicon] == [
        ("names", nfc("রবীন্দ্রনাথ"), nfc("রোবিন্দ্রোনাথ"))
    ]
    assert second.lexicon == ()


def test_a_phoneme_voice_reads_the_entrys_phonemes_and_another_its_alias() -> None:
    lexicons = LexiconSet([NAMES])
    phonemes = read("রবীন্দ্রনাথ এলেন।", lexicons=lexicons, reads_phonemes=True)
    assert phonemes == [nfc(f"{inline_phonemes.wrap('ɾobind̪ɾonat̪ʰ')} এলেন।")]
    assert read("রবীন্দ্রনাথ এলেন।", lexicons=lexicons) == [nfc("রোবিন্দ্রোনাথ এলেন।")]


def test_phonemes_a_voice_cannot_read_are_a_warning_not_a_silent_drop() -> None:
    only_phonemes = LexiconSet([Lexicon(name="p", entries=(LexiconEntry(grapheme="কাজী", phoneme="kaʤi"),))])
    prepared = prepare("কাজী এলেন।", 300, lexicons=only_phonemes)
    assert [c.text for c in prepared.chunks] == [nfc("কাজী এলেন।")]
    assert [w.kind for w in prepared.warnings] == ["phonemes_not_read"]


def test_a_break_is_silence_of_its_own_length_in_place_of_the_pause() -> None:
    ssml = '<speak><p>প্রথম কথা।<break time="1500ms"/>দ্বিতীয় কথা। তৃতীয় কথা।</p></speak>'
    chunks = prepare(ssml, 300, text_format="ssml").chunks
    assert [c.text for c in chunks] == [nfc("প্রথম কথা।"), nfc("দ্বিতীয় কথা। তৃতীয় কথা।")]
    assert [silence_after(c, 400, 800) for c in chunks] == [1500, 0]


def test_a_break_inside_a_sentence_cuts_it_there() -> None:
    ssml = '<speak>আমি <break strength="strong"/>যাব।</speak>'
    first, second = prepare(ssml, 300, text_format="ssml").chunks
    assert (first.text, first.boundary, first.pause_ms) == ("আমি", Boundary.WORD, 750)
    assert second.text == "যাব।"


def test_a_break_before_any_words_is_silence_before_them() -> None:
    (chunk,) = prepare('<speak><break time="2s"/>কথা।</speak>', 300, text_format="ssml").chunks
    assert chunk.pause_before_ms == 2000


def test_marks_land_on_the_chunk_they_precede_or_after_the_last() -> None:
    ssml = '<speak><mark name="a"/>এক। <mark name="b"/>দুই।<mark name="end"/></speak>'
    chunks = prepare(ssml, 300, text_format="ssml").chunks
    assert [(c.text, c.marks, c.marks_after) for c in chunks] == [
        ("এক।", ("a",), ()),
        ("দুই।", ("b",), ("end",)),
    ]


def test_prosody_rate_is_carried_by_the_chunks_it_covers() -> None:
    ssml = '<speak>ধীরে নয়। <prosody rate="slow">ধীরে বলো।</prosody> আবার।</speak>'
    chunks = prepare(ssml, 300, text_format="ssml").chunks
    assert [(c.text, c.rate) for c in chunks] == [
        (nfc("ধীরে নয়।"), 1.0),
        (nfc("ধীরে বলো।"), 0.8),
        (nfc("আবার।"), 1.0),
    ]


def test_sub_and_say_as_read_their_replacements_and_subtitles_show_the_text() -> None:
    ssml = (
        '<speak><sub alias="বিশ্ব স্বাস্থ্য সংস্থা">WHO</sub> বলেছে '
        '<say-as interpret-as="digits">১২৩</say-as>।</speak>'
    )
    (chunk,) = prepare(ssml, 300, text_format="ssml").chunks
    assert chunk.text == nfc("বিশ্ব স্বাস্থ্য সংস্থা বলেছে এক দুই তিন।")
    assert chunk.written == "WHO বলেছে ১২৩।"


def test_ssml_phoneme_for_a_voice_that_reads_none_is_a_warning() -> None:
    ssml = '<speak><phoneme alphabet="ipa" ph="kaʤi">কাজী</phoneme> এলেন।</speak>'
    prepared = prepare(ssml, 300, text_format="ssml")
    assert [c.text for c in prepared.chunks] == [nfc("কাজী এলেন।")]
    assert [w.kind for w in prepared.warnings] == ["phonemes_not_read"]
    with_phonemes = prepare(ssml, 300, text_format="ssml", reads_phonemes=True)
    assert with_phonemes.chunks[0].text == f"{inline_phonemes.wrap('kaʤi')} {nfc('এলেন।')}"


def test_what_ssml_kontho_does_not_honour_is_a_warning_with_its_line() -> None:
    ssml = "<speak>\n<p><emphasis>জোরে</emphasis> বলো।</p>\n</speak>"
    prepared = prepare(ssml, 300, text_format="ssml")
    assert [c.text for c in prepared.chunks] == [nfc("জোরে বলো।")]
    (warning,) = prepared.warnings
    assert warning.kind == "ssml_not_honoured"
    assert warning.examples[0].startswith("line 2:")


def test_invalid_ssml_names_the_line_and_column() -> None:
    with pytest.raises(SsmlInvalid) as caught:
        prepare("<speak>\n<p>কথা</s></speak>", 300, text_format="ssml")
    assert caught.value.line == 2


def test_one_dropped_character_is_one_character() -> None:
    (warning,) = prepare("কথা ☃ বলো।", 300).warnings
    assert warning.message.startswith("1 character the voice cannot read was left out")


WORDS = ["আমি", "তুমি", "সে", "বই", "পড়ি", "গান", "গাই", "মাঠে", "খেলি", "ঢাকা"]
ALIASES = {"বই": "কিতাব", "মাঠে": "ময়দানে", "ঢাকা": "ঢাকা শহর"}
WORDS_LEXICON = Lexicon(
    name="words", entries=tuple(LexiconEntry(grapheme=g, alias=a) for g, a in ALIASES.items())
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30))
def test_lexicons_lose_and_reorder_nothing_outside_what_they_replace(words: list[str]) -> None:
    text = " ".join(words) + "।"
    spoken = " ".join(read(text, lexicons=LexiconSet([WORDS_LEXICON])))
    expected = " ".join(ALIASES.get(w, w) for w in words) + "।"
    assert spoken == nfc(expected)


_PIECE = st.one_of(
    st.sampled_from(WORDS).map(lambda w: (w, w)),
    st.sampled_from(list(ALIASES)).map(lambda w: (f'<sub alias="{ALIASES[w]}">{w}</sub>', ALIASES[w])),
    st.just(('<break time="300ms"/>', None)),
    st.just(('<mark name="m"/>', None)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_PIECE, min_size=1, max_size=25))
def test_ssml_loses_and_reorders_nothing_outside_what_it_replaces(
    pieces: list[tuple[str, str | None]],
) -> None:
    markup = " ".join(m for m, _ in pieces)
    expected = [said for _, said in pieces if said is not None]
    chunks = prepare(f"<speak><p>{markup}</p></speak>", 300, text_format="ssml").chunks
    spoken = " ".join(c.text for c in chunks).split()
    assert spoken == nfc(" ".join(expected)).split()
    if not chunks:
        return
    breaks = sum(1 for m, _ in pieces if m.startswith("<break"))
    silence = sum(c.pause_before_ms + (c.pause_ms or 0) for c in chunks)
    assert silence == 300 * breaks


def test_only_the_chunks_an_edited_entry_touches_get_new_checkpoint_keys() -> None:
    text = "প্রথমে কেউ আসেনি।\nতারপর Dhaka থেকে চিঠি এল।\nশেষে সবাই ঘুমাল।"

    def keys(alias: str) -> list[str]:
        lexicon = Lexicon(name="p", entries=(LexiconEntry(grapheme="Dhaka", alias=alias),))
        chunks = prepare(text, 30, lexicons=LexiconSet([lexicon])).chunks
        return [chunk_digest("espeak-ng", "{}", c.text) for c in chunks]

    before, after = keys("ঢাকা"), keys("ঢাকা শহর")
    assert [b == a for b, a in zip(before, after, strict=True)] == [True, False, True]
