"""Coqui XTTS v2 voices end to end: catalog → S3 → model cache → Coqui's loader → conditioning → job.

The checkpoint is a tiny random-weight XTTS built through Coqui's classes (tests/tiny_xtts.py); its
HiFi-GAN decoder and speaker encoder are full size, as XTTS builds them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml
from fastapi.testclient import TestClient

from devstack.provision import Resources
from kontho import keys
from kontho.aws import s3_client
from kontho.errors import ModelLoadFailed, PermanentError
from kontho.settings import Settings
from kontho.voices import Voice, VoiceParams
from tests.conftest import AUTH
from tests.ffprobe import probe
from tests.integration.test_vits import upload_model
from tests.tiny_xtts import build_tiny_xtts, reference_clip
from worker.__main__ import build_consumer
from worker.engines import xtts
from worker.engines.xtts import XttsEngine
from worker.engines.xtts_registry import MODELS

TEXTS = ["এক নিবিড় অরণ্য ছিল।", "আর ছিল ছোট নদী মালিনী।"]


@pytest.fixture(scope="module")
def tiny_xtts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_xtts(tmp_path_factory.mktemp("models") / "xtts-tiny")


@pytest.fixture(autouse=True)
def _fresh_conditioning_memory() -> None:
    # Each test has its own bucket: what an earlier test's store holds in memory is not this test's.
    xtts.CONDITIONING_STORES.clear()


def upload_clip(settings: Settings, key: str, *, seed: int = 0) -> str:
    s3_client(settings).put_object(Bucket=settings.bucket, Key=key, Body=reference_clip(seed=seed))
    return f"s3://{settings.bucket}/{key}"


def xtts_voice(model: str, references: tuple[str, ...], voice_id: str = "bn-clone", **params: float) -> Voice:
    return Voice(
        id=voice_id,
        engine="xtts",
        model=model,
        sample_rate=24_000,
        references=references,
        params=VoiceParams.model_validate(params),
    )


def test_an_xtts_job_from_s3_completes_and_its_conditioning_is_cached_in_s3(
    tiny_xtts_dir: Path, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    model = upload_model(settings, tiny_xtts_dir, "models/xtts-tiny/")
    clip = upload_clip(settings, "voices/local/narrator/clip-0.wav")
    voices = tmp_path / "voices.yaml"
    entry = {"id": "bn-clone", "engine": "xtts", "model": model, "sample_rate": 24000, "references": [clip]}
    voices.write_text(yaml.safe_dump({"voices": [entry]}))
    worker_settings = settings.model_copy(
        update={
            "voices_file": voices,
            "queue_url": resources.queue_url,
            "model_cache_dir": tmp_path / "cache",
            "default_voice": "bn-clone",
            "device": "cpu",
        }
    )
    from api.app import create_app

    with TestClient(create_app(worker_settings), headers=AUTH) as api:
        assert {v["id"]: v for v in api.get("/v1/voices").json()}["bn-clone"]["engine"] == "xtts"
        # 182 characters in one paragraph: one chunk under the 400-character setting, two under XTTS's 150.
        text = (
            "মালিনীর জল বড়ো স্থির, আয়নার মত; তাতে গাছের ছায়া, নীল আকাশের ছায়া, রাঙা মেঘের ছায়া, উড়ন্ত পাখীর "
            "ছায়া দেখা যেত। নদীর ধারে ২৫টি পরিবার ছিল, তারা সারাদিন মাছ ধরত আর সন্ধ্যায় গান গাইত।\n\n"
            "তারপর সব বদলে গেল।"
        )
        job_id = api.post("/v1/jobs", json={"text": text, "format": "wav"}).json()["id"]
        assert build_consumer(worker_settings).run(burst=True)["completed"] == 1
        job = api.get(f"/v1/jobs/{job_id}").json()
        assert job["status"] == "completed", job.get("error")
        assert job["progress"]["total"] == 3
        audio = api.get(f"/v1/jobs/{job_id}/result").json()["audio"]
    wav = tmp_path / "out.wav"
    s3 = s3_client(settings)
    s3.download_file(settings.bucket, f"tenants/local/jobs/{job_id}/audio.wav", str(wav))
    (stream,) = probe(wav, "-show_streams")["streams"]
    assert stream["sample_rate"] == "24000"
    assert float(stream["duration"]) == pytest.approx(audio["duration_seconds"], abs=0.05)

    # The worker stored the voice's conditioning; a worker that starts later reads it instead.
    xtts.CONDITIONING_STORES.clear()
    again = XttsEngine(xtts_voice(model, (clip,)), worker_settings)
    again.load()
    assert again.conditioning is not None
    assert again.conditioning.source == "s3"
    assert s3.head_object(Bucket=settings.bucket, Key=keys.xtts_conditioning(again.conditioning.digest))
    third = XttsEngine(xtts_voice(model, (clip,), voice_id="bn-clone-2"), worker_settings)
    third.load()
    assert third.conditioning is not None
    assert third.conditioning.source == "memory"


@pytest.fixture
def engine(tiny_xtts_dir: Path, settings: Settings, resources: Resources, tmp_path: Path) -> XttsEngine:
    clip = tmp_path / "clip-0.wav"
    clip.write_bytes(reference_clip())
    loaded = XttsEngine(
        xtts_voice(str(tiny_xtts_dir), (str(clip),)), settings.model_copy(update={"device": "cpu"})
    )
    loaded.load()
    return loaded


def test_a_chunk_renders_the_same_audio_every_time(engine: XttsEngine) -> None:
    first = list(engine.synthesize(TEXTS))
    again = list(engine.synthesize(list(reversed(TEXTS))))[::-1]
    assert all(a.size > 0 and np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0][: first[1].size], first[1][: first[0].size])
    assert engine.sample_rate == 24_000
    assert {"ক", "।", " "} <= (engine.vocabulary or frozenset())


def test_voices_on_one_checkpoint_load_it_once_and_never_share_chunks(
    engine: XttsEngine, tiny_xtts_dir: Path, settings: Settings, tmp_path: Path
) -> None:
    loads = MODELS.loads
    other_clip = tmp_path / "other.wav"
    other_clip.write_bytes(reference_clip(seed=3))
    other = XttsEngine(xtts_voice(str(tiny_xtts_dir), (str(other_clip),), "bn-other"), engine._settings)
    other.load()
    assert MODELS.loads == loads
    assert other.fingerprint != engine.fingerprint
    assert other.conditioning is not None
    assert engine.conditioning is not None
    assert other.conditioning.digest != engine.conditioning.digest
    assert not np.array_equal(next(other.synthesize(TEXTS[:1])), next(engine.synthesize(TEXTS[:1])))
    warmer = XttsEngine(
        xtts_voice(str(tiny_xtts_dir), (str(other_clip),), "bn-warm", temperature=0.5), engine._settings
    )
    warmer.load()
    assert warmer.sampling["temperature"] == 0.5
    assert warmer.fingerprint != other.fingerprint


def test_sampling_parameters_default_to_the_checkpoints_config(engine: XttsEngine) -> None:
    assert engine.sampling == {
        "temperature": 0.85,
        "top_k": 50,
        "top_p": 0.85,
        "repetition_penalty": 2.0,
        "length_penalty": 1.0,
    }


def test_text_over_the_language_limit_is_read_in_pieces_under_it(engine: XttsEngine) -> None:
    assert engine.max_chunk_chars == 150
    read: list[str] = []
    render = engine.render

    def recording(text: str, rate: float = 1.0) -> np.ndarray[Any, Any]:
        read.append(text)
        return render(text, rate)

    engine.render = recording  # type: ignore[method-assign]
    long = " ".join(TEXTS * 8)
    (audio,) = engine.synthesize([long])
    assert len(read) > 1
    assert all(len(piece) <= 150 for piece in read)
    assert " ".join(read) == long
    assert audio.size > 0


def test_a_slower_rate_gives_longer_audio(engine: XttsEngine) -> None:
    normal, slow = (next(engine.synthesize(TEXTS[:1], [rate])) for rate in (1.0, 0.5))
    assert slow.size == pytest.approx(2 * normal.size, rel=0.05)


def test_a_checkpoint_without_bangla_fails_to_load_and_says_why(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    folder = build_tiny_xtts(tmp_path / "en-only", languages=("en",))
    clip = tmp_path / "clip.wav"
    clip.write_bytes(reference_clip())
    with pytest.raises(ModelLoadFailed, match=r"no \[bn\] token") as raised:
        XttsEngine(xtts_voice(str(folder), (str(clip),)), settings).load()
    assert isinstance(raised.value, PermanentError)


@pytest.mark.parametrize(
    ("damage", "fragment"), [("no_vocab", "no vocab.json"), ("bad_clip", "cannot be read")]
)
def test_a_broken_voice_fails_to_load_with_the_reason(
    tiny_xtts_dir: Path, settings: Settings, resources: Resources, tmp_path: Path, damage: str, fragment: str
) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(tiny_xtts_dir, folder)
    clip = tmp_path / "clip.wav"
    clip.write_bytes(reference_clip())
    if damage == "no_vocab":
        (folder / "vocab.json").unlink()
    else:
        clip.write_bytes(b"RIFF, but no audio")
    with pytest.raises(ModelLoadFailed, match=fragment):
        XttsEngine(xtts_voice(str(folder), (str(clip),)), settings).load()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU")
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_gpu_renders_deterministically(
    tiny_xtts_dir: Path, settings: Settings, resources: Resources, tmp_path: Path, precision: str
) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(reference_clip())
    gpu = XttsEngine(
        xtts_voice(str(tiny_xtts_dir), (str(clip),)),
        settings.model_copy(update={"device": "cuda", "xtts_precision": precision}),
    )
    gpu.load()
    assert gpu.device.type == "cuda"
    assert (gpu.half is None) == (precision == "fp32")
    first, again = (list(gpu.synthesize(TEXTS)) for _ in range(2))
    for a, b in zip(first, again, strict=True):
        assert a.size > 0
        assert np.isfinite(a).all()
        assert np.array_equal(a, b)


def test_a_damaged_cached_conditioning_is_computed_again_and_a_missing_clip_is_named(
    tiny_xtts_dir: Path, settings: Settings, resources: Resources
) -> None:
    clip = upload_clip(settings, "voices/local/narrator/clip-0.wav")
    first = XttsEngine(xtts_voice(str(tiny_xtts_dir), (clip,)), settings)
    first.load()
    assert first.conditioning is not None
    key = keys.xtts_conditioning(first.conditioning.digest)
    s3 = s3_client(settings)
    s3.put_object(Bucket=settings.bucket, Key=key, Body=b"not a torch file")
    xtts.CONDITIONING_STORES.clear()
    again = XttsEngine(xtts_voice(str(tiny_xtts_dir), (clip,)), settings)
    again.load()
    assert again.conditioning is not None
    assert again.conditioning.source == "computed"
    assert torch.equal(again.conditioning.speaker_embedding, first.conditioning.speaker_embedding)
    assert s3.get_object(Bucket=settings.bucket, Key=key)["Body"].read() != b"not a torch file"

    gone = f"s3://{settings.bucket}/voices/local/deleted/clip-0.wav"
    with pytest.raises(ModelLoadFailed, match=r"deleted/clip-0\.wav does not exist"):
        XttsEngine(xtts_voice(str(tiny_xtts_dir), (clip, gone)), settings).load()
