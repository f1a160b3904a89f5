"""The images' promises, read from the Dockerfiles (no Docker engine runs on the build machines)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import REPO


def _instructions(name: str) -> list[tuple[str, str]]:
    text = (REPO / name).read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


@pytest.mark.parametrize(
    ("dockerfile", "entry", "module"),
    [
        ("Dockerfile.api", "CMD", "api/__main__.py"),
        ("Dockerfile.worker", "ENTRYPOINT", "worker/__main__.py"),
    ],
)
def test_image_runs_as_non_root_and_starts_a_module_that_exists(
    dockerfile: str, entry: str, module: str
) -> None:
    steps = _instructions(dockerfile)
    users = [arg for op, arg in steps if op == "USER"]
    assert users, "the image must drop root"
    assert users[-1] not in {"root", "0"}
    command = json.loads([arg for op, arg in steps if op == entry][-1])
    assert command == ["python", "-m", module.split("/")[0]]
    assert (REPO / module).exists()


@pytest.mark.parametrize("dockerfile", ["Dockerfile.api", "Dockerfile.worker"])
def test_every_copied_path_exists(dockerfile: str) -> None:
    for op, arg in _instructions(dockerfile):
        if op != "COPY" or arg.startswith("--from"):
            continue
        for source in arg.split()[:-1]:
            assert (REPO / source).exists(), f"{dockerfile} copies {source}, which is not in the repository"


def test_worker_image_has_the_audio_tools_and_a_model_cache_volume() -> None:
    steps = _instructions("Dockerfile.worker")
    installs = " ".join(arg for op, arg in steps if op == "RUN")
    assert re.search(r"apt-get install .*ffmpeg", installs)
    assert re.search(r"apt-get install .*espeak-ng", installs)
    assert any(op == "VOLUME" and "/var/cache/kontho/models" in arg for op, arg in steps)


def test_api_image_checks_health_and_logs_json() -> None:
    steps = _instructions("Dockerfile.api")
    assert any(op == "HEALTHCHECK" and "/healthz" in arg for op, arg in steps)
    assert any(op == "ENV" and "KONTHO_LOG_FORMAT=json" in arg for op, arg in steps)
    assert not any("torch" in arg for _, arg in steps)


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".kontho", "out"} <= ignored
