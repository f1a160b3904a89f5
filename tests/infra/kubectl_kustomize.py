"""infra/k8s rendered by the real kustomize: ``kubectl kustomize`` (kustomize 5.5 inside), offline."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

KUBECTL = shutil.which("kubectl")
NO_KUBECTL = (
    "kubectl is not on PATH: the overlays are rendered only by `kubectl kustomize` "
    "(install kubectl, which has kustomize inside, to run this test)"
)


class KustomizeError(RuntimeError):
    """kubectl refused to render the kustomization; the message is kubectl's own."""


def kustomize(folder: Path) -> list[Manifest]:
    """The objects ``kubectl kustomize folder`` prints, in its order."""
    if KUBECTL is None:
        raise KustomizeError(NO_KUBECTL)
    result = subprocess.run(
        [KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise KustomizeError(f"kubectl kustomize {folder}: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
