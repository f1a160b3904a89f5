from __future__ import annotations

import json
from pathlib import Path

import pytest

from kontho.errors import UnknownVoice
from kontho.voices import BUILTIN_VOICES, Voice, VoiceCatalog, VoiceCatalogError, load_voices_file

YAML = """
voices:
  - id: bn-vits-female
    engine: vits
    model: s3://kontho-models/bn-vits-female/
    language: bn
    sample_rate: 22050
    description: Fine-tuned Bangla VITS
    params: {length_scale: 1.1, noise_scale: 0.5, max_chunk_chars: 250, sentence_pause_ms: 300}
"""


def test_a_yaml_catalog_adds_voices_to_the_builtin_one(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(YAML)
    catalog = VoiceCatalog.from_file(path)
    assert catalog.ids() == ["bn-coqui-female", "bn-coqui-male", "bn-espeak", "bn-vits-female"]
    voice = catalog.get("bn-vits-female")
    assert (voice.engine, voice.model, voice.params.length_scale) == (
        "vits",
        "s3://kontho-models/bn-vits-female/",
        1.1,
    )
    assert (voice.params.max_chunk_chars, voice.params.sentence_pause_ms, voice.params.noise_scale_w) == (
        250,
        300,
        0.8,
    )


def test_a_json_catalog_may_be_a_bare_list(tmp_path: Path) -> None:
    path = tmp_path / "voices.json"
    path.write_text(json.dumps([{"id": "bn-local", "engine": "vits", "model": "/models/bn"}]))
    assert load_voices_file(path)[0].model == "/models/bn"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("voices: [{id: x, engine: vits}]", "needs a model location"),
        ("voices: [{id: x, engine: tacotron, model: /m}]", "engine"),
        ("voices: [{id: x, engine: vits, model: /m, speed: 2}]", "speed"),
        ("voices: [{id: 'Bad Id!', engine: espeak}]", "id"),
        ("voices: [{id: x, engine: espeak, params: {length_scale: -1}}]", "length_scale"),
        ("voices: [{id: bn-espeak, engine: espeak}]", "defined twice"),
        ("voices: [: broken", "voices file"),
    ],
)
def test_a_bad_catalog_is_refused_with_the_reason(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(content)
    with pytest.raises(VoiceCatalogError, match=fragment):
        VoiceCatalog.from_file(path)


def test_a_missing_catalog_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VoiceCatalogError, match="voices file"):
        VoiceCatalog.from_file(tmp_path / "nope.yaml")


def test_the_builtin_catalog_has_the_espeak_and_coqui_zoo_voices_and_names_known_voices_on_a_miss() -> None:
    assert [v.id for v in BUILTIN_VOICES] == ["bn-espeak", "bn-coqui-female", "bn-coqui-male"]
    assert [v.model for v in BUILTIN_VOICES[1:]] == [
        "tts_models/bn/custom/vits-female",
        "tts_models/bn/custom/vits-male",
    ]
    with pytest.raises(UnknownVoice, match="known voices: bn-coqui-female, bn-coqui-male, bn-espeak"):
        VoiceCatalog().get("nobody")


def test_a_mirror_belongs_to_a_zoo_model_only() -> None:
    with pytest.raises(ValueError, match="a mirror is a copy of a zoo model"):
        Voice(id="bn-x", engine="vits", model="s3://bucket/x/", mirror="s3://bucket/y/")
