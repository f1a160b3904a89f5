"""Coqui VITS voices end to end: S3 → model cache → Coqui's loader → batched synthesis → job."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from pydub import AudioSegment

from devstack.provision import Resources
from kontho.aws import s3_client
from kontho.errors import ModelLoadFailed, StorageUnavailable
from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.schemas import JobState
from kontho.settings import Settings
from kontho.voices import Voice, VoiceParams
from tests.conftest import AUTH
from tests.tiny_vits import build_tiny_vits
from worker.__main__ import build_consumer
from worker.engines.base import Audio
from worker.engines.vits import VitsEngine, chunk_seed
from worker.models.cache import ModelCache

TEXTS = [
    "এক নিবিড় অরণ্য ছিল।",
    "তাতে ছিল বড় বড় বট, সারি সারি তাল তমাল, পাহাড় পর্বত।",
    "আর ছিল ছোট নদী মালিনী।",
    "মালিনীর জল বড় স্থির, আয়নার মত; তাতে গাছের ছায়া, নীল আকাশের ছায়া, রাঙা মেঘের ছায়া।",
]


def upload_model(settings: Settings, folder: Path, prefix: str) -> str:
    s3 = s3_client(settings)
    for path in folder.iterdir():
        s3.upload_file(str(path), settings.bucket, f"{prefix}{path.name}")
    return f"s3://{settings.bucket}/{prefix}"


def vits_voice(model: str, **params: float) -> Voice:
    return Voice(id="bn-tiny", engine="vits", model=model, params=VoiceParams.model_validate(params))


@pytest.fixture
def engine(tiny_vits_dir: Path, settings: Settings) -> VitsEngine:
    loaded = VitsEngine(vits_voice(str(tiny_vits_dir)), settings.model_copy(update={"device": "cpu"}))
    loaded.load()
    return loaded


def test_loads_through_coquis_classes_and_knows_its_vocabulary(engine: VitsEngine) -> None:
    assert engine.sample_rate == 22_050
    assert engine.vocabulary is not None
    assert {"ক", "।", "\u09dc", " "} <= engine.vocabulary
    assert not any(ch.isdigit() for ch in engine.vocabulary)


def test_batched_output_matches_one_at_a_time(engine: VitsEngine) -> None:
    batched = list(engine.synthesize(TEXTS))
    single = [next(engine.synthesize([t])) for t in TEXTS]
    # The decoder's last convolutions reach past a shorter chunk's end into padding that is not zero
    # after their biases, so the final few milliseconds may differ slightly; everything before is equal.
    tail = int(0.015 * engine.sample_rate)
    for b, s in zip(batched, single, strict=True):
        assert b.shape == s.shape
        assert np.abs(b[:-tail].astype(np.int32) - s[:-tail].astype(np.int32)).max() <= 2
        assert np.corrcoef(b, s)[0, 1] > 0.995


def test_synthesis_is_deterministic_per_chunk(engine: VitsEngine) -> None:
    first = list(engine.synthesize(TEXTS))
    again = list(engine.synthesize(list(reversed(TEXTS))))[::-1]
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert chunk_seed("bn-tiny", TEXTS[0]) != chunk_seed("bn-other", TEXTS[0])


class RecordingEngine(VitsEngine):
    """The real engine, noting the padded size of every batch it renders."""

    def __init__(self, voice: Voice, settings: Settings) -> None:
        super().__init__(voice, settings)
        self.padded_sizes: list[int] = []

    def _render_batch(
        self, batch: list[int], texts: list[str], tokens: list[list[int]], rates: list[float]
    ) -> dict[int, Audio]:
        self.padded_sizes.append(max(len(tokens[i]) for i in batch) * len(batch))
        return super()._render_batch(batch, texts, tokens, rates)


def test_batches_stay_under_the_token_budget_and_keep_order(tiny_vits_dir: Path, settings: Settings) -> None:
    small = RecordingEngine(
        vits_voice(str(tiny_vits_dir)), settings.model_copy(update={"vits_batch_tokens": 200})
    )
    small.load()
    small.padded_sizes = []
    outputs = list(small.synthesize(TEXTS * 3))
    assert len(small.padded_sizes) > 1
    assert all(size <= 200 for size in small.padded_sizes)
    assert [o.shape for o in outputs[:4]] == [o.shape for o in outputs[4:8]]


def test_length_scale_slows_the_voice(tiny_vits_dir: Path, settings: Settings) -> None:
    lengths = []
    for scale in (1.0, 2.0):
        eng = VitsEngine(vits_voice(str(tiny_vits_dir), length_scale=scale), settings)
        eng.load()
        lengths.append(next(eng.synthesize([TEXTS[1]])).shape[0])
    assert lengths[1] > 1.5 * lengths[0]


def test_model_cache_downloads_once_and_verifies(
    tiny_vits_dir: Path, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    location = upload_model(settings, tiny_vits_dir, "models/bn-tiny/")
    cache = ModelCache(tmp_path / "cache", s3_client(settings))
    folder = cache.resolve(location)
    assert (folder / "model.pth").read_bytes() == (tiny_vits_dir / "model.pth").read_bytes()
    assert (folder / ".complete").exists()
    stamp = (folder / "model.pth").stat().st_mtime_ns
    assert cache.resolve(location) == folder
    assert (folder / "model.pth").stat().st_mtime_ns == stamp  # not fetched again

    (folder / ".complete").unlink()  # as after a crash mid-download
    (folder / "model.pth").write_bytes(b"half a checkpoint")
    cache.resolve(location)
    assert (folder / "model.pth").read_bytes() == (tiny_vits_dir / "model.pth").read_bytes()


def test_a_short_download_is_never_used(
    tiny_vits_dir: Path,
    settings: Settings,
    resources: Resources,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    location = upload_model(settings, tiny_vits_dir, "models/short/")
    s3 = s3_client(settings)
    real_download = s3.download_file

    def truncated(bucket: str, key: str, filename: str) -> None:
        real_download(bucket, key, filename)
        with open(filename, "r+b") as f:  # the connection dropped before the last bytes
            f.truncate(100)

    monkeypatch.setattr(s3, "download_file", truncated)
    cache = ModelCache(tmp_path / "cache", s3)
    with pytest.raises(StorageUnavailable, match="expected"):
        cache.resolve(location)
    folder = tmp_path / "cache" / settings.bucket / "models" / "short"
    assert not (folder / ".complete").exists()
    assert not (folder / "model.pth").exists()


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        ("no_weights", "no .pth checkpoint"),
        ("no_config", "no config.json"),
        ("corrupt_weights", "cannot load model.pth"),
        ("other_architecture", "cannot load model.pth"),
    ],
)
def test_a_broken_model_fails_to_load_with_the_reason(
    tiny_vits_dir: Path, settings: Settings, tmp_path: Path, damage: str, fragment: str
) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(tiny_vits_dir, folder)
    if damage == "no_weights":
        (folder / "model.pth").unlink()
    elif damage == "no_config":
        (folder / "config.json").unlink()
    elif damage == "corrupt_weights":
        (folder / "model.pth").write_bytes(b"\x00" * 1000)
    else:
        other = build_tiny_vits(tmp_path / "other", use_sdp=False)
        shutil.copy(other / "model.pth", folder / "model.pth")
    with pytest.raises(ModelLoadFailed, match=fragment):
        VitsEngine(vits_voice(str(folder)), settings).load()


def _catalog(tmp_path: Path, voices: list[dict[str, object]]) -> Path:
    import yaml

    path = tmp_path / "voices.yaml"
    path.write_text(yaml.safe_dump({"voices": voices}))
    return path


def test_a_vits_job_from_an_s3_model_completes_and_reports_what_it_could_not_read(
    tiny_vits_dir: Path, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    location = upload_model(settings, tiny_vits_dir, "models/bn-tiny/")
    voices = _catalog(
        tmp_path, [{"id": "bn-tiny", "engine": "vits", "model": location, "description": "tiny"}]
    )
    worker_settings = settings.model_copy(
        update={
            "voices_file": voices,
            "queue_url": resources.queue_url,
            "model_cache_dir": tmp_path / "cache",
            "default_voice": "bn-tiny",
        }
    )
    from api.app import create_app

    with TestClient(create_app(worker_settings), headers=AUTH) as api:
        voices_listed = {v["id"]: v for v in api.get("/v1/voices").json()}
        assert voices_listed["bn-tiny"]["engine"] == "vits"
        assert voices_listed["bn-tiny"]["default"]
        text = "১৯৭১ সালে নদীর ধারে ২৫০টি পরিবার ছিল। BBC রেডিও বাজত 🙂🙂।\nতারপর সব বদলে গেল।"
        job_id = api.post("/v1/jobs", json={"text": text, "voice": "bn-tiny", "format": "wav"}).json()["id"]
        consumer = build_consumer(worker_settings)
        assert consumer.run(burst=True)["completed"] == 1
        job = api.get(f"/v1/jobs/{job_id}").json()
        assert job["status"] == "completed"
        (warning,) = job["warnings"]
        assert warning["kind"] == "unsupported_characters"
        assert warning["count"] == 2
        assert warning["examples"] == ["🙂"]
        audio = api.get(f"/v1/jobs/{job_id}/result").json()["audio"]
    wav = tmp_path / "out.wav"
    s3_client(settings).download_file(settings.bucket, f"tenants/local/jobs/{job_id}/audio.wav", str(wav))
    decoded = AudioSegment.from_file(wav, format="wav")
    assert decoded.frame_rate == 22_050
    assert decoded.duration_seconds == pytest.approx(audio["duration_seconds"], abs=0.05)


def test_a_voice_whose_model_cannot_load_fails_its_job_and_the_worker_goes_on(
    settings: Settings, resources: Resources, store: JobStore, queue: JobQueue, tmp_path: Path
) -> None:
    voices = _catalog(tmp_path, [{"id": "bn-gone", "engine": "vits", "model": str(tmp_path / "missing")}])
    # The broken voice is even the default one, which the worker warms up before it takes jobs.
    worker_settings = settings.model_copy(
        update={"voices_file": voices, "queue_url": resources.queue_url, "default_voice": "bn-gone"}
    )
    from api.app import create_app

    with TestClient(create_app(worker_settings), headers=AUTH) as api:
        bad = api.post("/v1/jobs", json={"text": "নদী।"}).json()["id"]
        good = api.post("/v1/jobs", json={"text": "নদী বয়ে চলে।", "voice": "bn-espeak"}).json()["id"]
        counters = build_consumer(worker_settings).run(burst=True)
        assert (counters["failed"], counters["completed"]) == (1, 1)
        failed = api.get(f"/v1/jobs/{bad}").json()
        assert failed["status"] == JobState.FAILED
        assert failed["error"]["code"] == "model_load_failed"
        assert "does not exist" in failed["error"]["message"]
        assert api.get(f"/v1/jobs/{good}").json()["status"] == "completed"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU")
def test_gpu_output_matches_cpu_output(tiny_vits_dir: Path, settings: Settings) -> None:
    cpu = VitsEngine(vits_voice(str(tiny_vits_dir)), settings.model_copy(update={"device": "cpu"}))
    gpu = VitsEngine(vits_voice(str(tiny_vits_dir)), settings.model_copy(update={"device": "cuda"}))
    cpu.load()
    gpu.load()
    assert gpu.device.type == "cuda"
    for a, b in zip(cpu.synthesize(TEXTS), gpu.synthesize(TEXTS), strict=True):
        assert a.shape == b.shape
        assert np.corrcoef(a, b)[0, 1] > 0.99
