"""Shared fixtures: the overlays rendered by `kubectl kustomize` and the parsed Terraform, once a run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.infra.kubectl_kustomize import KUBECTL, NO_KUBECTL, Manifest, kustomize
from tests.infra.terraform import TerraformModule, load_module, load_tfvars

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
OVERLAYS = sorted(p.name for p in (INFRA / "k8s" / "overlays").iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def render() -> Callable[[Path], list[Manifest]]:
    """``kubectl kustomize``; a test that needs it skips, saying why, where kubectl is missing."""
    if KUBECTL is None:
        pytest.skip(NO_KUBECTL)
    return kustomize


@pytest.fixture(scope="session")
def rendered(render: Callable[[Path], list[Manifest]]) -> dict[str, list[Manifest]]:
    """Every overlay, rendered: {environment: objects}."""
    return {env: render(INFRA / "k8s" / "overlays" / env) for env in OVERLAYS}


@pytest.fixture(scope="session")
def terraform() -> TerraformModule:
    return load_module(INFRA / "terraform")


@pytest.fixture(scope="session")
def tfvars_example() -> dict[str, Any]:
    return load_tfvars(INFRA / "terraform" / "terraform.tfvars.example")


def find(objects: list[Manifest], kind: str, name: str) -> Manifest:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind}/{name}"
    return found[0]
