"""Pronunciation lexicons: a tenant's rules for how a written form is read.

An entry maps a written form (a word, a name, a phrase, an acronym; Bangla or Latin) to an ``alias``
(text the front-end reads instead, usually in Bangla script) and/or a ``phoneme`` string (for voices whose
model reads phonemes). A job names up to ``MAX_LEXICONS_PER_JOB`` lexicons, in order.

Matching (``LexiconSet.find``), the rules a job's text is read by:

- The text is scanned left to right; matches never overlap. At each position the longest written form
  that matches there wins; among equally long ones, the earlier lexicon in the job's list wins, and within
  a lexicon the earlier entry. So: longest match first, then first match wins.
- Written forms are normalized at construction with ``kontho.text.unicode.normalize_unicode`` (NFC, nukta
  letters composed); ``find`` expects text normalized the same way, as the front-end does before anything
  else, and its offsets index the text it was given.
- ``case_sensitive=False`` (the default for JSON entries) ignores letter case in Latin script, by simple
  case folding per character (``re.IGNORECASE``); Bangla has no case. Entries read from a PLS file are
  case-sensitive: the PLS 1.0 specification leaves matching to the processor, and a PLS grapheme is an
  orthography written as it is meant (``US`` is not ``us``).
- ``whole_word=True`` (the default) matches only where the written form is not inside a longer word: the
  characters on either side are not a letter, a digit, a combining mark (Bangla vowel signs, hasanta) or
  a zero-width (non-)joiner. Bangla case endings attach to the word (রবীন্দ্রনাথের), so an entry meant to
  cover them says ``whole_word: false``.

Parsing: ``parse_json_entries`` (a request body ``{"entries": [...]}``) and ``parse_pls`` (a W3C PLS 1.0
document as AWS Polly and Azure export them). Both raise ``LexiconInvalid`` naming the field or line; a
PLS document is parsed by ``kontho.strict_xml`` (no DOCTYPE, no entities, no network).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from kontho.jobspec import LEXICON_NAME_PATTERN
from kontho.strict_xml import XmlRefused, local_name, parse_strict
from kontho.text.unicode import normalize_unicode

MAX_GRAPHEME_CHARS = 100
NAME_PATTERN = LEXICON_NAME_PATTERN
PLS_NAMESPACE = "http://www.w3.org/2005/01/pronunciation-lexicon"
PLS_MEDIA_TYPE = "application/pls+xml"

_NAME = re.compile(NAME_PATTERN)
# C0 and C1 controls (tab and line breaks among them), and the two non-characters XML cannot carry: a
# written form or a reading is one line of text, the same in JSON and in a PLS file.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
TEXT_PATTERN = (
    r"^[^\x00-\x1f\x7f-\x9f\ufffe\uffff]*"
    # Something that is neither a space (str.split's) nor invisible (normalize_unicode drops those).
    r"[^\x00-\x20\x7f-\xa0\xad\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\ufffe\uffff]"
    r"[^\x00-\x1f\x7f-\x9f\ufffe\uffff]*$"
)
"""What an entry's strings may be, stated in the schema: one line, no control characters, not blank."""


class LexiconInvalid(ValueError):
    """A lexicon the client sent cannot be read: ``field`` (``entries.3.alias``, ``body``) and, for a PLS
    document, ``line`` say where."""

    def __init__(self, message: str, field: str = "body", line: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.line = line


def _one_line_text(value: str, what: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(f"{what} must be one line without control characters")
    value = " ".join(normalize_unicode(value).split())
    if not value:
        raise ValueError(f"{what} must not be blank")
    return value


class LexiconEntry(BaseModel):
    """One written form and how it is read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grapheme: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_GRAPHEME_CHARS,
            description="The written form: a word, a name, a phrase or an acronym, in Bangla or Latin "
            f"script; one line, not blank, at most {MAX_GRAPHEME_CHARS} characters. Runs of spaces "
            "read as one.",
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
    ]
    alias: Annotated[
        str | None,
        Field(
            default=None,
            description="How it is read: text the front-end reads instead, usually in Bangla script.",
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
    ] = None
    phoneme: Annotated[
        str | None,
        Field(
            default=None,
            description="How it is read by a voice whose model reads phonemes: an IPA string.",
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
    ] = None
    case_sensitive: StrictBool = Field(
        default=False, description="Match Latin letters only in this case; Bangla has no case."
    )
    whole_word: StrictBool = Field(
        default=True,
        description="Match only where not inside a longer word (no letter, digit or mark on either side).",
    )

    @field_validator("grapheme")
    @classmethod
    def _grapheme(cls, value: str) -> str:
        return _one_line_text(value, "grapheme")

    @field_validator("alias", "phoneme")
    @classmethod
    def _reading(cls, value: str | None) -> str | None:
        return None if value is None else _one_line_text(value, "it")

    @model_validator(mode="after")
    def _read_somehow(self) -> LexiconEntry:
        if self.alias is None and self.phoneme is None:
            raise ValueError(f"the entry for {self.grapheme!r} needs an alias or a phoneme (or both)")
        return self


def _canonical(entries: Sequence[LexiconEntry]) -> bytes:
    return json.dumps(
        [entry.model_dump(mode="json") for entry in entries],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")


def entries_digest(entries: Sequence[LexiconEntry]) -> str:
    """``sha256:<hex>`` of the entries in order: a lexicon's version."""
    return "sha256:" + hashlib.sha256(_canonical(entries)).hexdigest()


class Lexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="The lexicon's name, unique to its tenant.")
    entries: tuple[LexiconEntry, ...]

    @property
    def digest(self) -> str:
        """The version of the entries: it changes when any entry, or their order, changes."""
        return entries_digest(self.entries)


def is_lexicon_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


@dataclass(frozen=True)
class LexiconLimits:
    """How much one lexicon may hold (``kontho.settings``: ``lexicon_max_entries``,
    ``lexicon_max_alias_chars``, which bounds phonemes too)."""

    max_entries: int = 5000
    max_alias_chars: int = 200

    def check(self, entries: Sequence[LexiconEntry], lines: Sequence[int] | None = None) -> None:
        """``LexiconInvalid`` naming the first entry (and its line, for PLS) over a limit."""
        if len(entries) > self.max_entries:
            raise LexiconInvalid(
                f"entries: the lexicon has {len(entries):,} entries; the limit is {self.max_entries:,}",
                field="entries",
            )
        for index, entry in enumerate(entries):
            for name in ("alias", "phoneme"):
                value = getattr(entry, name)
                if value is not None and len(value) > self.max_alias_chars:
                    line = lines[index] if lines else None
                    where = f"line {line}: " if line else ""
                    raise LexiconInvalid(
                        f"{where}entries.{index}.{name}: {len(value)} characters; the limit is "
                        f"{self.max_alias_chars}",
                        field=f"entries.{index}.{name}",
                        line=line,
                    )


def _field_of(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "entries"


def parse_json_entries(data: Any) -> tuple[LexiconEntry, ...]:
    """The entries of a request body ``{"entries": [...]}``; ``LexiconInvalid`` naming the field."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise LexiconInvalid('body: expected an object {"entries": [...]}', field="entries")
    extra = sorted(set(data) - {"entries"})
    if extra:
        raise LexiconInvalid(f"{extra[0]}: not a field of a lexicon (only entries)", field=str(extra[0]))
    entries = []
    for index, item in enumerate(data["entries"]):
        try:
            entries.append(LexiconEntry.model_validate(item))
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = _field_of(["entries", index, *problem["loc"]])
            message = problem["msg"].removeprefix("Value error, ")
            raise LexiconInvalid(f"{field}: {message}", field=field) from None
    return tuple(entries)


# PLS elements inside <lexeme> that carry nothing kontho reads.
_PLS_IGNORED = frozenset({"example"})
_PLS_LEXICON_IGNORED = frozenset({"meta", "metadata"})


def _pls_error(message: str, line: int | None) -> LexiconInvalid:
    return LexiconInvalid(f"line {line}: {message}" if line else message, field="body", line=line)


def _in_pls(element: Any) -> bool:
    tag = element.tag
    return isinstance(tag, str) and (not tag.startswith("{") or tag.startswith(f"{{{PLS_NAMESPACE}}}"))


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def _chosen(elements: list[Any]) -> Any | None:
    """PLS marks the preferred pronunciation with ``prefer="true"``; otherwise the first is."""
    preferred = [e for e in elements if e.get("prefer") == "true"]
    return (preferred or elements or [None])[0]


def parse_pls_with_lines(document: bytes) -> tuple[tuple[LexiconEntry, ...], tuple[int, ...]]:
    """The entries of a PLS 1.0 document and the line of each one's lexeme."""
    try:
        root = parse_strict(document)
    except XmlRefused as exc:
        raise _pls_error(exc.reason if exc.line else str(exc), exc.line) from None
    if local_name(root) != "lexicon" or not _in_pls(root):
        raise _pls_error(
            f'the root element is <{local_name(root)}>; a PLS document has <lexicon xmlns="{PLS_NAMESPACE}">',
            root.sourceline,
        )
    version = root.get("version")
    if version != "1.0":
        found = "no version" if version is None else f'version="{version}"'
        raise _pls_error(f'<lexicon> has {found}: PLS 1.0 is read (version="1.0")', root.sourceline)
    alphabet = root.get("alphabet", "ipa")
    if alphabet != "ipa":
        raise _pls_error(
            f'alphabet "{alphabet}": kontho reads IPA phonemes only (alphabet="ipa")', root.sourceline
        )
    entries: list[LexiconEntry] = []
    lines: list[int] = []
    for child in root:
        if not _in_pls(child):
            continue  # another vocabulary's extension: nothing for us
        name = local_name(child)
        if name in _PLS_LEXICON_IGNORED:
            continue
        if name != "lexeme":
            raise _pls_error(f"<{name}> is not a PLS element (expected <lexeme>)", child.sourceline)
        for entry in _lexeme_entries(child, alphabet):
            entries.append(entry)
            lines.append(child.sourceline)
    return tuple(entries), tuple(lines)


def parse_pls(document: bytes) -> tuple[LexiconEntry, ...]:
    """The entries of a W3C PLS 1.0 document, one per ``<grapheme>``; ``LexiconInvalid`` naming the line."""
    return parse_pls_with_lines(document)[0]


def _lexeme_entries(lexeme: Any, alphabet: str) -> Iterator[LexiconEntry]:
    line = lexeme.sourceline
    parts: dict[str, list[Any]] = {"grapheme": [], "alias": [], "phoneme": []}
    for child in lexeme:
        if not _in_pls(child):
            continue
        name = local_name(child)
        if name in parts:
            parts[name].append(child)
        elif name not in _PLS_IGNORED:
            raise _pls_error(
                f"<{name}> is not a PLS element (a lexeme holds grapheme, alias, phoneme, example)",
                child.sourceline,
            )
    if not parts["grapheme"]:
        raise _pls_error("lexeme has no grapheme", line)
    alias, phoneme = _chosen(parts["alias"]), _chosen(parts["phoneme"])
    if alias is None and phoneme is None:
        raise _pls_error("lexeme has neither an alias nor a phoneme", line)
    if phoneme is not None:
        used = phoneme.get("alphabet", alphabet)
        if used.lower() != "ipa":
            raise _pls_error(
                f'alphabet "{used}": kontho reads IPA phonemes only (alphabet="ipa")', phoneme.sourceline
            )
    for grapheme in parts["grapheme"]:
        values = {
            "grapheme": _text(grapheme),
            "alias": None if alias is None else _text(alias),
            "phoneme": None if phoneme is None else _text(phoneme),
            "case_sensitive": True,
            "whole_word": True,
        }
        try:
            yield LexiconEntry.model_validate(values)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "lexeme"
            message = problem["msg"].removeprefix("Value error, ")
            raise _pls_error(f"lexeme: {where}: {message}", grapheme.sourceline) from None


# Matching.


@dataclass(frozen=True)
class LexiconMatch:
    """``text[start:end]`` is read as ``entry`` of lexicon ``lexicon`` says."""

    start: int
    end: int
    lexicon: str
    entry: LexiconEntry


@cache
def _word_characters() -> str:
    """A character class of what a whole word may not touch: letters and digits (``\\w`` without ``_``)
    are checked apart; this names the combining marks (of the Basic Multilingual Plane) and ZWJ/ZWNJ."""
    marks = [cp for cp in range(0x10000) if unicodedata.category(chr(cp)).startswith("M")]
    ranges: list[str] = []
    start = previous = marks[0]
    for cp in [*marks[1:], -1]:
        if cp != previous + 1:
            ranges.append(f"\\u{start:04x}" + (f"-\\u{previous:04x}" if previous != start else ""))
            start = cp
        previous = cp
    return "[" + "".join(ranges) + "\\u200c\\u200d]"


def _not_after_word() -> str:
    return rf"(?<![^\W_])(?<!{_word_characters()})"


def _not_before_word() -> str:
    return rf"(?![^\W_])(?!{_word_characters()})"


def _trie_pattern(words: Sequence[str]) -> str:
    """An alternation of ``words`` as a trie, so each position costs one step per distinct next character.
    Each node tries its longer continuations before ending there, so what follows the alternation (a
    word boundary) backtracks into it only as far as needed: the longest word that fits wins."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(trie)


@dataclass(frozen=True)
class _Group:
    """The entries that match alike (case and word rule): one compiled pattern, and for each key (the
    written form, case-folded where case is ignored) the entry that wins there."""

    pattern: re.Pattern[str]
    fold: bool
    winners: dict[str, tuple[int, int, str, LexiconEntry]]
    ranked: tuple[tuple[int, int, str, LexiconEntry], ...]

    def winner(self, matched: str) -> tuple[int, int, str, LexiconEntry]:
        found = self.winners.get(matched.casefold() if self.fold else matched)
        if found is not None:
            return found
        # re's case rules and casefold differ on a few letters (dotless ı matches I): ask re itself.
        return next(r for r in self.ranked if re.fullmatch(re.escape(r[3].grapheme), matched, re.IGNORECASE))


def _group(entries: list[tuple[int, int, str, LexiconEntry]], fold: bool, whole: bool) -> _Group:
    winners: dict[str, tuple[int, int, str, LexiconEntry]] = {}
    for ranked in entries:  # in priority order: the first for a key wins
        winners.setdefault(ranked[3].grapheme.casefold() if fold else ranked[3].grapheme, ranked)
    words = sorted({ranked[3].grapheme for ranked in entries})
    body = "(?:" + _trie_pattern(words) + ")"
    source = _not_after_word() + body + _not_before_word() if whole else body
    return _Group(re.compile(source, re.IGNORECASE if fold else 0), fold, winners, tuple(entries))


class LexiconSet:
    """The lexicons a job names, in its order, ready to match against its text."""

    def __init__(self, lexicons: Sequence[Lexicon]) -> None:
        self.lexicons = tuple(lexicons)
        buckets: dict[tuple[bool, bool], list[tuple[int, int, str, LexiconEntry]]] = {}
        for rank, lexicon in enumerate(self.lexicons):
            for index, entry in enumerate(lexicon.entries):
                bucket = (not entry.case_sensitive, entry.whole_word)
                buckets.setdefault(bucket, []).append((rank, index, lexicon.name, entry))
        self._groups = [_group(found, fold, whole) for (fold, whole), found in sorted(buckets.items())]

    @property
    def digests(self) -> dict[str, str]:
        """Each lexicon's name and digest, in the job's order."""
        return {lexicon.name: lexicon.digest for lexicon in self.lexicons}

    def find(self, text: str) -> list[LexiconMatch]:
        """Every match in ``text``, left to right, none overlapping (see the module's rules)."""
        found: list[LexiconMatch] = []
        upcoming: list[re.Match[str] | None] = [group.pattern.search(text) for group in self._groups]
        position = 0
        while True:
            best: tuple[int, int, int, int] | None = None  # (start, -length, rank, index)
            best_at: tuple[int, int, str, LexiconEntry] | None = None
            for slot, group in enumerate(self._groups):
                match = upcoming[slot]
                if match is not None and match.start() < position:
                    match = upcoming[slot] = group.pattern.search(text, position)
                if match is None:
                    continue
                rank, index, name, entry = group.winner(match.group())
                candidate = (match.start(), match.start() - match.end(), rank, index)
                if best is None or candidate < best:
                    best, best_at = candidate, (match.start(), match.end(), name, entry)
            if best_at is None:
                return found
            start, end, name, entry = best_at
            found.append(LexiconMatch(start, end, name, entry))
            position = end
