"""What the images promise, read from the Dockerfiles themselves: no Docker engine runs where the tests do."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

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


def test_api_image_installs_ffmpeg_for_voice_clips() -> None:
    runs = [args for op, args in final_stage("Dockerfile.api") if op == "RUN"]
    packages = set(" ".join(run for run in runs if "apt-get install" in run).split())
    assert "ffmpeg" in packages
    assert "espeak-ng" not in packages


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


def env_settings(dockerfile: str) -> dict[str, str]:
    """The ENV pairs of the final stage (KEY=value forms only, as both Dockerfiles write them)."""
    pairs: dict[str, str] = {}
    for op, args in final_stage(dockerfile):
        if op == "ENV":
            for word in args.split():
                key, sep, value = word.partition("=")
                if sep:
                    pairs[key] = value
    return pairs


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_image_runs_as_the_numeric_uid_kubernetes_expects(dockerfile: str) -> None:
    # infra/k8s sets runAsUser 10001 and runAsNonRoot, which needs a numeric USER to verify.
    assert last(final_stage(dockerfile), "USER") == "10001:10001"


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_every_kontho_variable_an_image_sets_is_a_setting(dockerfile: str) -> None:
    from kontho.settings import Settings

    known = {f"KONTHO_{name.upper()}" for name in Settings.model_fields}
    names = {key for key in env_settings(dockerfile) if key.startswith("KONTHO_")}
    assert names
    assert names <= known, sorted(names - known)
    assert env_settings(dockerfile)["KONTHO_LOG_FORMAT"] == "json"


def test_api_image_installs_no_torch() -> None:
    installs = [args for op, args in instructions("Dockerfile.api") if op == "RUN" and "pip install" in args]
    assert installs
    assert all("'.[api]'" in run for run in installs)
    api_extra = " ".join(pyproject()["project"]["optional-dependencies"]["api"])
    assert "torch" not in api_extra
    assert "vits" not in api_extra
    assert last(instructions("Dockerfile.api"), "FROM").startswith("python:3.11-slim")


def test_api_image_exposes_and_probes_the_default_port() -> None:
    from kontho.settings import Settings

    port = Settings.model_fields["api_port"].default
    steps = final_stage("Dockerfile.api")
    assert last(steps, "EXPOSE") == str(port)
    assert f"'{port}'" in last(steps, "HEALTHCHECK")


def test_worker_cuda_base_matches_the_torch_build_the_vits_extra_pins() -> None:
    text = (REPO / "Dockerfile.worker").read_text()
    image = re.search(
        r"^ARG CUDA_IMAGE=nvidia/cuda:(\d+)\.(\d+)\.\d+-[a-z-]*runtime-ubuntu(\d+\.\d+)$", text, re.M
    )
    assert image, "the worker's base is an nvidia/cuda runtime image named in ARG CUDA_IMAGE"
    cuda_tag = f"cu{image.group(1)}{image.group(2)}"
    documented = re.search(r"torch (\d+\.\d+\.\d+)\+(cu\d+)", text)
    assert documented, "Dockerfile.worker says which torch build the base is for"
    assert documented.group(2) == cuda_tag
    pins = pyproject()["project"]["optional-dependencies"]["vits"]
    assert f"torch=={documented.group(1)}" in pins
    # Ubuntu 24.04 ships Python 3.12, the version the GPU hosts run; pyproject must allow it.
    assert image.group(3) == "24.04"
    assert pyproject()["project"]["requires-python"] == ">=3.11"


def test_worker_image_installs_the_vits_extra_by_default() -> None:
    args = [a for op, a in instructions("Dockerfile.worker") if op == "ARG"]
    assert "KONTHO_EXTRAS=vits" in args


def test_worker_scratch_is_home_tmpdir_and_work_dir() -> None:
    env = env_settings("Dockerfile.worker")
    assert env["HOME"] == env["TMPDIR"] == env["KONTHO_WORK_DIR"] == "/tmp/kontho"


@pytest.mark.parametrize("module", ["worker.liveness", "worker.dlq"])
def test_modules_the_manifests_run_in_the_worker_image_exist(module: str) -> None:
    # The liveness probe and the DLQ runbook run these inside a worker pod; the image copies worker/.
    assert (REPO / (module.replace(".", "/") + ".py")).is_file()
    copied = [
        src for op, args in instructions("Dockerfile.worker") if op == "COPY" for src in copy_sources(args)
    ]
    assert module.split(".")[0] in copied
