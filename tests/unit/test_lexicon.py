"""Pronunciation lexicons: entries, matching rules, PLS files as Polly and Azure write them, digests and
limits."""

from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any

import pytest
from pydantic import ValidationError

from kontho.jobspec import MAX_LEXICONS_PER_JOB
from kontho.lexicon import (
    Lexicon,
    LexiconEntry,
    LexiconInvalid,
    LexiconLimits,
    LexiconSet,
    parse_json_entries,
    parse_pls,
    parse_pls_with_lines,
)
from kontho.text.unicode import normalize_unicode
from tests.conftest import REPO


def lexicon(name: str, *entries: dict[str, Any]) -> Lexicon:
    return Lexicon(name=name, entries=tuple(LexiconEntry(**e) for e in entries))


def read(lexicons: list[Lexicon], text: str) -> list[tuple[str, str, str | None]]:
    """(what matched, which lexicon, its alias), left to right."""
    return [(text[m.start : m.end], m.lexicon, m.entry.alias) for m in LexiconSet(lexicons).find(text)]


NAMES = lexicon(
    "names",
    {"grapheme": "Dhaka", "alias": "ঢাকা"},
    {"grapheme": "Dhaka University", "alias": "ঢাকা ইউনিভার্সিটি"},
    {"grapheme": "রবীন্দ্রনাথ", "alias": "রোবিন্দ্রোনাথ"},
    {"grapheme": "WHO", "alias": "হু", "case_sensitive": True},
    {"grapheme": "ঠাকুর", "alias": "ঠাকুর্", "whole_word": False},
)
PLACES = lexicon(
    "places",
    {"grapheme": "dhaka", "alias": "ঢাকা শহর"},
    {"grapheme": "চট্টগ্রাম", "alias": "চিটাগাং"},
    {"grapheme": "রবীন্দ্রনাথ ঠাকুর", "alias": "কবিগুরু"},
)


@pytest.mark.parametrize(
    ("lexicons", "text", "expected"),
    [
        # Longest match first, whichever lexicon it is in.
        (
            [NAMES, PLACES],
            "Dhaka University, Dhaka",
            [("Dhaka University", "names", "ঢাকা ইউনিভার্সিটি"), ("Dhaka", "names", "ঢাকা")],
        ),
        ([NAMES, PLACES], "রবীন্দ্রনাথ ঠাকুর লিখেছেন", [("রবীন্দ্রনাথ ঠাকুর", "places", "কবিগুরু")]),
        # Equally long: the earlier lexicon in the job's list wins.
        ([NAMES, PLACES], "in Dhaka.", [("Dhaka", "names", "ঢাকা")]),
        ([PLACES, NAMES], "in Dhaka.", [("Dhaka", "places", "ঢাকা শহর")]),
        # Case: ignored unless the entry asks; an acronym that asks matches only as written.
        ([NAMES], "DHAKA UNIVERSITY", [("DHAKA UNIVERSITY", "names", "ঢাকা ইউনিভার্সিটি")]),
        ([NAMES], "who is WHO", [("WHO", "names", "হু")]),
        # Whole words only, in both scripts: not inside a longer word, nor before a Bangla vowel sign.
        ([NAMES], "Dhakai muslin", []),
        ([NAMES], "রবীন্দ্রনাথের গান", []),
        ([NAMES], "(রবীন্দ্রনাথ)।", [("রবীন্দ্রনাথ", "names", "রোবিন্দ্রোনাথ")]),
        ([NAMES], "WHO-এর নির্দেশ", [("WHO", "names", "হু")]),
        # An entry that says whole_word: false matches inside a word too.
        ([NAMES], "ঠাকুরবাড়ি", [("ঠাকুর", "names", "ঠাকুর্")]),
        # Phrases, and matches that never overlap.
        (
            [NAMES, PLACES],
            "চট্টগ্রাম থেকে Dhaka University।",
            [("চট্টগ্রাম", "places", "চিটাগাং"), ("Dhaka University", "names", "ঢাকা ইউনিভার্সিটি")],
        ),
        ([NAMES], "", []),
    ],
)
def test_matching_rules(lexicons: list[Lexicon], text: str, expected: list[tuple[str, str, str]]) -> None:
    assert read(lexicons, normalize_unicode(text)) == expected


def test_within_a_lexicon_the_earlier_entry_wins() -> None:
    doubled = lexicon("d", {"grapheme": "Bob", "alias": "রবার্ট"}, {"grapheme": "BOB", "alias": "ববি"})
    assert read([doubled], "hi bob") == [("bob", "d", "রবার্ট")]


def test_whole_word_does_not_cross_a_joiner_or_a_digit() -> None:
    lex = lexicon("j", {"grapheme": "কর", "alias": "করো"}, {"grapheme": "km", "alias": "কিমি"})
    assert read([lex], "কর\u200dম 12km km") == [("km", "j", "কিমি")]


def test_graphemes_are_normalized_so_any_spelling_of_a_nukta_letter_matches() -> None:
    decomposed = "\u09af\u09bc\u09be\u09a8"  # যান with য + nukta
    lex = lexicon("n", {"grapheme": decomposed, "alias": "যাঁন"})
    assert lex.entries[0].grapheme == "\u09df\u09be\u09a8"
    assert [m.entry.alias for m in LexiconSet([lex]).find(normalize_unicode(f"সে {decomposed}।"))] == ["যাঁন"]


def test_offsets_index_the_text() -> None:
    text = "আমি Dhaka University যাই"
    [match] = LexiconSet([NAMES]).find(text)
    assert (match.start, match.end) == (4, 20)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"grapheme": "x"}, "needs an alias or a phoneme"),
        ({"grapheme": "   ", "alias": "y"}, "blank"),
        ({"grapheme": "a\nb", "alias": "y"}, "one line"),
        ({"grapheme": "x" * 101, "alias": "y"}, "at most 100"),
        ({"grapheme": "x", "alias": "y", "case_sensitive": "yes"}, "boolean"),
        ({"grapheme": "x", "alias": "y", "whole_word": 1}, "boolean"),
        ({"grapheme": "x", "alias": "y", "colour": "red"}, "Extra inputs"),
        ({"grapheme": "\ud800", "alias": "y"}, "unicode"),  # a lone surrogate is not text
    ],
)
def test_an_entry_that_cannot_be_read_is_refused(entry: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        LexiconEntry(**entry)


def test_json_entries_name_the_field_at_fault() -> None:
    with pytest.raises(LexiconInvalid, match=r"entries\.1\.grapheme") as caught:
        parse_json_entries({"entries": [{"grapheme": "a", "alias": "b"}, {"grapheme": "", "alias": "c"}]})
    assert caught.value.field == "entries.1.grapheme"
    with pytest.raises(LexiconInvalid, match="needs an alias or a phoneme") as caught:
        parse_json_entries({"entries": [{"grapheme": "a"}]})
    assert caught.value.field == "entries.0"
    with pytest.raises(LexiconInvalid, match="entries"):
        parse_json_entries([{"grapheme": "a", "alias": "b"}])
    assert parse_json_entries({"entries": []}) == ()


def test_limits_name_the_field_and_the_limit() -> None:
    entries = parse_json_entries({"entries": [{"grapheme": f"w{i}", "alias": "ক"} for i in range(3)]})
    with pytest.raises(LexiconInvalid, match="3 entries; the limit is 2") as caught:
        LexiconLimits(max_entries=2).check(entries)
    assert caught.value.field == "entries"
    long = parse_json_entries(
        {"entries": [{"grapheme": "a", "alias": "b"}, {"grapheme": "c", "phoneme": "x" * 11}]}
    )
    with pytest.raises(
        LexiconInvalid, match=r"entries\.1\.phoneme: 11 characters; the limit is 10"
    ) as caught:
        LexiconLimits(max_alias_chars=10).check(long)
    assert caught.value.field == "entries.1.phoneme"
    LexiconLimits(max_entries=2, max_alias_chars=11).check(long)
    assert MAX_LEXICONS_PER_JOB == 5


def test_the_digest_is_stable_and_follows_every_change() -> None:
    one = lexicon("a", {"grapheme": "x", "alias": "y"}, {"grapheme": "p", "phoneme": "q"})
    same = lexicon("b", {"grapheme": "x", "alias": "y"}, {"grapheme": "p", "phoneme": "q"})
    assert one.digest == same.digest  # the name is not the content
    assert len(one.digest) == len("sha256:") + 64
    assert (
        one.digest
        == "sha256:"
        + hashlib.sha256(
            b'[{"alias":"y","case_sensitive":false,"grapheme":"x","phoneme":null,"whole_word":true},'
            b'{"alias":null,"case_sensitive":false,"grapheme":"p","phoneme":"q","whole_word":true}]'
        ).hexdigest()
    )
    changed = [
        lexicon("a", {"grapheme": "x", "alias": "z"}, {"grapheme": "p", "phoneme": "q"}),
        lexicon("a", {"grapheme": "x", "alias": "y", "whole_word": False}, {"grapheme": "p", "phoneme": "q"}),
        lexicon("a", {"grapheme": "p", "phoneme": "q"}, {"grapheme": "x", "alias": "y"}),
        lexicon("a", {"grapheme": "x", "alias": "y"}),
    ]
    assert len({one.digest, *(c.digest for c in changed)}) == 1 + len(changed)
    assert LexiconSet([one, changed[0]]).digests == {"a": one.digest} | {"a": changed[0].digest}


POLLY = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0"
      xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
      xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
      xsi:schemaLocation="http://www.w3.org/2005/01/pronunciation-lexicon
        http://www.w3.org/TR/2007/CR-pronunciation-lexicon-20071212/pls.xsd"
      alphabet="ipa" xml:lang="bn-IN">
  <lexeme>
    <grapheme>W3C</grapheme>
    <alias>ওয়ার্ল্ড ওয়াইড ওয়েব কনসর্টিয়াম</alias>
  </lexeme>
  <lexeme>
    <grapheme>রবীন্দ্রনাথ</grapheme>
    <phoneme>ɾobind̪ɾonat̪ʰ</phoneme>
  </lexeme>
</lexicon>
""".encode()

# Azure's custom lexicon: several graphemes per lexeme, padded text, an example, a comment.
AZURE = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://www.w3.org/2005/01/pronunciation-lexicon
           http://www.w3.org/TR/2007/CR-pronunciation-lexicon-20071212/pls.xsd"
         version="1.0" alphabet="ipa" xml:lang="bn-BD">
  <!-- spellings of one name -->
  <lexeme>
    <grapheme> Dhaka </grapheme>
    <grapheme>Dacca</grapheme>
    <alias>ঢাকা</alias>
    <example>Dhaka is a city.</example>
  </lexeme>
  <lexeme>
    <grapheme>BUET</grapheme>
    <alias>বুয়েট</alias>
    <phoneme alphabet="ipa">bujet̪</phoneme>
    <phoneme prefer="true">buet̪</phoneme>
  </lexeme>
</lexicon>
""".encode()


def test_a_polly_lexicon_is_read() -> None:
    entries = parse_pls(POLLY)
    assert [(e.grapheme, e.alias, e.phoneme) for e in entries] == [
        ("W3C", normalize_unicode("ওয়ার্ল্ড ওয়াইড ওয়েব কনসর্টিয়াম"), None),
        ("রবীন্দ্রনাথ", None, "ɾobind̪ɾonat̪ʰ"),
    ]
    # PLS graphemes are written as they are meant: case-sensitive, whole words.
    assert all(e.case_sensitive and e.whole_word for e in entries)


def test_an_azure_lexicon_is_read_one_entry_per_grapheme() -> None:
    entries, lines = parse_pls_with_lines(AZURE)
    assert [(e.grapheme, e.alias, e.phoneme) for e in entries] == [
        ("Dhaka", "ঢাকা", None),
        ("Dacca", "ঢাকা", None),
        ("BUET", normalize_unicode("বুয়েট"), "buet̪"),  # the preferred phoneme
    ]
    assert lines == (8, 8, 14)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            b'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">\n'
            b"<lexeme><grapheme>a</grapheme><alias>b</alias></lexeme>\n\n"
            b"<lexeme>\n  <alias>c</alias>\n</lexeme></lexicon>",
            "line 4: lexeme has no grapheme",
        ),
        (
            b'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">\n'
            b"<lexeme><grapheme>a</grapheme></lexeme></lexicon>",
            "line 2: lexeme has neither an alias nor a phoneme",
        ),
        (
            b'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">\n'
            b"<lexeme><grapheme>a</grapheme>\n<alias>b</alias>\n</lexicon>",
            "line 4",  # the mismatched end tag
        ),
        (
            b'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">\n'
            b"<lexeme><graphem>a</graphem><alias>b</alias></lexeme></lexicon>",
            "line 2: <graphem> is not a PLS element",
        ),
        (
            b'<lexicon version="1.0" alphabet="ipa" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">'
            b'\n<lexeme><grapheme>a</grapheme>\n<phoneme alphabet="x-sampa">@</phoneme></lexeme></lexicon>',
            'line 3: alphabet "x-sampa"',
        ),
        (
            b'<lexicon version="1.0" alphabet="x-sampa" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">'
            b"\n<lexeme><grapheme>a</grapheme><alias>b</alias></lexeme></lexicon>",
            'line 1: alphabet "x-sampa"',
        ),
        (
            b'<lexicon version="2.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"/>',
            'line 1: <lexicon> has version="2.0"',
        ),
        (
            b'<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"/>',
            "line 1: <lexicon> has no version",
        ),
        (b"<speak>hello</speak>", "a PLS document has <lexicon"),
        (b"not xml at all", "line 1"),
        (
            b'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">\n'
            b"<lexeme><grapheme>a</grapheme><alias>" + b"x" * 300 + b"</alias></lexeme>\n"
            b"<lexeme><grapheme>\x01</grapheme><alias>b</alias></lexeme></lexicon>",
            "line 3: PCDATA invalid Char",  # a control character is not XML at all
        ),
    ],
)
def test_a_malformed_pls_file_names_the_line(document: bytes, message: str) -> None:
    with pytest.raises(LexiconInvalid, match=message) as caught:
        parse_pls(document)
    assert caught.value.line is not None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lexicon [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">
<lexeme><grapheme>&lol3;</grapheme><alias>b</alias></lexeme></lexicon>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE lexicon SYSTEM "http://example.com/pls.dtd">
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"/>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL])
def test_a_doctype_or_entities_are_refused(document: bytes) -> None:
    with pytest.raises(LexiconInvalid, match=r"DOCTYPE|entity"):
        parse_pls(document)


def test_a_lexicon_of_a_thousand_entries_reads_a_book_in_well_under_a_second() -> None:
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "tests/corpus").rglob("*.txt")))
    text = normalize_unicode(corpus)
    book = text * (300_000 // len(text.encode()) + 1)
    words = sorted({w.strip("।,;!?'\"()") for w in text.split()} - {""})[:1000]
    entries = tuple(
        LexiconEntry(grapheme=w, alias="ক", case_sensitive=bool(i % 2), whole_word=bool(i % 3))
        for i, w in enumerate(words)
    )
    started = time.perf_counter()
    matches = LexiconSet([Lexicon(name="big", entries=entries)]).find(book)
    elapsed = time.perf_counter() - started
    assert len(matches) > 1000
    assert all(a.end <= b.start for a, b in itertools.pairwise(matches))
    assert elapsed < 3.0  # about 0.1 s on a quiet machine; the bound leaves room for a busy one
