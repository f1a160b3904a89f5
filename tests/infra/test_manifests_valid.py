"""Every object `kubectl kustomize` renders is valid: built-in kinds against Kubernetes' own schemas
(kubernetes-validate, strict: no unknown fields), custom resources against their CRDs (custom_resources.py),
and the few KEDA rules no schema states, checked here by hand."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.infra.conftest import INFRA, OVERLAYS, find
from tests.infra.custom_resources import KINDS, CustomResourceError, validate_custom_resource
from tests.infra.kubectl_kustomize import KustomizeError, Manifest

# The EKS version the clusters run; kubernetes-validate checks against this release's API.
KUBERNETES_VERSION = "1.33.0"
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

# keda.sh/docs/2.x/scalers/aws-sqs: a trigger's metadata is a free string map in the CRD, so what the
# aws-sqs-queue scaler reads is checked here. queueURL and awsRegion are required.
_SQS_TRIGGER_KEYS = {
    "queueURL",
    "awsRegion",
    "queueLength",
    "activationQueueLength",
    "scaleOnInFlight",
    "scaleOnDelayed",
    "awsEndpoint",
}
_QUEUE_URL = re.compile(r"^https://sqs\.[a-z0-9-]+\.amazonaws\.com/[0-9]{12}/.+")
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")


def builtin(objects: list[Manifest]) -> list[Manifest]:
    return [o for o in objects if (o["apiVersion"], o["kind"]) not in KINDS]


def custom(objects: list[Manifest]) -> list[Manifest]:
    return [o for o in objects if (o["apiVersion"], o["kind"]) in KINDS]


def test_there_are_overlays_for_staging_and_production() -> None:
    assert {"staging", "production"} <= set(OVERLAYS)


@pytest.mark.parametrize("env", OVERLAYS)
def test_builtin_objects_match_the_kubernetes_schema(rendered: dict[str, list[Manifest]], env: str) -> None:
    objects = builtin(rendered[env])
    assert len(objects) >= 15
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
            pytest.fail(f"{env} {obj['kind']}/{obj['metadata']['name']}: {exc.message}")


@pytest.mark.parametrize("env", OVERLAYS)
def test_custom_resources_match_their_crd(rendered: dict[str, list[Manifest]], env: str) -> None:
    objects = custom(rendered[env])
    assert {o["kind"] for o in objects} == {
        "ScaledObject",
        "TriggerAuthentication",
        "ServiceMonitor",
        "PrometheusRule",
    }
    for obj in objects:
        # The reason for custom_resources.py: were these kinds known to kubernetes-validate, it would do.
        with pytest.raises(kubernetes_validate.SchemaNotFoundError):
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        validate_custom_resource(obj)


def test_a_misspelt_scaledobject_field_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    broken = copy.deepcopy(find(rendered["staging"], "ScaledObject", "kontho-worker"))
    broken["spec"]["maxReplicas"] = 3
    with pytest.raises(CustomResourceError, match="maxReplicas"):
        validate_custom_resource(broken)


def test_a_wrongly_typed_or_missing_crd_field_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    scaled = find(rendered["staging"], "ScaledObject", "kontho-worker")
    quoted = copy.deepcopy(scaled)
    quoted["spec"]["maxReplicaCount"] = "2"  # the CRD wants an integer; pydantic alone would accept it
    with pytest.raises(CustomResourceError, match="maxReplicaCount"):
        validate_custom_resource(quoted)
    headless = copy.deepcopy(scaled)
    del headless["spec"]["scaleTargetRef"]
    with pytest.raises(ValueError, match="scaleTargetRef"):
        validate_custom_resource(headless)


def test_a_misspelt_builtin_field_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    broken = copy.deepcopy(find(rendered["staging"], "Deployment", "kontho-api"))
    broken["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = "x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("env", OVERLAYS)
def test_the_sqs_trigger_gives_the_scaler_what_it_reads(
    rendered: dict[str, list[Manifest]], env: str
) -> None:
    triggers = find(rendered[env], "ScaledObject", "kontho-worker")["spec"]["triggers"]
    sqs = [t["metadata"] for t in triggers if t["type"] == "aws-sqs-queue"]
    assert sqs
    for metadata in sqs:
        assert set(metadata) <= _SQS_TRIGGER_KEYS, sorted(set(metadata) - _SQS_TRIGGER_KEYS)
        assert _QUEUE_URL.match(metadata["queueURL"]), metadata["queueURL"]
        assert _AWS_REGION.match(metadata["awsRegion"]), metadata["awsRegion"]
        assert metadata.get("queueLength", "5").isdigit()
        assert int(metadata.get("queueLength", "5")) >= 1
        assert metadata.get("activationQueueLength", "0").isdigit()
        for flag in ("scaleOnInFlight", "scaleOnDelayed"):
            assert metadata.get(flag, "true") in {"true", "false"}, flag


@pytest.mark.parametrize("env", OVERLAYS)
def test_keda_takes_its_aws_role_one_way(rendered: dict[str, list[Manifest]], env: str) -> None:
    identity = find(rendered[env], "TriggerAuthentication", "kontho-keda-aws")["spec"]["podIdentity"]
    # KEDA (2.13+, aws provider) refuses roleArn together with identityOwner; the CRD does not say so.
    assert not {"roleArn", "identityOwner"} <= set(identity)


@pytest.mark.parametrize("env", OVERLAYS)
def test_every_object_is_namespaced_and_labelled(rendered: dict[str, list[Manifest]], env: str) -> None:
    for obj in rendered[env]:
        metadata = obj["metadata"]
        assert _DNS_NAME.match(metadata["name"]), metadata["name"]
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


def test_base_renders_alone(render: Callable[[Path], list[Manifest]]) -> None:
    assert render(INFRA / "k8s" / "base")


def test_a_broken_kustomization_fails_with_kubectls_reason(
    render: Callable[[Path], list[Manifest]], tmp_path: Path
) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    with pytest.raises(KustomizeError, match=r"missing\.yaml"):
        render(tmp_path)
