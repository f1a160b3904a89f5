"""Coqui model-zoo voices end to end: Coqui's model folder, a mirror, the download, ``kontho voices import``.

Nothing here reaches the network: a tiny VITS built in the test stands in for the zoo's model, placed where
Coqui's ModelManager keeps its downloads; and where a download is tried, HTTPS goes to a proxy address on
which nothing listens (or which never answers), as on a cluster without egress.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from devstack.motoserver import free_port
from devstack.provision import Resources
from kontho.aws import s3_client
from kontho.errors import ModelUnavailable
from kontho.settings import Settings
from tests.conftest import AUTH, REPO
from tests.tiny_vits import build_tiny_phoneme_vits
from worker.__main__ import build_consumer
from worker.models.zoo import download, resolve_zoo_model
from worker.models.zoo_names import ZooName, parse_zoo_name

FEMALE = "tts_models/bn/custom/vits-female"
MALE = "tts_models/bn/custom/vits-male"
TEXT = "নদীর ধারে একটি গ্রাম ছিল। সেখানে সবাই গান গাইত।"


@pytest.fixture(scope="module")
def zoo_stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny VITS that reads through Coqui's Bangla phonemizer, as the catalog says the zoo voices do."""
    return build_tiny_phoneme_vits(tmp_path_factory.mktemp("models") / "bn-zoo-stand-in")


@pytest.fixture(autouse=True)
def no_egress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any HTTPS request off this machine (Coqui's downloads) goes to a port nothing listens on."""
    dead = f"http://127.0.0.1:{free_port()}"
    for var in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(var, dead)
    for var in ("HTTP_PROXY", "http_proxy"):  # the moto server is plain HTTP on this machine
        monkeypatch.delenv(var, raising=False)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")


def place_in_coqui_folder(model: Path, zoo_dir: Path, name: str) -> Path:
    """The tiny model where Coqui's ModelManager(output_prefix=zoo_dir) keeps ``name``, with the zoo's
    file name for the checkpoint and, as Coqui's downloads have, a speakers file named by absolute path."""
    zoo_name = parse_zoo_name(name)
    assert zoo_name is not None
    folder = zoo_name.folder_under(zoo_dir)
    folder.mkdir(parents=True)
    shutil.copyfile(model / "model.pth", folder / "model_file.pth")
    (folder / "speakers.pth").write_bytes(b"not read by a single-speaker model")
    config = json.loads((model / "config.json").read_text())
    config["speakers_file"] = str(folder / "speakers.pth")
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def worker_settings(settings: Settings, resources: Resources, tmp_path: Path, **update: object) -> Settings:
    return settings.model_copy(
        update={
            "queue_url": resources.queue_url,
            "model_cache_dir": tmp_path / "worker-cache",
            "zoo_download": False,
            **update,
        }
    )


def run_jobs(ws: Settings, voices: list[str]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    from api.app import create_app

    with TestClient(create_app(ws), headers=AUTH) as api:
        body = {"text": TEXT, "format": "wav"}
        ids = [api.post("/v1/jobs", json={**body, "voice": v}).json()["id"] for v in voices]
        counters = build_consumer(ws).run(burst=True)
        return counters, [api.get(f"/v1/jobs/{job_id}").json() for job_id in ids]


def test_a_builtin_zoo_voice_loads_from_coquis_model_folder_and_its_job_completes(
    zoo_stand_in: Path, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    ws = worker_settings(settings, resources, tmp_path, zoo_dir=tmp_path / "zoo")
    folder = place_in_coqui_folder(zoo_stand_in, tmp_path / "zoo", FEMALE)

    # Coqui's own manager takes the folder for its download of that name, without a request.
    from TTS.utils.manage import ModelManager

    model_file, config_file, item = ModelManager(output_prefix=tmp_path / "zoo").download_model(FEMALE)
    assert (model_file, config_file) == (folder / "model_file.pth", folder / "config.json")
    assert item["license"] == "Apache 2.0"

    counters, (job,) = run_jobs(ws, ["bn-coqui-female"])
    assert counters["completed"] == 1, job
    assert job["status"] == "completed"
    assert job["progress"]["audio_seconds"] > 0


def test_import_mirrors_a_zoo_model_to_s3_and_a_worker_without_network_loads_it_from_there(
    zoo_stand_in: Path, settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    # Where the operator runs the import, the model is in Coqui's folder already: no download.
    source = place_in_coqui_folder(zoo_stand_in, tmp_path / "operator-zoo", FEMALE)
    destination = f"s3://{settings.bucket}/zoo/"
    env = {
        **os.environ,
        "KONTHO_ZOO_DIR": str(tmp_path / "operator-zoo"),
        "KONTHO_AWS_ENDPOINT_URL": str(settings.aws_endpoint_url),
    }
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", "voices", "import", FEMALE, "--to", destination],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    location = f"{destination}tts_models--bn--custom--vits-female/"
    assert f"KONTHO_ZOO_MIRROR={destination}\n" in done.stdout
    assert f"model: {FEMALE}\n" in done.stdout
    assert f"mirror: {location}\n" in done.stdout
    listed = s3_client(settings).list_objects_v2(Bucket=settings.bucket, Prefix="zoo/")["Contents"]
    assert sorted(o["Key"] for o in listed) == [
        f"zoo/tts_models--bn--custom--vits-female/{n}"
        for n in ("config.json", "model_file.pth", "speakers.pth")
    ]

    # A worker with an empty Coqui folder and no downloads: the built-in voice through KONTHO_ZOO_MIRROR,
    # a catalog voice through its own mirror.
    voices = tmp_path / "voices.yaml"
    voices.write_text(
        yaml.safe_dump(
            {"voices": [{"id": "bn-mirrored", "engine": "vits", "model": FEMALE, "mirror": location}]}
        )
    )
    ws = worker_settings(
        settings,
        resources,
        tmp_path,
        zoo_dir=tmp_path / "empty-zoo",
        voices_file=voices,
        zoo_mirror=destination,
    )
    counters, jobs = run_jobs(ws, ["bn-coqui-female", "bn-mirrored"])
    assert counters["completed"] == 2, jobs
    assert not (tmp_path / "empty-zoo" / "tts").exists()
    cached = tmp_path / "worker-cache" / settings.bucket / "zoo" / "tts_models--bn--custom--vits-female"
    assert (cached / "model_file.pth").read_bytes() == (source / "model_file.pth").read_bytes()
    # The config named the speakers file where the operator had it; the copy names its own.
    assert json.loads((cached / "config.json").read_text())["speakers_file"] == str(cached / "speakers.pth")


def test_a_zoo_voice_with_no_copy_anywhere_fails_its_job_naming_the_fix_and_the_worker_goes_on(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    ws = worker_settings(settings, resources, tmp_path, zoo_mirror=f"s3://{settings.bucket}/nothing-here/")
    counters, (failed, spoken) = run_jobs(ws, ["bn-coqui-male", "bn-espeak"])
    assert (counters["failed"], counters["completed"]) == (1, 1)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "model_unavailable"
    message = failed["error"]["message"]
    assert f"kontho voices import {MALE} --to s3://" in message
    assert "`mirror:`" in message
    assert "KONTHO_ZOO_DOWNLOAD=false" in message
    assert f"s3://{settings.bucket}/nothing-here/tts_models--bn--custom--vits-male/" in message
    assert spoken["status"] == "completed"


def _name(text: str) -> ZooName:
    name = parse_zoo_name(text)
    assert name is not None
    return name


def test_a_download_without_network_fails_fast_and_leaves_nothing_behind(
    settings: Settings, tmp_path: Path
) -> None:
    ws = settings.model_copy(update={"model_cache_dir": tmp_path / "cache", "zoo_download": True})
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as raised:
        resolve_zoo_model(_name(MALE), None, ws)
    assert time.monotonic() - started < 60  # a child process that imports Coqui, then a refused connection
    message = str(raised.value)
    assert f"downloading {MALE} failed" in message
    assert "ProxyError" in message
    assert f"kontho voices import {MALE}" in message
    zoo = tmp_path / "cache" / "coqui_zoo"
    assert not (zoo / "tts").exists()
    assert [p.name for p in zoo.iterdir()] == [".tts_models--bn--custom--vits-male.lock"]


@pytest.fixture
def silent_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A proxy that takes the connection and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        address = f"http://127.0.0.1:{server.getsockname()[1]}"
        for var in ("HTTPS_PROXY", "https_proxy"):
            monkeypatch.setenv(var, address)
        yield server


def test_a_download_that_hangs_is_stopped_at_its_timeout(silent_proxy: socket.socket, tmp_path: Path) -> None:
    # Long enough for the child to import Coqui and reach the proxy on a busy machine.
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match=r"did not finish within 20 s"):
        download(_name(FEMALE), tmp_path / "zoo", timeout=20)
    assert time.monotonic() - started < 40
    silent_proxy.setblocking(False)
    silent_proxy.accept()[0].close()  # the download had connected, and waited for an answer
    assert not (tmp_path / "zoo" / "tts").exists()


def test_a_name_coqui_does_not_list_is_unavailable_without_a_request(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="Coqui's model list has no tts_models/bn/custom/nobody"):
        download(_name("tts_models/bn/custom/nobody"), tmp_path / "zoo", timeout=3)
