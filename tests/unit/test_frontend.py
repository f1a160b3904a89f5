"""The Bangla front-end, rule by rule, on a table of cases; and on the real book."""

from __future__ import annotations

import pytest

from kontho.text.chapters import split_chapters
from kontho.text.frontend import prepare
from kontho.text.markdown import to_plain
from kontho.text.unicode import normalize_unicode, repair_bangla
from kontho.text.verbalize import verbalize
from tests.conftest import corpus_chapter


def said(text: str) -> str:
    return repair_bangla(verbalize(normalize_unicode(text)))


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # digits, Bangla and ASCII
        ("৫ টি", "পাঁচ টি"),
        ("আমি ৩টি আম", "আমি তিনটি আম"),
        ("7 জন", "সাত জন"),
        ("০", "শূন্য"),
        # Indian and Western grouping
        ("১,২৩,৪৫৬ জন", "এক লাখ তেইশ হাজার চারশত ছাপ্পান্ন জন"),
        ("123,456", "এক লাখ তেইশ হাজার চারশত ছাপ্পান্ন"),
        ("১,০০,০০,০০০", "এক কোটি"),
        # decimals and negatives
        ("দাম ১২.৫০", "দাম বারো দশমিক পাঁচ শূন্য"),
        ("-৫ ডিগ্রি", "ঋণাত্মক পাঁচ ডিগ্রি"),
        ("তাপমাত্রা −৩.৫", "তাপমাত্রা ঋণাত্মক তিন দশমিক পাঁচ"),
        ("১০-১২ জন", "দশ থেকে বারো জন"),
        # years
        ("১৯৭১ সালে", "উনিশশো একাত্তর সালে"),
        ("২০২৪ সালের", "দুই হাজার চব্বিশ সালের"),
        ("১৯০০ খ্রিস্টাব্দ", "উনিশশো খ্রিস্টাব্দ"),
        # dates
        ("২১/০২/১৯৫২", "একুশে ফেব্রুয়ারি উনিশশো বাহান্ন"),
        ("১৬-১২-১৯৭১", "ষোলোই ডিসেম্বর উনিশশো একাত্তর"),
        ("২১শে ফেব্রুয়ারি", "একুশে ফেব্রুয়ারি"),
        ("১লা বৈশাখ", "পহেলা বৈশাখ"),
        ("২৬ মার্চ", "ছাব্বিশে মার্চ"),
        # times
        ("১০:৩০ মিনিটে", "দশটা ত্রিশ মিনিটে"),
        ("৭:০০", "সাতটা"),
        ("১০:০০টায়", "দশটায়"),
        ("১০:৩০টায়", "দশটা ত্রিশ মিনিটে"),
        ("৫:১৫টার ট্রেন", "পাঁচটা পনের মিনিটের ট্রেন"),
        # money and percentages
        ("৳৫০০", "পাঁচশত টাকা"),
        ("৫০০ টাকা", "পাঁচশত টাকা"),
        ("৳১২.৫০", "বারো টাকা পঞ্চাশ পয়সা"),
        ("১,২০০৳", "এক হাজার দুইশত টাকা"),
        ("৫০% লোক", "পঞ্চাশ শতাংশ লোক"),
        ("১২.৫ %", "বারো দশমিক পাঁচ শতাংশ"),
        # ordinals
        ("১ম", "প্রথম"),
        ("২য়", "দ্বিতীয়"),
        ("৩য় অধ্যায়", "তৃতীয় অধ্যায়"),
        ("৪র্থ", "চতুর্থ"),
        ("৬ষ্ঠ", "ষষ্ঠ"),
        ("১০ম শ্রেণি", "দশম শ্রেণি"),
        ("২১তম", "একুশতম"),
        # abbreviations
        ("ডা. রহিম", "ডাক্তার রহিম"),
        ("মো. করিম", "মোহাম্মদ করিম"),
        ("মোসা. রহিমা", "মোসাম্মত রহিমা"),
        ("বি.দ্র. কাল", "বিশেষ দ্রষ্টব্য কাল"),
        ("৫ কি.মি. পথ", "পাঁচ কিলোমিটার পথ"),
        # long digit strings are read digit by digit
        ("০১৭১১২২৩৩৪৪৫৫৬৬৭৭", "শূন্য এক সাত এক এক দুই দুই তিন তিন চার চার পাঁচ পাঁচ ছয় ছয় সাত সাত"),
    ],
)
def test_what_a_reader_says_aloud(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@pytest.mark.parametrize(
    ("written", "repaired"),
    [
        ("অাম", "আম"),  # অ + া is আ
        ("কোা", "কো"),  # a doubled vowel sign
        ("তা’তে", "তাতে"),  # the old apostrophe elision
        ("\u09a1\u09bc", "\u09dc"),  # ড + nukta is ড়, one code point
        ("\u09af\u09bc", "\u09df"),  # য + nukta is য়
        ("ক্\u200dষ", "ক্\u200dষ"),  # a joiner that shapes a conjunct stays
        ("a\u200bb\ufeff", "ab"),  # invisible characters go
    ],
)
def test_unicode_repair(written: str, repaired: str) -> None:
    assert repair_bangla(normalize_unicode(written)) == repaired


def test_characters_a_voice_cannot_read_are_counted_not_silently_dropped() -> None:
    vocabulary = set("আমিখাইবারোটাএকদশশতংশ ")
    prepared = prepare("আমি ১২টা আম খাই 😀। 你好! ১০%", 100, vocabulary)
    assert [c.text for c in prepared.chunks] == ["আমি বারোটা আম খাই । দশ শতাংশ"]
    (warning,) = prepared.warnings
    assert (warning.kind, warning.count) == ("unsupported_characters", 3)
    assert set(warning.examples) == {"😀", "你", "好"}
    assert "U+1F600" in warning.message


def test_the_default_vocabulary_keeps_bangla_latin_and_punctuation() -> None:
    prepared = prepare("আমি BBC শুনি। “ভালো!”", 100)
    assert prepared.warnings == []
    assert prepared.chunks[0].text == "আমি বি বি সি শুনি। “ভালো!”"  # an acronym is read by its letters


def test_the_whole_corpus_goes_through_with_no_digit_left_and_no_word_lost() -> None:
    for n in (1, 2, 3, 4):
        text = corpus_chapter(n)
        prepared = prepare(text, 300)
        spoken = " ".join(c.text for c in prepared.chunks)
        assert not any(ch.isdigit() for ch in spoken)
        assert prepared.warnings == []
        assert len(spoken.split()) >= 0.95 * len(text.split())
        assert all(len(c.text) <= 300 for c in prepared.chunks)


MARKED_UP = """ভূমিকা: *এই* বইটি __পুরোনো__।

# প্রথম *অধ্যায়* #

শকুন্তলা **বনের** পথে [হাঁটছিল](https://example.com/a_b_c "পথ")। ![হরিণের ছবি](deer.png)
পাখিরা `গান` গাইছিল।

> রাজা বললেন, ~~না~~ হ্যাঁ।

- এক কথা।
- দুই কথা।

1. তিন কথা।

<span class="x">ঋষি</span> এলেন।<br/>

<div class="scene">দৃশ্য বদল</div>

```
কোডের ভেতরের কথা।
```

## দ্বিতীয় [অধ্যায়][২]

***

হরিণ ছুটে পালাল &amp; থামল। <https://example.org>

[২]: https://example.net
"""
MARKS = set("#*_[]()!`>~<|")


def test_no_markdown_mark_reaches_the_voice_or_the_subtitles() -> None:
    prepared = prepare(MARKED_UP, 400, text_format="markdown", sentence_per_chunk=True)
    assert [c.written for c in prepared.chunks] == [
        normalize_unicode(s)
        for s in [
            "ভূমিকা: এই বইটি পুরোনো।",
            "প্রথম অধ্যায়",
            "শকুন্তলা বনের পথে হাঁটছিল।",  # a link reads as its text; an image, alt text too, not at all
            "পাখিরা গান গাইছিল।",  # a soft line break is a space
            "রাজা বললেন, না হ্যাঁ।",
            "এক কথা।",
            "দুই কথা।",
            "তিন কথা।",
            "ঋষি এলেন।",  # HTML tags say nothing, an HTML block nothing at all
            "কোডের ভেতরের কথা।",
            "দ্বিতীয় অধ্যায়",
            "হরিণ ছুটে পালাল & থামল।",  # an entity is its character; an autolink is not read
        ]
    ]
    for chunk in prepared.chunks:
        assert not MARKS & set(chunk.text + chunk.written), chunk
        assert not {"http", "example", "png", "span", "div"} & set(chunk.written.split())
    assert prepared.warnings == []  # & is read (এবং between Bangla words)


def test_markdown_chunks_point_at_what_they_read_in_the_submitted_text() -> None:
    prepared = prepare(MARKED_UP, 400, text_format="markdown", sentence_per_chunk=True)
    for chunk in prepared.chunks:
        source = normalize_unicode(MARKED_UP[chunk.start : chunk.end])
        assert all(word.strip("।,:") in source for word in chunk.written.split()), (chunk, source)
    assert MARKED_UP[prepared.chunks[1].start :].startswith("# প্রথম")  # a heading's span opens with its #
    assert MARKED_UP[prepared.chunks[5].start :].startswith("- এক কথা।")


def test_markdown_headings_start_chapters_and_nothing_else_does() -> None:
    chapters = split_chapters(MARKED_UP, markdown=True)
    assert [c.title for c in chapters] == [None, *map(normalize_unicode, ["প্রথম অধ্যায়", "দ্বিতীয় অধ্যায়"])]
    assert MARKED_UP[chapters[1].start : chapters[1].heading_end] == "# প্রথম *অধ্যায়* #"
    prepared = prepare(MARKED_UP, 400, text_format="markdown")
    assert [c.title for c in prepared.chapters] == [c.title for c in chapters]
    not_headings = (
        "এক।\n\n```\n# কোড\n```\n\n> # উদ্ধৃতি\n\n    # ইনডেন্ট\n\nসেটেক্সট\n===\n\n### তৃতীয় স্তর\n\n#\n"
    )
    assert [c.title for c in split_chapters(not_headings, markdown=True)] == [None]


def test_a_chapter_title_left_unread_is_not_read_and_its_marks_never_were() -> None:
    prepared = prepare(MARKED_UP, 400, text_format="markdown", read_titles=False)
    spoken = " ".join(c.text for c in prepared.chunks)
    assert "অধ্যায়" not in spoken
    assert spoken.startswith(normalize_unicode("ভূমিকা: এই বইটি পুরোনো। শকুন্তলা বনের পথে হাঁটছিল।"))


def test_a_paragraph_longer_than_the_parser_takes_at_once_is_read_whole() -> None:
    sentence = "শকুন্তলা **বনের** পথে [হাঁটছিল](a)। "
    plain = to_plain(sentence * 2_000)  # one paragraph of 70,000 characters, parsed in pieces
    assert plain.text.split() == ("শকুন্তলা বনের পথে হাঁটছিল। " * 2_000).split()
