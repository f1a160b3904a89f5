"""Multi-speaker Coqui VITS: one loaded model, a voice per speaker; several models side by side."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from fastapi.testclient import TestClient

from devstack.provision import Resources
from kontho.errors import ModelLoadFailed
from kontho.settings import Settings
from kontho.voices import Voice, VoiceParams
from tests.conftest import AUTH
from tests.integration.test_vits import upload_model
from tests.tiny_vits import build_tiny_multispeaker_vits, build_tiny_vits
from worker.__main__ import build_consumer
from worker.engines.vits import VitsEngine, batched_inference, chunk_seed
from worker.engines.vits_registry import MODELS, private_view

TEXT = "তাতে ছিল বড় বড় বট, সারি সারি তাল তমাল, পাহাড় পর্বত।"
CPU = Settings().model_copy(update={"device": "cpu"})


@pytest.fixture(scope="module")
def two_speakers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Seed 1 speaks loudly enough for the pipeline to take it for speech (seed 0 is near silence).
    return build_tiny_multispeaker_vits(
        tmp_path_factory.mktemp("models") / "bn-duo", ["rahim", "karim"], seed=1
    )


def voice(model: Path | str, speaker: str | None, voice_id: str = "bn-duo", **params: float) -> Voice:
    return Voice(
        id=voice_id,
        engine="vits",
        model=str(model),
        speaker=speaker,
        params=VoiceParams.model_validate(params),
    )


def load(v: Voice) -> VitsEngine:
    engine = VitsEngine(v, CPU)
    engine.load()
    return engine


def models_of(folder: Path) -> int:
    return sum(1 for m in MODELS.loaded() if m.folder == folder.resolve())


def test_two_voices_on_one_model_load_it_once(two_speakers: Path) -> None:
    loads = MODELS.loads
    rahim = load(voice(two_speakers, "rahim", "bn-rahim"))
    karim = load(voice(two_speakers, "karim", "bn-karim"))
    assert MODELS.loads == loads + 1
    assert models_of(two_speakers) == 1
    # The same layers, the same weights in the same memory.
    assert rahim._model.waveform_decoder is karim._model.waveform_decoder
    assert rahim._model.emb_g.weight.data_ptr() == karim._model.emb_g.weight.data_ptr()
    assert (rahim.speaker_id, karim.speaker_id) == (0, 1)
    assert rahim.fingerprint != karim.fingerprint
    assert rahim.fingerprint.rsplit("|", 1)[0] == karim.fingerprint.rsplit("|", 1)[0]


def test_speakers_sound_different_and_each_is_deterministic(two_speakers: Path) -> None:
    # One voice id for both, so the seeds are equal and only the speaker differs.
    rahim = load(voice(two_speakers, "rahim"))
    karim = load(voice(two_speakers, "karim"))
    first_rahim, first_karim = next(rahim.synthesize([TEXT])), next(karim.synthesize([TEXT]))
    assert not np.array_equal(first_rahim[: len(first_karim)], first_karim[: len(first_rahim)])
    assert np.array_equal(next(rahim.synthesize([TEXT])), first_rahim)
    assert np.array_equal(next(karim.synthesize([TEXT, "আর ছিল ছোট নদী মালিনী।"])), first_karim)


def test_the_speaker_conditions_inference_as_in_coquis_own(two_speakers: Path) -> None:
    """With the noise off, kontho's batched inference and Coqui's ``Vits.inference`` are one computation."""
    quiet = voice(two_speakers, "karim", noise_scale=0.0, noise_scale_w=0.0)
    karim = load(quiet)
    coqui = private_view(karim._model)
    coqui.inference_noise_scale = coqui.inference_noise_scale_dp = 0.0
    coqui.length_scale = 1.0
    assert karim.speaker_id == coqui.speaker_manager.name_to_id["karim"]
    tokens = karim.tokens(TEXT)
    seed = chunk_seed(quiet.id, TEXT)
    ours = batched_inference(coqui, [tokens], [seed], quiet, karim.device, speaker_id=karim.speaker_id)[0]
    with torch.inference_mode():
        theirs = coqui.inference(
            torch.tensor([tokens]), aux_input={"speaker_ids": torch.tensor([karim.speaker_id])}
        )["model_outputs"][0, 0].numpy()
    peak = np.abs(theirs).max()  # random weights speak softly: compare against the signal's own size
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-4 * peak
    as_rahim = batched_inference(coqui, [tokens], [seed], quiet, karim.device, speaker_id=0)[0]
    n = min(len(as_rahim), len(ours))
    assert np.abs(as_rahim[:n] - ours[:n]).max() > 0.05 * peak


def test_a_speaker_may_be_named_by_its_number(two_speakers: Path) -> None:
    by_name = load(voice(two_speakers, "karim"))
    by_number = load(voice(two_speakers, "1"))
    assert by_number.speaker_id == 1
    assert by_number.fingerprint == by_name.fingerprint
    assert np.array_equal(next(by_number.synthesize([TEXT])), next(by_name.synthesize([TEXT])))


@pytest.mark.parametrize(
    ("speaker", "fragment"),
    [
        (None, "names no speaker"),
        ("jamal", "names speaker 'jamal'"),
        ("2", "names speaker '2'"),
    ],
)
def test_a_missing_or_unknown_speaker_is_refused_naming_the_speakers(
    two_speakers: Path, speaker: str | None, fragment: str
) -> None:
    with pytest.raises(ModelLoadFailed, match=fragment) as failed:
        load(voice(two_speakers, speaker))
    assert "has 2 speakers: rahim, karim" in str(failed.value)


def test_a_speaker_on_a_single_speaker_model_is_refused(tiny_vits_dir: Path) -> None:
    with pytest.raises(ModelLoadFailed, match="single speaker"):
        load(voice(tiny_vits_dir, "rahim"))


def test_a_model_of_one_named_speaker_needs_no_name(tmp_path: Path) -> None:
    solo = load(voice(build_tiny_multispeaker_vits(tmp_path / "solo", ["rahim"]), None))
    assert solo.speaker_id == 0


def test_the_speakers_file_is_read_from_the_models_own_folder(two_speakers: Path, tmp_path: Path) -> None:
    """Coqui's trainer writes the speakers file's absolute path; a copied model must not need it there."""
    moved = tmp_path / "elsewhere"
    shutil.copytree(two_speakers, moved)
    config = json.loads((moved / "config.json").read_text())
    assert Path(config["model_args"]["speakers_file"]).parent == two_speakers.resolve()
    config["speakers_file"] = config["model_args"]["speakers_file"] = "/training/run-7/speakers.pth"
    (moved / "config.json").write_text(json.dumps(config))
    # The checkpoint has another name, which sorts after speakers.pth: it must still be the one loaded.
    (moved / "model.pth").rename(moved / "vits.pth")
    assert load(voice(moved, "karim")).speaker_id == 1

    (moved / "speakers.pth").unlink()
    with pytest.raises(ModelLoadFailed, match=r"speakers file /training/run-7/speakers\.pth"):
        load(voice(moved, "karim"))


def test_an_older_config_with_only_a_speaker_count_knows_its_speakers_by_number(
    two_speakers: Path, tmp_path: Path
) -> None:
    counted = tmp_path / "counted"
    shutil.copytree(two_speakers, counted)
    (counted / "speakers.pth").unlink()
    config = json.loads((counted / "config.json").read_text())
    config["speakers_file"] = config["model_args"]["speakers_file"] = None
    config["num_speakers"] = config["model_args"]["num_speakers"] = 2
    (counted / "config.json").write_text(json.dumps(config))
    assert load(voice(counted, "1")).speaker_id == 1
    with pytest.raises(ModelLoadFailed, match="has 2 speakers: 0, 1"):
        load(voice(counted, "rahim"))


def test_two_models_loaded_side_by_side_render_each_its_own(tmp_path: Path) -> None:
    first = voice(build_tiny_vits(tmp_path / "seed0", seed=0), None, "bn-host")
    second = voice(build_tiny_vits(tmp_path / "seed1", seed=1), None, "bn-host")
    alone = next(load(first).synthesize([TEXT]))
    a, b = load(first), load(second)
    assert models_of(tmp_path / "seed0") == models_of(tmp_path / "seed1") == 1
    assert a._model.waveform_decoder is not b._model.waveform_decoder
    from_a, from_b = next(a.synthesize([TEXT])), next(b.synthesize([TEXT]))
    assert not np.array_equal(from_a[: len(from_b)], from_b[: len(from_a)])
    assert np.array_equal(from_a, alone)
    assert a.fingerprint == b.fingerprint  # same config and checkpoint size: the folders keep them apart


def test_changing_one_voices_handle_leaves_the_other_voices_alone(two_speakers: Path) -> None:
    from devstack.vits_models import fix_speaking_rate

    rahim = load(voice(two_speakers, "rahim"))
    before = next(rahim.synthesize([TEXT]))
    fixed = load(voice(two_speakers, "karim"))
    fix_speaking_rate(fixed._model, 6)
    assert np.array_equal(next(rahim.synthesize([TEXT])), before)
    assert rahim._model.args.use_sdp
    assert not fixed._model.args.use_sdp


def test_a_job_with_a_speaker_of_a_shared_model_completes(
    two_speakers: Path, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    location = upload_model(settings, two_speakers, "models/bn-duo/")
    catalog = tmp_path / "voices.yaml"
    entries = [
        {"id": "bn-rahim", "engine": "vits", "model": location, "speaker": "rahim", "description": "Rahim"},
        {"id": "bn-karim", "engine": "vits", "model": location, "speaker": "karim", "description": "Karim"},
        {"id": "bn-nobody", "engine": "vits", "model": location},
    ]
    catalog.write_text(yaml.safe_dump({"voices": entries}))
    worker_settings = settings.model_copy(
        update={
            "voices_file": catalog,
            "queue_url": resources.queue_url,
            "model_cache_dir": tmp_path / "cache",
            "default_voice": "bn-rahim",
        }
    )
    from api.app import create_app

    with TestClient(create_app(worker_settings), headers=AUTH) as api:
        listed = {v["id"]: v for v in api.get("/v1/voices").json()}
        assert {"bn-rahim", "bn-karim"} <= listed.keys()
        assert listed["bn-karim"]["engine"] == "vits"
        jobs = {
            name: api.post("/v1/jobs", json={"text": TEXT, "voice": name, "format": "wav"}).json()["id"]
            for name in ("bn-rahim", "bn-karim", "bn-nobody")
        }
        loads = MODELS.loads
        counters = build_consumer(worker_settings).run(burst=True)
        assert (counters["completed"], counters["failed"]) == (2, 1)
        assert MODELS.loads == loads + 1  # the cached model, once, for both speakers
        for name in ("bn-rahim", "bn-karim"):
            assert api.get(f"/v1/jobs/{jobs[name]}").json()["status"] == "completed"
        failed = api.get(f"/v1/jobs/{jobs['bn-nobody']}").json()
        assert failed["error"]["code"] == "model_load_failed"
        assert "rahim, karim" in failed["error"]["message"]
