"""The custom resources the overlays render, checked against their projects' own CRD schemas.

kubernetes-validate knows only built-in kinds. The cloudcoil model packages are generated from the KEDA
and Prometheus-operator CRDs (types, required fields, enums, duration patterns). pydantic drops a field
the CRD does not declare instead of refusing it, as the API server prunes it silently; so an object is
valid only if it also survives the round trip unchanged: a misspelt key fails here.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel

from tests.infra.kubectl_kustomize import Manifest

KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}


class CustomResourceError(ValueError):
    """The object does not match its CRD."""


@functools.cache
def _models() -> dict[tuple[str, str], type[BaseModel]]:
    # Imported on first use: the generated modules take seconds to load, which only these tests need pay.
    from cloudcoil.models.keda import v1alpha1 as keda
    from cloudcoil.models.prometheus_operator import v1 as prometheus_operator

    models: dict[tuple[str, str], type[BaseModel]] = {
        ("keda.sh/v1alpha1", "ScaledObject"): keda.ScaledObject,
        ("keda.sh/v1alpha1", "TriggerAuthentication"): keda.TriggerAuthentication,
        ("monitoring.coreos.com/v1", "ServiceMonitor"): prometheus_operator.ServiceMonitor,
        ("monitoring.coreos.com/v1", "PrometheusRule"): prometheus_operator.PrometheusRule,
    }
    assert set(models) == KINDS
    return models


def _differences(given: Any, kept: Any, path: str) -> list[str]:
    if isinstance(given, dict) and isinstance(kept, dict):
        found = [f"{path}.{key}: not in the CRD" for key in given if key not in kept]
        return found + [
            d for key in given if key in kept for d in _differences(given[key], kept[key], f"{path}.{key}")
        ]
    if isinstance(given, list) and isinstance(kept, list) and len(given) == len(kept):
        return [
            d
            for i, (g, k) in enumerate(zip(given, kept, strict=True))
            for d in _differences(g, k, f"{path}[{i}]")
        ]
    return [] if given == kept else [f"{path}: {given!r} read as {kept!r}"]


def validate_custom_resource(obj: Manifest) -> None:
    """Raise (pydantic's ValidationError or CustomResourceError, both ValueErrors) unless ``obj`` matches."""
    model = _models().get((obj["apiVersion"], obj["kind"]))
    if model is None:
        raise CustomResourceError(f"no CRD schema for {obj['apiVersion']} {obj['kind']}")
    kept = model.model_validate(obj).model_dump(by_alias=True, exclude_unset=True, mode="json")
    differences = _differences(obj, kept, obj["kind"])
    if differences:
        raise CustomResourceError("; ".join(differences))
