"""Coqui model-zoo names: which catalog ``model`` values are one, and the folder Coqui keeps each in."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from worker.models.zoo_names import ZooName, parse_zoo_name, zoo_dir


def test_a_zoo_name_is_parsed_into_its_parts_and_coquis_folder_name() -> None:
    name = parse_zoo_name("tts_models/bn/custom/vits-female")
    assert name == ZooName("bn", "custom", "vits-female")
    assert name.name == str(name) == "tts_models/bn/custom/vits-female"
    assert name.folder_under(Path("/zoo")) == Path("/zoo/tts/tts_models--bn--custom--vits-female")


@pytest.mark.parametrize(
    "location",
    [
        "s3://kontho-models/bn-vits-female/",
        "/models/bn",
        "models/bn/vits/female",
        "tts_models/bn/custom",
        "tts_models/bn/custom/vits-female/",
        "tts_models/bn/custom/vits-female/extra",
        "vocoder_models/en/ljspeech/hifigan_v2",
        "tts_models/../custom/vits-female",
        "tts_models/bn/../vits-female",
        "tts_models/bn//vits-female",
        "tts_models/bn/custom/vits female",
        " tts_models/bn/custom/vits-female",
    ],
)
def test_anything_else_is_not_a_zoo_name(location: str) -> None:
    assert parse_zoo_name(location) is None


def test_every_tts_model_in_coquis_list_parses_back_to_its_name() -> None:
    models = json.loads(resources.files("TTS").joinpath(".models.json").read_text(encoding="utf-8"))
    names = [
        f"tts_models/{language}/{dataset}/{model}"
        for language, datasets in models["tts_models"].items()
        for dataset, entries in datasets.items()
        for model in entries
    ]
    assert "tts_models/bn/custom/vits-male" in names
    assert len(names) > 50
    for name in names:
        parsed = parse_zoo_name(name)
        assert parsed is not None, name
        assert parsed.name == name


def test_the_zoo_folder_is_the_setting_or_a_folder_no_bucket_can_be_named() -> None:
    assert zoo_dir(Path("/cache"), None) == Path("/cache/coqui_zoo")
    assert zoo_dir(Path("/cache"), Path("/data/coqui")) == Path("/data/coqui")
