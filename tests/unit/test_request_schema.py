"""The schema states what submit enforces: each pattern the OpenAPI document publishes admits exactly what
the code accepts, judged by the engine schemathesis validates with (jsonschema_rs, ECMA-262 regexes), over
every code point where a rule is about characters."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.app import create_app
from api.errors import ApiError
from api.ingest import check_characters, check_readable
from api.models import (
    NOT_BLANK_PATTERN,
    READABLE_PATTERN,
    TEXT_CHARACTERS_PATTERN,
    WEBHOOK_URL_PATTERN,
    readable_pattern,
    string_branch,
    webhook_url_form_problem,
)
from kontho.ids import ID_PATTERN, is_job_id, new_job_id
from kontho.settings import Settings
from kontho.voices import Voice
from kontho.webhook_address import url_problem

_EVERY_CHARACTER = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
# Characters this Python's Unicode database knows: the engine's may be newer.
_ASSIGNED = [ch for ch in _EVERY_CHARACTER if unicodedata.category(ch) != "Cn"]


def _matches(pattern: str) -> Callable[[str], bool]:
    is_valid: Callable[[str], bool] = jsonschema_rs.validator_for(
        {"type": "string", "pattern": pattern}
    ).is_valid
    return is_valid


def _accepted(check: Callable[[], None]) -> bool:
    try:
        check()
    except ApiError:
        return False
    return True


def _disagreements(pattern: str, accepted: Callable[[str], bool], characters: list[str]) -> list[str]:
    matches = _matches(pattern)
    return [f"U+{ord(ch):04X}" for ch in characters if matches(ch) != accepted(ch)]


def test_the_text_pattern_admits_every_character_submit_takes_and_no_other() -> None:
    def accepted(ch: str) -> bool:
        return _accepted(lambda: check_characters(ch, "text"))

    assert _disagreements(TEXT_CHARACTERS_PATTERN, accepted, _EVERY_CHARACTER) == []


def test_the_not_blank_pattern_is_what_python_calls_not_whitespace() -> None:
    assert _disagreements(NOT_BLANK_PATTERN, lambda ch: not ch.isspace(), _EVERY_CHARACTER) == []


def test_a_voice_without_a_character_set_reads_what_the_readable_pattern_admits() -> None:
    espeak = Voice(id="bn-espeak", engine="espeak")
    assert readable_pattern(espeak.characters) == READABLE_PATTERN

    def accepted(ch: str) -> bool:
        return _accepted(lambda: check_readable(ch, "text", espeak))

    assert _disagreements(READABLE_PATTERN, accepted, _ASSIGNED) == []


def test_a_voice_with_a_character_set_reads_what_its_pattern_admits() -> None:
    voice = Voice(id="bn-vits", engine="vits", model="/models/bn", characters="অআকখ়্ািী-]^\\। ")
    assert voice.characters is not None

    def accepted(ch: str) -> bool:
        return _accepted(lambda: check_readable(ch, "text", voice))

    assert _disagreements(readable_pattern(voice.characters), accepted, _ASSIGNED) == []


@given(st.from_regex(ID_PATTERN, fullmatch=True))
def test_every_id_the_pattern_admits_is_an_id(value: str) -> None:
    assert is_job_id(value)


@given(st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyzILOU", max_size=30))
def test_the_id_pattern_refuses_what_is_not_an_id(value: str) -> None:
    assert _matches(ID_PATTERN)(value) == is_job_id(value)


def test_a_new_id_matches_the_pattern() -> None:
    assert _matches(ID_PATTERN)(new_job_id())


@given(st.from_regex(WEBHOOK_URL_PATTERN, fullmatch=True))
def test_every_url_the_webhook_pattern_admits_is_one_submit_takes(url: str) -> None:
    assert _matches(WEBHOOK_URL_PATTERN)(url)  # the engine the fuzzer validates with reads it the same
    assert webhook_url_form_problem(url) is None
    problem = url_problem(url)  # the form checks every sender applies; an address may still be private
    assert problem is None or problem.endswith("webhooks go to public addresses only"), problem


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/kontho",
        "http://example.com:8080/x?y=1#z",
        "HTTP://EXAMPLE.COM",
        "https://xn--bcher-kva.example/hook",
        "http://127.0.0.1:9000/",
        "http://[2606:4700:4700::1111]/",
        "http://[::ffff:8.8.8.8]:65535/a%20b",
        "http://0x7f000001/",
        "http://example.com.?q=%E0%A6%95",
    ],
)
def test_urls_in_the_form_webhooks_take(url: str) -> None:
    assert webhook_url_form_problem(url) is None
    assert _matches(WEBHOOK_URL_PATTERN)(url)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("HTTP://", "has no host"),
        ("https:///path", "has no host"),
        ("ftp://example.com/", "http:// or https://"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://example.com:99999/", "not a URL"),
        ("http://[not-an-address]/", "not a URL"),
        ("https://example.com:/", "not a URL webhooks can take"),
        ("https://bücher.example/hook", "xn-- form"),
        ("https://example.com/a b", "percent-encode"),
        ("https://example.com/%zz", "percent-encode"),
        ("http://" + "a" * 64 + ".example.com/", "not a URL webhooks can take"),
        ("http://[::1::2]/", "not a URL"),
        ("http://exa\nmple.com/", "not a URL webhooks can take"),
    ],
)
def test_urls_in_another_form_say_why(url: str, problem: str) -> None:
    assert problem in (webhook_url_form_problem(url) or "")
    assert not _matches(WEBHOOK_URL_PATTERN)(url)


def _openapi(tmp_path: Path, voices: str, **settings: Any) -> dict[str, Any]:
    voices_file = tmp_path / "voices.yaml"
    voices_file.write_text(voices)
    return create_app(Settings(voices_file=voices_file, **settings)).openapi()


def test_the_schema_states_this_deployments_text_limit_voices_and_what_each_reads(tmp_path: Path) -> None:
    schema = _openapi(
        tmp_path,
        "voices:\n  - {id: bn-vits, engine: vits, model: /models/bn, characters: অআক}\n",
        max_text_chars=1234,
    )
    request = schema["components"]["schemas"]["CreateJobRequest"]
    assert string_branch(request["properties"]["text"])["maxLength"] == 1234
    assert string_branch(request["properties"]["voice"])["enum"] == [
        "bn-coqui-female",
        "bn-coqui-male",
        "bn-espeak",
        "bn-vits",
    ]
    validator = jsonschema_rs.validator_for(
        {"$ref": "#/components/schemas/CreateJobRequest", "components": schema["components"]}
    )
    assert validator.is_valid({"text": "কলম"})  # the default voice reads any letter
    assert validator.is_valid({"text": "pen", "voice": "bn-espeak"})
    assert not validator.is_valid({"text": "…", "voice": "bn-espeak"})
    assert validator.is_valid({"text": "কলম", "voice": "bn-vits"})
    assert not validator.is_valid({"text": "pen", "voice": "bn-vits"})  # not in its character set
    assert validator.is_valid({"text": "pen 2", "voice": "bn-vits"})  # a digit is read
    assert not validator.is_valid({"text": "ক" * 1235})
    assert not validator.is_valid({"text": "কলম", "voice": "bn-other"})
    assert not validator.is_valid({"text": "কলম", "upload": "01m8tc5hs675ja7xek2a13aw75"})
    assert not validator.is_valid({})
    assert validator.is_valid({"text": None, "upload": "01m8tc5hs675ja7xek2a13aw75"})


def test_a_private_voice_is_not_named_to_everyone(tmp_path: Path) -> None:
    schema = _openapi(tmp_path, "voices:\n  - {id: prothom-narrator, engine: espeak, tenants: [prothom]}\n")
    assert "prothom-narrator" not in json.dumps(schema)
    for request in ("CreateJobRequest", "PreviewRequest"):
        assert "enum" not in string_branch(schema["components"]["schemas"][request]["properties"]["voice"])
