"""Every rendered object is valid: built-in kinds against Kubernetes' own schemas (kubernetes-validate,
strict: no unknown fields), custom resources against infra's CRD schemas (crd_schemas.py)."""

from __future__ import annotations

from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.infra.conftest import INFRA, OVERLAYS, find
from tests.infra.crd_schemas import SCHEMAS
from tests.infra.kustomize import Manifest, UnsupportedKustomization, render, strategic_merge

# The EKS version the clusters run; kubernetes-validate checks against this release's API.
KUBERNETES_VERSION = "1.33.0"


def test_there_are_overlays_for_staging_and_production() -> None:
    assert {"staging", "production"} <= set(OVERLAYS)


@pytest.mark.parametrize("env", OVERLAYS)
def test_builtin_objects_match_the_kubernetes_schema(rendered: dict[str, list[Manifest]], env: str) -> None:
    builtin = [o for o in rendered[env] if (o["apiVersion"], o["kind"]) not in SCHEMAS]
    assert len(builtin) >= 15
    for obj in builtin:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{env} {obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")


@pytest.mark.parametrize("env", OVERLAYS)
def test_custom_resources_match_their_crd_schema(rendered: dict[str, list[Manifest]], env: str) -> None:
    custom = [o for o in rendered[env] if (o["apiVersion"], o["kind"]) in SCHEMAS]
    assert {o["kind"] for o in custom} == {
        "ScaledObject",
        "TriggerAuthentication",
        "ServiceMonitor",
        "PrometheusRule",
    }
    for obj in custom:
        jsonschema.validate(obj, SCHEMAS[(obj["apiVersion"], obj["kind"])])


def test_a_misspelt_scaledobject_field_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    scaled = find(rendered["staging"], "ScaledObject", "kontho-worker")
    broken = strategic_merge(scaled, {"spec": {"maxReplicas": 3}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMAS[("keda.sh/v1alpha1", "ScaledObject")])


def test_a_misspelt_builtin_field_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    api = find(rendered["staging"], "Deployment", "kontho-api")
    broken = strategic_merge(
        api, {"spec": {"template": {"spec": {"containers": [{"name": "api", "imagePolicy": "x"}]}}}}
    )
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("env", OVERLAYS)
def test_every_object_is_namespaced_and_labelled(rendered: dict[str, list[Manifest]], env: str) -> None:
    for obj in rendered[env]:
        metadata = obj["metadata"]
        assert metadata["labels"]["app.kubernetes.io/part-of"] == "kontho"
        assert metadata["labels"]["kontho.dev/environment"] == env
        if obj["kind"] != "Namespace":
            assert metadata["namespace"] == "kontho"


@pytest.mark.parametrize("env", OVERLAYS)
def test_images_come_from_the_environments_registry(rendered: dict[str, list[Manifest]], env: str) -> None:
    for name in ("kontho-api", "kontho-worker"):
        container = find(rendered[env], "Deployment", name)["spec"]["template"]["spec"]["containers"][0]
        registry, _, rest = container["image"].partition("/")
        assert registry.endswith(".amazonaws.com"), container["image"]
        assert rest.startswith(f"{name}:"), container["image"]


def test_renderer_merges_containers_by_name_and_replaces_custom_resource_lists() -> None:
    deployment: Manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {
            "template": {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}
        },
    }
    merged = strategic_merge(
        deployment, {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "z"}]}}}}
    )
    assert [c["image"] for c in merged["spec"]["template"]["spec"]["containers"]] == ["x", "z"]
    scaled: Manifest = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "s"},
                        "spec": {"triggers": [{"type": "a"}, {"type": "b"}]}}  # fmt: skip
    assert strategic_merge(scaled, {"spec": {"triggers": [{"type": "c"}]}})["spec"]["triggers"] == [
        {"type": "c"}
    ]


def test_renderer_refuses_features_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\nreplicas:\n  - name: x\n    count: 2\n")
    with pytest.raises(UnsupportedKustomization):
        render(tmp_path)
    (tmp_path / "kustomization.yaml").write_text("configMapGenerator:\n  - name: x\n    literals: [a=b]\n")
    with pytest.raises(UnsupportedKustomization):
        render(tmp_path)


def test_base_renders_alone() -> None:
    assert render(INFRA / "k8s" / "base")
