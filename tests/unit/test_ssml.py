from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontho.strict_xml import local_name, parse_strict
from kontho.text.ssml import (
    Break,
    Mark,
    RateSpan,
    SsmlInvalid,
    Substitution,
    looks_like_ssml,
    parse_ssml,
)


def speak(body: str) -> str:
    return f"<speak>{body}</speak>"


def collapse(text: str) -> str:
    return " ".join(text.split())


# Text, paragraphs, sentences.


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("  আমি   যাই  ", "আমি যাই"),
        ("<p>\n  প্রথম\n  লাইন\t।\n</p>", "প্রথম লাইন ।"),
        ("<p>এক</p><p>দুই</p>", "এক\nদুই"),
        ("শুরু <p>মাঝ</p> শেষ", "শুরু\nমাঝ\nশেষ"),
        ("<p>এক</p>\n\n<p>  </p><p>দুই</p>", "এক\nদুই"),
        ("<s>এক</s><s>দুই</s>", "এক দুই"),
        ("ক\u200dষ আর ক\u200cষ", "ক\u200dষ আর ক\u200cষ"),
        ("আ\ue000b\ue001মি", "আbমি"),
        ("a &amp; b &lt;c&gt;", "a & b <c>"),
        ("<![CDATA[<x> & y]]>", "<x> & y"),
        ("এক<!-- মন্তব্য -->দুই", "একদুই"),
        ("\u00a0এক\u00a0\u00a0দুই", "এক দুই"),
    ],
)
def test_written_text_collapses_whitespace_and_keeps_paragraphs(body: str, text: str) -> None:
    assert parse_ssml(speak(body)).text == text


def test_sentences_record_where_they_end() -> None:
    doc = parse_ssml(speak("<p><s>আমি যাই</s> <s> তুমি এসো </s><s></s></p><p><s>শেষ</s></p>"))
    assert doc.text == "আমি যাই তুমি এসো\nশেষ"
    assert doc.sentence_ends == (7, 16, 20)
    assert [doc.text[:end].split()[-1] for end in doc.sentence_ends] == ["যাই", "এসো", "শেষ"]


@pytest.mark.parametrize(
    "source",
    [
        "<speak>x</speak>",
        '  \n<?xml version="1.0" encoding="UTF-8"?>\n<speak version="1.1">x</speak>',
        '<speak xmlns="http://www.w3.org/2001/10/synthesis">x</speak>',
        "\ufeff<speak/>",
    ],
)
def test_looks_like_ssml(source: str) -> None:
    assert looks_like_ssml(source)
    parse_ssml(source)


@pytest.mark.parametrize("text", ["speak to me", "<p>x</p>", "<speaker>x</speaker>", "আমি <speak>"])
def test_plain_text_does_not_look_like_ssml(text: str) -> None:
    assert not looks_like_ssml(text)


def test_namespace_declaration_version_and_bangla_language_are_accepted_without_notes() -> None:
    doc = parse_ssml(
        '<?xml version="1.0"?><speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.w3.org/2001/10/synthesis x.xsd" xml:lang="bn-BD">'
        '<p xml:lang="bn">আমি</p></speak>'
    )
    assert (doc.text, doc.notes) == ("আমি", ())


# Breaks and marks.


@pytest.mark.parametrize(
    ("attributes", "ms"),
    [
        ("", 400),
        ('strength="none"', 0),
        ('strength="x-weak"', 100),
        ('strength="weak"', 250),
        ('strength="medium"', 400),
        ('strength="strong"', 750),
        ('strength="x-strong"', 1200),
        ('time="500ms"', 500),
        ('time="1.5s"', 1500),
        ('time="0s"', 0),
        ('time="0ms"', 0),
        ('time="10s"', 10_000),
        ('time="10000ms"', 10_000),
        ('time=" 250ms "', 250),
        ('time="2s" strength="weak"', 2000),
    ],
)
def test_break_lengths(attributes: str, ms: int) -> None:
    doc = parse_ssml(speak(f"আমি <break {attributes}/> যাই"))
    assert doc.text == "আমি যাই"
    assert doc.breaks == (Break(3, ms),)


def test_breaks_and_marks_sit_where_they_are_written() -> None:
    doc = parse_ssml(
        speak('<break time="1s"/><p>এক <mark name="a"/>দুই<break/></p><mark name="b"/><p>তিন</p><break/>')
    )
    assert doc.text == "এক দুই\nতিন"
    assert doc.breaks == (Break(0, 1000), Break(6, 400), Break(10, 400))
    assert doc.marks == (Mark(2, "a"), Mark(6, "b"))


# Substitutions.


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<sub alias="ঢাকা ইউনিভার্সিটি">Dhaka University</sub>', ("sub", "ঢাকা ইউনিভার্সিটি", None)),
        ('<sub alias="  দুই   শব্দ ">x</sub>', ("sub", "দুই শব্দ", None)),
        *[
            (f'<say-as interpret-as="{kind}">১২৩</say-as>', ("say-as", kind, None))
            for kind in (
                "characters",
                "spell-out",
                "digits",
                "telephone",
                "cardinal",
                "ordinal",
                "date",
                "time",
            )
        ],
        ('<say-as interpret-as="date" format="dmy">০৫.১১.২০২৩</say-as>', ("say-as", "date", "dmy")),
        ('<phoneme alphabet="ipa" ph="ɖʱaka">ঢাকা</phoneme>', ("phoneme", "ɖʱaka", "ipa")),
        ('<phoneme alphabet="x-sampa" ph="d`_ha:ka">ঢাকা</phoneme>', ("phoneme", "d`_ha:ka", "x-sampa")),
        ('<phoneme ph="\ue000ɖʱaka\ue001">ঢাকা</phoneme>', ("phoneme", "ɖʱaka", None)),
    ],
)
def test_substitutions_cover_exactly_their_written_text(
    body: str, expected: tuple[str, str, str | None]
) -> None:
    doc = parse_ssml(speak(f"আগে {body} পরে"))
    (substitution,) = doc.substitutions
    assert (substitution.kind, substitution.value, substitution.detail) == expected
    written = collapse("".join(parse_strict(speak(body))[0].itertext()))
    assert doc.text == f"আগে {written} পরে"
    assert doc.text[substitution.start : substitution.end] == written


def test_an_outer_substitution_wins_over_one_inside_it() -> None:
    doc = parse_ssml(speak('<sub alias="ক">এক <say-as interpret-as="digits">১২</say-as></sub> দুই'))
    assert doc.substitutions == (Substitution(0, 5, "sub", "ক"),)
    assert "<say-as> inside <sub> is ignored" in doc.notes[0].message


def test_whitespace_inside_a_substitution_stays_outside_its_span() -> None:
    doc = parse_ssml(speak('এক<sub alias="x">  দুই  তিন </sub>চার <sub alias="y">পাঁচ</sub>ছয়'))
    assert doc.text == "এক দুই তিন চার পাঁচছয়"
    assert [doc.text[s.start : s.end] for s in doc.substitutions] == ["দুই তিন", "পাঁচ"]


OFFSET_DOCUMENTS = [
    """<speak>
      <p>শিরোনাম <sub alias="ঢাকা ইউনিভার্সিটি"> Dhaka   University </sub>।</p>
      <p><s>ফোন <say-as interpret-as="telephone">০১৮১৯-৫৫৪৪৩৩</say-as></s>
         <prosody rate="slow"> ধীরে <phoneme ph="x"> ঢাকা </phoneme>
           <prosody rate="+50%">আরো</prosody> চলো</prosody>
      </p>
      <emphasis><sub alias="এ">A</sub></emphasis>শেষ<say-as interpret-as="digits">১২</say-as>
    </speak>""",
    speak('<sub alias="x"></sub>এক<phoneme ph="p"> </phoneme><p><sub alias="y">দুই</sub></p>'),
]


@pytest.mark.parametrize("source", OFFSET_DOCUMENTS)
def test_every_annotation_points_at_its_written_text(source: str) -> None:
    doc = parse_ssml(source)
    substituting = [e for e in parse_strict(source).iter() if local_name(e) in ("sub", "say-as", "phoneme")]
    assert [doc.text[s.start : s.end] for s in doc.substitutions] == [
        collapse("".join(e.itertext())) for e in substituting
    ]
    assert all(a.end <= b.start for a, b in zip(doc.substitutions, doc.substitutions[1:], strict=False))
    for offset in [b.at for b in doc.breaks] + [m.at for m in doc.marks] + list(doc.sentence_ends):
        assert 0 <= offset <= len(doc.text)


# Prosody.


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("x-slow", 0.6),
        ("slow", 0.8),
        ("medium", None),
        ("default", None),
        ("fast", 1.25),
        ("x-fast", 1.5),
        ("50%", 0.5),
        ("80%", 0.8),
        ("100%", None),
        ("200%", 2.0),
        ("+20%", 1.2),
        ("-20%", 0.8),
        ("+100%", 2.0),
        ("-50%", 0.5),
        ("+0%", None),
        ("12.5%", None),
    ],
)
def test_prosody_rates(rate: str, expected: float | None) -> None:
    if rate == "12.5%":
        with pytest.raises(SsmlInvalid, match=r"rate '12.5%' .* allowed 50%–200%"):
            parse_ssml(speak(f'<prosody rate="{rate}">x</prosody>'))
        return
    doc = parse_ssml(speak(f'এক <prosody rate="{rate}"> দুই তিন </prosody> চার'))
    assert doc.text == "এক দুই তিন চার"
    assert doc.rates == (() if expected is None else (RateSpan(3, 10, expected),))


def test_nested_prosody_multiplies_and_rates_stay_flat() -> None:
    doc = parse_ssml(
        speak(
            'এক <prosody rate="slow">দুই <prosody rate="fast">তিন</prosody> '
            '<prosody rate="x-fast">চার</prosody> পাঁচ</prosody> ছয়'
        )
    )
    assert doc.text == "এক দুই তিন চার পাঁচ ছয়"
    assert doc.rates == (RateSpan(3, 6, 0.8), RateSpan(11, 14, 1.2), RateSpan(15, 19, 0.8))
    assert [doc.text[r.start : r.end] for r in doc.rates] == ["দুই", "চার", "পাঁচ"]


def test_a_rate_over_several_paragraphs_is_one_span() -> None:
    doc = parse_ssml(speak('<prosody rate="slow"><p>এক</p><p>দুই</p></prosody>'))
    assert doc.rates == (RateSpan(0, 6, 0.8),)


# Notes: parsed and kept, not honoured.


@pytest.mark.parametrize(
    ("body", "note"),
    [
        (
            '<prosody pitch="high">x</prosody>',
            "pitch is not supported by kontho's voices; read at normal pitch",
        ),
        ('<prosody volume="loud" rate="fast">x</prosody>', "volume is not supported"),
        ('<p xml:lang="en-US">x</p>', "xml:lang 'en-US' is not honoured"),
        ("<emphasis>x</emphasis>", "<emphasis> is not honoured"),
        ('<lang xml:lang="bn">x</lang>', "<lang> is not honoured"),
        ('<audio src="bell.mp3"><desc>bell</desc>x</audio>', "its fallback text is read"),
        ('<amazon:effect name="whispered">x</amazon:effect>', "<amazon:effect> is a vendor extension"),
        ('<amazon:breath duration="long"/>x', "<amazon:breath> is a vendor extension"),
        (
            '<mstts:express-as xmlns:mstts="https://www.w3.org/2001/mstts" style="cheerful">'
            "x</mstts:express-as>",
            "<mstts:express-as> is a vendor extension",
        ),
        ('<say-as interpret-as="currency">x</say-as>', "interpret-as 'currency' is not supported"),
        ('<break time="1s" foo="bar"/>x', "<break> attribute 'foo' is not understood"),
        ('<sub alias="y" xml:id="a">x</sub>', "<sub> attribute 'id' is not understood"),
    ],
)
def test_what_kontho_does_not_honour_is_a_note_and_the_text_is_read(body: str, note: str) -> None:
    doc = parse_ssml(f"<speak>\n{body}</speak>")
    assert doc.text == "x"
    (only,) = doc.notes
    assert only.line == 2
    assert only.message.startswith("line 2: ")
    assert note in only.message


def test_speak_language_other_than_bangla_is_a_note() -> None:
    doc = parse_ssml('<speak xml:lang="en-US">x</speak>')
    assert [n.line for n in doc.notes] == [1]
    assert "en-US" in doc.notes[0].message


def test_a_repeated_note_is_counted_once_with_its_first_line() -> None:
    doc = parse_ssml("<speak>\n" + "<emphasis>x</emphasis>\n" * 500 + "</speak>")
    (note,) = doc.notes
    assert note.line == 2
    assert "500 times in all" in note.message


def test_metadata_and_descriptions_are_not_read() -> None:
    doc = parse_ssml(speak("<metadata><x:rdf xmlns:x='u'>r</x:rdf></metadata><meta name='a' content='b'/>x"))
    assert (doc.text, doc.notes) == ("x", ())


# Errors, with line and column.


@pytest.mark.parametrize(
    ("source", "line", "column", "fragment"),
    [
        ("<speak>\n<p>x</speak>", 2, 13, "mismatch"),
        ("<speak>\n  <p>a & b</p></speak>", 2, 9, ""),
        ("<p>x</p>", 1, 1, "root element must be <speak>"),
        ('<speak xmlns="urn:other">x</speak>', 1, 1, "root element must be <speak>"),
        ("<speak>\n  <p>a <div>b</div></p>\n</speak>", 2, 8, "<div> is not an SSML element"),
        ('<speak><x:y xmlns:x="urn:x">b</x:y></speak>', 1, 8, "<x:y> is not an SSML element"),
        ("<speak><speak>x</speak></speak>", 1, 8, "only be the root"),
        ('<speak>a\n<break\n  time="12s"\n/></speak>', 2, 1, "time '12s' is over the limit: allowed 0s–10s"),
        ('<speak><break time="10.5s"/></speak>', 1, 8, "over the limit"),
        ('<speak><break time="-1s"/></speak>', 1, 8, "time '-1s' is not a duration"),
        ('<speak><break time="5"/></speak>', 1, 8, "not a duration"),
        ('<speak><break strength="loud"/></speak>', 1, 8, "strength 'loud' is not one of none, x-weak"),
        ("<speak><sub>x</sub></speak>", 1, 8, "<sub> needs a non-empty alias"),
        ('<speak>a <sub alias="b">c</sub> <sub alias=" ">x</sub></speak>', 1, 33, "non-empty alias"),
        ("<speak><phoneme alphabet='ipa'>x</phoneme></speak>", 1, 8, "<phoneme> needs a non-empty ph"),
        ("<speak><say-as>x</say-as></speak>", 1, 8, "needs an interpret-as"),
        ("<speak><mark/></speak>", 1, 8, "<mark> needs a non-empty name"),
        (f"<speak><mark name='{'m' * 65}'/></speak>", 1, 8, "65 characters; the limit is 64"),
        ('<speak><prosody rate="40%">x</prosody></speak>', 1, 8, "rate '40%' makes the speaking rate 40%"),
        ('<speak><prosody rate="+101%">x</prosody></speak>', 1, 8, "allowed 50%–200%"),
        ('<speak><prosody rate="-100%">x</prosody></speak>', 1, 8, "allowed 50%–200%"),
        (
            '<speak>\n <prosody rate="x-slow"> <prosody rate="slow">x</prosody></prosody></speak>',
            2,
            26,
            "rate 'slow' makes the speaking rate 48% of normal; allowed 50%–200%",
        ),
        ('<speak><prosody rate="x-fast"><prosody rate="x-fast">x</prosody></prosody></speak>', 1, 31, "225%"),
        ('<speak><prosody rate="quick">x</prosody></speak>', 1, 8, "rate 'quick' is not understood"),
        ("<speak>" + "<p>" * 32 + "x" + "</p>" * 32 + "</speak>", 1, 8 + 31 * 3, "deeper than 32 levels"),
        ('<?xml version="1.0"?>\n<!DOCTYPE speak>\n<speak>x</speak>', 2, 1, "DOCTYPE"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
            ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
            ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
            "]>\n<speak>&lol3;</speak>",
            2,
            1,
            "DOCTYPE",
        ),
        ("<speak>&lol;</speak>", 1, 0, "lol"),
    ],
)
def test_invalid_ssml_names_line_and_column(source: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(SsmlInvalid) as caught:
        parse_ssml(source)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.line == line
    if column:
        assert error.column == column
    assert str(error).startswith(f"line {error.line}, column {error.column}: ")
    assert fragment in str(error)


def test_thirty_two_levels_are_allowed() -> None:
    doc = parse_ssml("<speak>" + "<p>" * 31 + "x" + "</p>" * 31 + "</speak>")
    assert doc.text == "x"


def test_a_book_length_document_parses() -> None:
    paragraph = "<p><s>আমি <sub alias='ক'>খ</sub> যাই।</s> <break/> তুমি <mark name='m'/>এসো।</p>\n"
    doc = parse_ssml(speak(paragraph * 8000))
    assert len(doc.breaks) == len(doc.marks) == len(doc.substitutions) == 8000
    assert doc.text.count("\n") == 7999


# Nothing lost or reordered.

_CHARACTERS = [
    *"আমিতুযাইকখগ্র।,?!abcXYZ019০১৯&<>\"'",
    " ",
    "  ",
    "\n",
    "\t",
    "\r",
    "\u00a0",
    "\u200c",
    "\u200d",
]
_PIECES = st.lists(st.sampled_from(_CHARACTERS), max_size=12).map("".join)
_INSERTIONS = st.sampled_from(["", "break", "mark", "sub"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PIECES, _INSERTIONS), max_size=12))
def test_ssml_loses_and_reorders_no_text(pieces: list[tuple[str, str]]) -> None:
    plain, body = "", ""
    breaks, marks, spans = [], [], []
    for i, (piece, insertion) in enumerate(pieces):
        if insertion == "sub":
            body += f'<sub alias="অ{i}">{escape(piece)}</sub>'
            end = len(collapse(plain + piece))
            spans.append((end - len(collapse(piece)), end))
        else:
            body += escape(piece)
        plain += piece
        at = len(collapse(plain))
        if insertion == "break":
            body += f'<break time="{i}ms"/>'
            breaks.append(Break(at, i))
        elif insertion == "mark":
            body += f'<mark name="m{i}"/>'
            marks.append(Mark(at, f"m{i}"))
    doc = parse_ssml(f"<speak><p>{body}</p></speak>")
    assert doc.text == collapse(plain.replace("\r", "\n"))
    assert doc.breaks == tuple(breaks)
    assert doc.marks == tuple(marks)
    assert [(s.start, s.end) for s in doc.substitutions] == spans
    wrapped = [collapse(piece) for piece, insertion in pieces if insertion == "sub"]
    assert [doc.text[s.start : s.end] for s in doc.substitutions] == wrapped


def test_an_empty_substitution_is_empty_where_it_was_written() -> None:
    doc = parse_ssml(speak('এক <sub alias="x"> </sub> দুই <phoneme ph="p"/>তিন'))
    assert doc.text == "এক দুই তিন"
    assert [(s.start, s.end) for s in doc.substitutions] == [(2, 2), (6, 6)]


def test_voice_spans_say_who_reads_what_and_the_innermost_wins() -> None:
    doc = parse_ssml(
        '<speak><p><voice name="রহিম">কেমন আছ?</voice></p>'
        '<p><voice name="করিম">ভালো। <voice name="bn-espeak">ভেতরে</voice> বাইরে</voice></p>শেষ</speak>'
    )
    assert [(doc.text[v.start : v.end], v.name) for v in doc.voices] == [
        ("কেমন আছ?", "রহিম"),
        ("ভালো।", "করিম"),
        ("ভেতরে", "bn-espeak"),
        ("বাইরে", "করিম"),
    ]
    assert doc.notes == ()


def test_a_voice_needs_a_name() -> None:
    with pytest.raises(SsmlInvalid, match="<voice> needs a non-empty name"):
        parse_ssml("<speak><voice>কথা</voice></speak>")
