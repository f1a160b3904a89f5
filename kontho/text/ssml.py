"""The SSML subset kontho reads: an SSML document turned into its written text plus annotations.

The written text is what subtitles show; every annotation points into it by offset. Breaks and marks
sit at an offset, a rate covers a span, and ``<sub>``, ``<say-as>`` and ``<phoneme>`` say how a span of
the written text is read (the readings themselves are the front-end's business, not this module's).

Choices a Polly or Azure user may meet:
- XML whitespace is insignificant: runs collapse to one space, paragraph edges are stripped, and each
  ``<p>`` (and any top-level text around the ``<p>``s) is a paragraph of its own, one per line.
- Every ``<prosody rate>`` is a factor of the enclosing rate (``slow`` inside ``slow`` is 0.64 of normal),
  and the rate that results must stay within 50%–200% of normal. ``rates`` are flat: spans do not
  overlap and each carries the rate that applies there; text outside every span is read at 1.0.
- Elements kontho knows but does not honour (``<emphasis>``, ``<audio>``, vendor extensions…) are kept
  as notes, and their text is read normally; an element that is not SSML at all is an error.
- Polly writes ``<amazon:…>`` elements without declaring the namespace; they are accepted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from kontho.strict_xml import XmlRefused, local_name, parse_strict

SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XSI_SCHEMA = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"

# The interpret-as values the front-end reads (kept here rather than imported: this module stays a parser).
SAY_AS_KINDS = ("characters", "spell-out", "digits", "telephone", "cardinal", "ordinal", "date", "time")
BREAK_STRENGTH_MS = {"none": 0, "x-weak": 100, "weak": 250, "medium": 400, "strong": 750, "x-strong": 1200}
RATE_WORDS = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "default": 1.0, "fast": 1.25, "x-fast": 1.5}
MAX_BREAK_MS = 10_000
MIN_RATE, MAX_RATE = 0.5, 2.0
MAX_DEPTH = 32
MAX_MARK_NAME = 64

_PHONEME_MARKERS = dict.fromkeys(map(ord, "\ue000\ue001"), None)  # kontho/text/inline_phonemes.py
_SPACE = re.compile(r"\s+")
_BREAK_TIME = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s)")
_RATE_PERCENT = re.compile(r"([+-]?)(\d+(?:\.\d*)?|\.\d+)%")
_LOOKS_LIKE_SSML = re.compile(r"\ufeff?\s*(?:<\?xml[^>]*\?>\s*)?<speak[\s/>]")
_UNDECLARED_VENDOR = re.compile(r"Namespace prefix (amazon|mstts) (?:on|for) ")
_VENDOR_PREFIXES = ("amazon", "mstts")

# Attributes each element understands; anything else on it is a note.
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "speak": frozenset({"version", _XML_LANG, _XSI_SCHEMA}),
    "p": frozenset({_XML_LANG}),
    "s": frozenset({_XML_LANG}),
    "break": frozenset({"time", "strength"}),
    "sub": frozenset({"alias"}),
    "say-as": frozenset({"interpret-as", "format"}),
    "prosody": frozenset({"rate", "pitch", "volume"}),
    "phoneme": frozenset({"alphabet", "ph"}),
    "mark": frozenset({"name"}),
    "voice": frozenset({"name"}),
}
# SSML elements kontho does not honour: a note, and their text is read normally.
_NOT_HONOURED = {
    "emphasis": "<emphasis> is not honoured by kontho's voices; its text is read normally",
    "lang": "<lang> is not honoured: kontho reads Bangla; its text is read as Bangla",
    "audio": "<audio> is not inserted into the audio; its fallback text is read instead",
    "token": "<token> is not honoured; its text is read normally",
    "w": "<w> is not honoured; its text is read normally",
    "lexicon": "<lexicon> references are not followed: name lexicons in the job's lexicons instead",
    "lookup": "<lookup> is not honoured: name lexicons in the job's lexicons instead",
    "par": "<par> is not honoured; its text is read in order",
    "seq": "<seq> is not honoured; its text is read in order",
    "media": "<media> is not inserted into the audio; its text is read normally",
}
# Elements whose content is never spoken.
_SILENT = frozenset({"desc", "meta", "metadata"})
_PROSODY_UNSUPPORTED = {
    "pitch": "pitch is not supported by kontho's voices; read at normal pitch",
    "volume": "volume is not supported by kontho's voices; read at normal volume",
}


@dataclass(frozen=True)
class Break:
    at: int
    ms: int


@dataclass(frozen=True)
class Mark:
    at: int
    name: str


@dataclass(frozen=True)
class RateSpan:
    start: int
    end: int
    rate: float  # 1.0 = normal; 0.5 = half speed; nested prosody multiplies


@dataclass(frozen=True)
class Substitution:
    start: int
    end: int  # span of the written text it replaces, in SsmlDocument.text
    kind: Literal["sub", "say-as", "phoneme"]
    value: str  # sub: the alias; say-as: interpret-as; phoneme: the ph string
    detail: str | None = None  # say-as: format; phoneme: alphabet


@dataclass(frozen=True)
class VoiceSpan:
    """Text read by the voice or speaker ``name`` (a ``<voice name>``; the innermost one wins)."""

    start: int
    end: int
    name: str
    line: int


@dataclass(frozen=True)
class SsmlNote:
    """Something parsed and kept, but not honoured: a warning for the job."""

    line: int
    message: str


@dataclass(frozen=True)
class SsmlDocument:
    text: str  # paragraphs separated by "\n"; whitespace inside one collapsed to single spaces
    breaks: tuple[Break, ...]
    marks: tuple[Mark, ...]
    rates: tuple[RateSpan, ...]
    substitutions: tuple[Substitution, ...]  # non-overlapping, in order; an outer one wins over any inside it
    sentence_ends: tuple[int, ...]  # where an <s> ends: a sentence ends there even without a danda
    notes: tuple[SsmlNote, ...]
    voices: tuple[VoiceSpan, ...] = ()  # flat, in order: nested <voice>s cut their outer one


class SsmlInvalid(XmlRefused):
    """The document is not SSML kontho reads; ``str(e)`` starts with ``line L, column C: ``."""


def looks_like_ssml(text: str) -> bool:
    """Whether ``text`` starts (after whitespace or an XML declaration) with ``<speak``."""
    return _LOOKS_LIKE_SSML.match(text) is not None


def parse_ssml(source: str) -> SsmlDocument:
    """``source`` read as kontho's SSML subset; ``SsmlInvalid`` (with line and column) when it is not."""
    source, root = _parse_xml(source)
    return _Reader(source, root).read()


def _parse_xml(source: str) -> tuple[str, Any]:
    try:
        return source, parse_strict(source)
    except XmlRefused as exc:
        if not _UNDECLARED_VENDOR.match(exc.reason):
            raise _refusal(source, exc) from None
    # Polly's documents use amazon: without declaring it. Renaming the prefix keeps every offset.
    renamed = re.sub(r"<(/?)(amazon|mstts):", r"<\1\2-", source)
    try:
        return renamed, parse_strict(renamed)
    except XmlRefused as exc:
        raise _refusal(renamed, exc) from None


def _refusal(source: str, exc: XmlRefused) -> SsmlInvalid:
    line, column = exc.line, exc.column
    if "DOCTYPE" in exc.reason and (at := source.find("<!DOCTYPE")) >= 0:
        line, column = _line_column(source, at)
    elif line and not column:
        column = 1
    return SsmlInvalid(exc.reason, line or 1, column or 1)


def _line_column(source: str, offset: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, offset) + 1
    return source.count("\n", 0, offset) + 1, offset - line_start + 1


class _Locator:
    """Line and column of each element's start tag, for errors (lxml knows only an element's line)."""

    # Comments, CDATA and processing instructions may hold '<'; a start tag is '<' and a name.
    _TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[?!].*?>|<([^\s/>!?]+)", re.DOTALL)

    def __init__(self, source: str, root: Any) -> None:
        self._source = source
        self._root = root
        self._index: dict[Any, int] | None = None
        self._elements: list[Any] = []
        self._tags: list[int] = []
        self._line_starts: list[int] = []

    def where(self, element: Any) -> tuple[int, int | None]:
        if self._index is None:
            self._elements = list(self._root.iter())  # held, so lxml keeps the same proxies
            self._index = {element: i for i, element in enumerate(self._elements)}
            self._tags = [m.start() for m in self._TAG.finditer(self._source) if m.group(1)]
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self._source)]
        i = self._index.get(element)
        if i is not None and len(self._tags) == len(self._elements):
            line = bisect.bisect_right(self._line_starts, self._tags[i])
            return line, self._tags[i] - self._line_starts[line - 1] + 1
        return int(element.sourceline or 1), None


class _Start:
    __slots__ = ("at", "open")

    def __init__(self, at: int) -> None:
        self.at = at
        self.open = True


class _Text:
    """The written text as it grows: whitespace collapsed, paragraphs on lines of their own.

    A separator (a space, or a paragraph's newline) is written only when a word follows it, so
    annotations taken at ``length`` never point past a separator that may not come.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.space = False
        self.paragraph = False
        self._waiting: list[_Start] = []

    def add(self, text: str | None) -> None:
        if not text:
            return
        for i, word in enumerate(_SPACE.split(text.translate(_PHONEME_MARKERS))):
            if i:
                self.space = True
            if word:
                self._word(word)

    def _word(self, word: str) -> None:
        if self.length and (self.paragraph or self.space):
            self.parts.append("\n" if self.paragraph else " ")
            self.length += 1
        for start in self._waiting:
            if start.open:
                start.at = self.length
        self._waiting.clear()
        self.parts.append(word)
        self.length += len(word)
        self.space = self.paragraph = False

    def start(self) -> _Start:
        """Where the next word will begin, filled in when it comes (or the current end if none does)."""
        start = _Start(self.length)
        self._waiting.append(start)
        return start

    def span(self, start: _Start) -> tuple[int, int]:
        """The span from ``start`` to here: exactly the words written since, without separators."""
        start.open = False
        return start.at, self.length

    def text(self) -> str:
        return "".join(self.parts)


class _Reader:
    def __init__(self, source: str, root: Any) -> None:
        self._root = root
        self._locator = _Locator(source, root)
        self._text = _Text()
        self._breaks: list[Break] = []
        self._marks: list[Mark] = []
        self._substitutions: list[Substitution] = []  # closed in document order, never nested
        self._sentence_ends: list[int] = []
        self._notes: dict[str, list[int]] = {}  # message -> [first line, count]
        self._rate = 1.0
        self._rate_spans: list[tuple[int, int, float]] = []
        self._rate_start = self._text.start()
        self._inside_substitution: str | None = None
        self._handlers: dict[str, Callable[[Any, int], None]] = {
            "speak": self._content,
            "p": self._p,
            "s": self._s,
            "break": self._break,
            "sub": self._sub,
            "say-as": self._say_as,
            "phoneme": self._phoneme,
            "prosody": self._prosody,
            "mark": self._mark,
            "voice": self._voice,
        }
        self._voice_name: str | None = None
        self._voice_line = 0
        self._voice_start = self._text.start()
        self._voice_spans: list[VoiceSpan] = []

    def read(self) -> SsmlDocument:
        root = self._root
        if local_name(root) != "speak" or _namespace(root) not in (None, SSML_NAMESPACE):
            raise self._invalid(root, f"the root element must be <speak>, not <{_qualified(root)}>")
        self._element(root, 1)
        self._cut_rate(1.0)
        self._cut_voice(None, 0)
        text = self._text.text()
        return SsmlDocument(
            text=text,
            breaks=tuple(self._breaks),
            marks=tuple(self._marks),
            rates=self._rates(),
            substitutions=tuple(self._substitutions),
            sentence_ends=tuple(sorted(set(self._sentence_ends))),
            voices=tuple(self._voice_spans),
            notes=tuple(
                SsmlNote(line, f"line {line}: {message}" + (f" ({count} times in all)" if count > 1 else ""))
                for message, (line, count) in self._notes.items()
            ),
        )

    def _element(self, element: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self._invalid(element, f"elements are nested deeper than {MAX_DEPTH} levels")
        name = self._name(element, depth)
        if name in _SILENT:
            return
        self._check_attributes(element, name)
        handler = self._handlers.get(name)
        if handler is not None:
            handler(element, depth)
            return
        if name in _NOT_HONOURED:
            self._note(element, _NOT_HONOURED[name])
        else:  # a vendor extension
            vendor = name.replace("-", ":", 1)
            self._note(
                element, f"<{vendor}> is a vendor extension kontho does not honour; its text is read normally"
            )
        self._content(element, depth)

    def _content(self, element: Any, depth: int) -> None:
        self._text.add(element.text)
        for child in element:
            self._element(child, depth + 1)
            self._text.add(child.tail)

    def _name(self, element: Any, depth: int) -> str:
        name, namespace = local_name(element), _namespace(element)
        prefix = element.prefix or ""
        if namespace is not None and namespace != SSML_NAMESPACE:
            if prefix in _VENDOR_PREFIXES or any(p in namespace for p in _VENDOR_PREFIXES):
                return f"{prefix or 'vendor'}-{name}"
            raise self._invalid(element, f"<{_qualified(element)}> is not an SSML element")
        if name.startswith(_VENDOR_PREFIXES) and "-" in name:
            return name  # an undeclared amazon:/mstts: element, renamed when parsed
        known = name in _ATTRIBUTES or name in _NOT_HONOURED or name in _SILENT
        if not known:
            raise self._invalid(element, f"<{name}> is not an SSML element")
        if name == "speak" and depth > 1:
            raise self._invalid(element, "<speak> may only be the root element")
        return name

    def _check_attributes(self, element: Any, name: str) -> None:
        understood = _ATTRIBUTES.get(name)
        for key, value in element.attrib.items():
            if key == _XML_LANG:
                if not re.match(r"bn(?:$|-)", value.strip(), re.IGNORECASE):
                    self._note(element, f"xml:lang '{value}' is not honoured: kontho reads Bangla")
            elif key in _PROSODY_UNSUPPORTED and name == "prosody":
                self._note(element, _PROSODY_UNSUPPORTED[key])
            elif understood is not None and key not in understood:
                attribute = key.rsplit("}", 1)[-1]
                self._note(element, f"<{name}> attribute '{attribute}' is not understood and is ignored")

    # Elements kontho honours, one method each.

    def _p(self, element: Any, depth: int) -> None:
        self._text.paragraph = True
        self._content(element, depth)
        self._text.paragraph = True

    def _s(self, element: Any, depth: int) -> None:
        self._text.space = True
        start = self._text.length
        self._content(element, depth)
        if self._text.length > start:
            self._sentence_ends.append(self._text.length)
        self._text.space = True

    def _break(self, element: Any, depth: int) -> None:
        time, strength = element.get("time"), element.get("strength")
        if time is not None:
            ms = self._break_time(element, time)
        elif strength is not None:
            if strength.strip() not in BREAK_STRENGTH_MS:
                raise self._invalid(
                    element, f"<break> strength '{strength}' is not one of {', '.join(BREAK_STRENGTH_MS)}"
                )
            ms = BREAK_STRENGTH_MS[strength.strip()]
        else:
            ms = BREAK_STRENGTH_MS["medium"]
        self._breaks.append(Break(self._text.length, ms))
        self._content(element, depth)

    def _break_time(self, element: Any, time: str) -> int:
        match = _BREAK_TIME.fullmatch(time.strip())
        if not match:
            raise self._invalid(
                element, f"<break> time '{time}' is not a duration: write it like 500ms or 1.5s"
            )
        value = float(match.group(1)) * (1 if match.group(2) == "ms" else 1000)
        if value > MAX_BREAK_MS:
            raise self._invalid(element, f"<break> time '{time}' is over the limit: allowed 0s–10s")
        return round(value)

    def _sub(self, element: Any, depth: int) -> None:
        alias = " ".join((element.get("alias") or "").translate(_PHONEME_MARKERS).split())
        if not alias:
            raise self._invalid(element, "<sub> needs a non-empty alias attribute")
        self._substitute(element, depth, Substitution(0, 0, "sub", alias))

    def _say_as(self, element: Any, depth: int) -> None:
        kind = (element.get("interpret-as") or "").strip()
        if not kind:
            raise self._invalid(element, "<say-as> needs an interpret-as attribute")
        if kind not in SAY_AS_KINDS:
            self._note(element, f"<say-as> interpret-as '{kind}' is not supported; the text is read normally")
            self._content(element, depth)
            return
        self._substitute(element, depth, Substitution(0, 0, "say-as", kind, element.get("format")))

    def _phoneme(self, element: Any, depth: int) -> None:
        ph = (element.get("ph") or "").translate(_PHONEME_MARKERS).strip()
        if not ph:
            raise self._invalid(element, "<phoneme> needs a non-empty ph attribute")
        self._substitute(element, depth, Substitution(0, 0, "phoneme", ph, element.get("alphabet")))

    def _substitute(self, element: Any, depth: int, substitution: Substitution) -> None:
        name = local_name(element)
        if self._inside_substitution is not None:
            self._note(
                element, f"<{name}> inside <{self._inside_substitution}> is ignored: the outer one applies"
            )
            self._content(element, depth)
            return
        self._inside_substitution = name
        start = self._text.start()
        self._content(element, depth)
        self._inside_substitution = None
        self._substitutions.append(_with_span(substitution, *self._text.span(start)))

    def _prosody(self, element: Any, depth: int) -> None:
        rate = element.get("rate")
        if rate is None:
            self._content(element, depth)
            return
        outer = self._rate
        inner = outer * self._rate_factor(element, rate)
        if not MIN_RATE - 1e-9 <= inner <= MAX_RATE + 1e-9:
            raise self._invalid(
                element,
                f"<prosody> rate '{rate}' makes the speaking rate {inner:.0%} of normal; allowed 50%–200%",
            )
        self._cut_rate(inner)
        self._content(element, depth)
        self._cut_rate(outer)

    def _rate_factor(self, element: Any, rate: str) -> float:
        value = rate.strip()
        if value in RATE_WORDS:
            return RATE_WORDS[value]
        match = _RATE_PERCENT.fullmatch(value)
        if not match:
            raise self._invalid(
                element,
                f"<prosody> rate '{rate}' is not understood: use x-slow, slow, medium, fast, x-fast, "
                "default, or a percentage like 80%, +20% or -10%",
            )
        sign, number = match.group(1), float(match.group(2)) / 100
        return {"": number, "+": 1 + number, "-": 1 - number}[sign]

    def _mark(self, element: Any, depth: int) -> None:
        name = (element.get("name") or "").strip()
        if not name:
            raise self._invalid(element, "<mark> needs a non-empty name attribute")
        if len(name) > MAX_MARK_NAME:
            raise self._invalid(
                element, f"<mark> name is {len(name)} characters; the limit is {MAX_MARK_NAME}"
            )
        self._marks.append(Mark(self._text.length, name))
        self._content(element, depth)

    def _voice(self, element: Any, depth: int) -> None:
        name = (element.get("name") or "").strip()
        if not name:
            raise self._invalid(element, "<voice> needs a non-empty name attribute (a speaker or a voice id)")
        if len(name) > MAX_MARK_NAME:
            raise self._invalid(
                element, f"<voice> name is {len(name)} characters; the limit is {MAX_MARK_NAME}"
            )
        outer = (self._voice_name, self._voice_line)
        self._cut_voice(name, int(element.sourceline or 1))
        self._content(element, depth)
        self._cut_voice(*outer)

    # Bookkeeping.

    def _cut_voice(self, name: str | None, line: int) -> None:
        start, end = self._text.span(self._voice_start)
        if self._voice_name is not None and start < end:
            self._voice_spans.append(VoiceSpan(start, end, self._voice_name, self._voice_line))
        self._voice_name, self._voice_line = name, line
        self._voice_start = self._text.start()

    def _cut_rate(self, rate: float) -> None:
        self._rate_spans.append((*self._text.span(self._rate_start), self._rate))
        self._rate = rate
        self._rate_start = self._text.start()

    def _rates(self) -> tuple[RateSpan, ...]:
        spans: list[RateSpan] = []
        for start, end, exact in self._rate_spans:
            rate = round(exact, 6)
            if start >= end or rate == 1.0:
                continue
            last = spans[-1] if spans else None
            if last and last.rate == rate and start - last.end <= 1:  # at most a separator between them
                spans[-1] = RateSpan(last.start, end, rate)
            else:
                spans.append(RateSpan(start, end, rate))
        return tuple(spans)

    def _note(self, element: Any, message: str) -> None:
        seen = self._notes.setdefault(message, [int(element.sourceline or 1), 0])
        seen[1] += 1

    def _invalid(self, element: Any, message: str) -> SsmlInvalid:
        line, column = self._locator.where(element)
        return SsmlInvalid(message, line, column)


def _with_span(substitution: Substitution, start: int, end: int) -> Substitution:
    return Substitution(start, end, substitution.kind, substitution.value, substitution.detail)


def _namespace(element: Any) -> str | None:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else None


def _qualified(element: Any) -> str:
    return f"{element.prefix}:{local_name(element)}" if element.prefix else local_name(element)
