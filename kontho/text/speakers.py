"""Who reads what in a script: paragraphs that open with a speaker's name, and SSML ``<voice>`` spans.

A paragraph (a line) that starts with one of the job's speaker names followed by the speaker mark
(``রহিম: কেমন আছ?``) is that speaker's turn; the label is not read aloud. Only names the job maps to a
voice are speakers, so prose with a colon (``মনে রেখো: …``) stays prose. A paragraph without a label is
read by the job's own voice: the narrator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kontho.text.ssml import VoiceSpan, parse_ssml
from kontho.text.unicode import normalize_unicode

_MARKS = {":": "[:：]", "—": "[—–]", "-": "-"}


@dataclass(frozen=True)
class Turn:
    start: int
    """Where the text read by the speaker starts (after the label)."""
    end: int
    speaker: str
    label_start: int
    """Where the label starts: [label_start, start) is not read."""


def paragraph_turns(body: str, speakers: Mapping[str, str], mark: str) -> list[Turn]:
    """The labelled paragraphs of ``body``, in order."""
    if not speakers:
        return []
    by_form: dict[str, str] = {}
    for name in speakers:
        by_form[name] = name
        by_form[normalize_unicode(name)] = name
    names = "|".join(re.escape(form) for form in sorted(by_form, key=len, reverse=True))
    label = re.compile(rf"^[ \t]*(?P<name>{names})[ \t]*{_MARKS[mark]}[ \t]*", re.MULTILINE)
    turns = []
    for m in label.finditer(body):
        line_end = body.find("\n", m.end())
        end = len(body) if line_end == -1 else line_end
        if body[m.end() : end].strip():
            turns.append(Turn(m.end(), end, by_form[m["name"]], m.start()))
    return turns


def ssml_turns(voices: tuple[VoiceSpan, ...], speakers: Mapping[str, str]) -> list[Turn]:
    """``<voice name>`` spans as turns; a name is a speaker of the job's, else a voice id."""
    by_form = {normalize_unicode(name): name for name in speakers}
    return [Turn(v.start, v.end, by_form.get(normalize_unicode(v.name), v.name), v.start) for v in voices]


def voice_of(speaker: str, speakers: Mapping[str, str]) -> str:
    """The voice id a turn's speaker is read by: the job's mapping, or the name itself (an SSML voice id)."""
    return speakers.get(speaker, speaker)


def voices_named(text: str, text_format: str, speakers: Mapping[str, str]) -> dict[str, str]:
    """Every voice a job's dialogue needs, with the speaker (or SSML ``<voice name>``) that names it:
    the voices its speakers map to, and for SSML, ``<voice name>``s that are not speakers (voice ids)."""
    named = {voice: speaker for speaker, voice in speakers.items()}
    if text_format == "ssml":
        by_form = {normalize_unicode(name) for name in speakers}
        for span in parse_ssml(text).voices:
            if normalize_unicode(span.name) not in by_form:
                named.setdefault(span.name, f"<voice name> at line {span.line}")
    return named
