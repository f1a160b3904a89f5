"""What the images promise, read from the Dockerfiles themselves: no Docker engine runs where the tests do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGES = ["Dockerfile.api", "Dockerfile.worker"]


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    steps: list[tuple[str, str]] = []
    pending = ""
    for raw in (REPO / dockerfile).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line.removesuffix("\\").strip() + " "
        if not line.endswith("\\"):
            op, _, args = pending.strip().partition(" ")
            steps.append((op.upper(), args.strip()))
            pending = ""
    return steps


def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from + 1 :]


def last(steps: list[tuple[str, str]], op: str) -> str:
    found = [args for name, args in steps if name == op]
    assert found, f"no {op} instruction"
    return found[-1]


def copy_sources(args: str) -> list[str]:
    """The build-context paths a COPY reads; none when it copies from another stage."""
    words = args.split()
    if any(word.startswith("--from") for word in words):
        return []
    operands = [word for word in words if not word.startswith("--")]
    if args.startswith("["):
        operands = json.loads(args)
    return operands[:-1]


def dockerignore() -> set[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return {line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")}


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_image_runs_as_a_non_root_user(dockerfile: str) -> None:
    user = last(final_stage(dockerfile), "USER").split(":")[0]
    assert user not in {"root", "0"}


@pytest.mark.parametrize(
    ("dockerfile", "op", "module"),
    [("Dockerfile.api", "CMD", "api"), ("Dockerfile.worker", "ENTRYPOINT", "worker")],
)
def test_image_starts_a_module_that_exists(dockerfile: str, op: str, module: str) -> None:
    assert json.loads(last(final_stage(dockerfile), op)) == ["python", "-m", module]
    assert (REPO / module / "__main__.py").is_file()


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_every_copied_path_is_in_the_build_context(dockerfile: str) -> None:
    sources = [src for op, args in instructions(dockerfile) if op == "COPY" for src in copy_sources(args)]
    assert sources
    for source in sources:
        assert (REPO / source).exists(), f"{dockerfile} copies {source}, which is not in the repository"
        assert source.rstrip("/") not in dockerignore(), f"{dockerfile} copies {source}, which is ignored"


def test_worker_image_installs_the_audio_tools() -> None:
    runs = [args for op, args in final_stage("Dockerfile.worker") if op == "RUN"]
    packages = set(" ".join(run for run in runs if "apt-get install" in run).split())
    assert {"ffmpeg", "espeak-ng"} <= packages


def test_worker_model_cache_is_the_declared_volume() -> None:
    steps = final_stage("Dockerfile.worker")
    env = " ".join(args for op, args in steps if op == "ENV")
    volume = json.loads(last(steps, "VOLUME"))
    assert volume == ["/var/cache/kontho/models"]
    assert f"KONTHO_MODEL_CACHE_DIR={volume[0]}" in env


def test_api_image_has_a_healthcheck_on_healthz() -> None:
    healthcheck = last(final_stage("Dockerfile.api"), "HEALTHCHECK")
    assert "/healthz" in healthcheck
    assert "CMD" in healthcheck.split()


def test_dockerignore_keeps_the_venv_and_git_out() -> None:
    assert {".venv", ".git"} <= dockerignore()
