"""The three layers name the same things: Settings (kontho/settings.py), the manifests and Terraform.

Most mismatches raise no error anywhere; they show up as jobs retried too often or too rarely, a worker
killed mid-drain, or an API writing to a bucket nobody reads.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kontho.settings import Settings
from tests.infra.conftest import OVERLAYS, find
from tests.infra.kubectl_kustomize import Manifest
from tests.infra.terraform import TerraformModule

_QUEUE_URL = re.compile(
    r"^https://sqs\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<account>[0-9]{12})/(?P<name>.+)$"
)

# What production cannot run without: the code's defaults are for the local stack.
REQUIRED_IN_PRODUCTION = {
    "KONTHO_AWS_REGION",
    "KONTHO_BUCKET",
    "KONTHO_QUEUE_NAME",
    "KONTHO_QUEUE_URL",
    "KONTHO_DLQ_NAME",
    "KONTHO_MAX_RECEIVE_COUNT",
    "KONTHO_VISIBILITY_TIMEOUT_SECONDS",
    "KONTHO_API_KEYS_FILE",
    "KONTHO_LOG_FORMAT",
    "KONTHO_DRAIN_SECONDS",
    "KONTHO_LIVENESS_FILE",
}


def settings_map(objects: list[Manifest]) -> dict[str, str]:
    data: dict[str, str] = find(objects, "ConfigMap", "kontho-settings")["data"]
    return data


def env_names(objects: list[Manifest]) -> set[str]:
    """Every KONTHO_ name the manifests set: the settings ConfigMap and any container env."""
    names = set(settings_map(objects))
    for obj in objects:
        for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            names |= {e["name"] for e in container.get("env", []) if e["name"].startswith("KONTHO_")}
    return names


def overlay_account(objects: list[Manifest]) -> dict[str, str]:
    match = _QUEUE_URL.match(settings_map(objects)["KONTHO_QUEUE_URL"])
    assert match, settings_map(objects)["KONTHO_QUEUE_URL"]
    return match.groupdict()


@pytest.mark.parametrize("env", OVERLAYS)
def test_every_kontho_variable_is_a_setting(rendered: dict[str, list[Manifest]], env: str) -> None:
    known = {f"KONTHO_{name.upper()}" for name in Settings.model_fields}
    unknown = env_names(rendered[env]) - known
    assert not unknown, f"{env} sets variables kontho does not read: {sorted(unknown)}"


@pytest.mark.parametrize("env", OVERLAYS)
def test_production_settings_are_all_set(rendered: dict[str, list[Manifest]], env: str) -> None:
    data = settings_map(rendered[env])
    missing = {name for name in REQUIRED_IN_PRODUCTION if not data.get(name)}
    assert not missing, f"{env} leaves these empty: {sorted(missing)}"
    assert data["KONTHO_LOG_FORMAT"] == "json"


@pytest.mark.parametrize("env", OVERLAYS)
def test_the_settings_load(
    rendered: dict[str, list[Manifest]], env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in settings_map(rendered[env]).items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # the validators run: heartbeat below visibility, ranges
    assert settings.queue_url == settings_map(rendered[env])["KONTHO_QUEUE_URL"]


@pytest.mark.parametrize("env", OVERLAYS)
def test_names_follow_the_terraform_convention(
    rendered: dict[str, list[Manifest]], terraform: TerraformModule, env: str
) -> None:
    data = settings_map(rendered[env])
    where = overlay_account(rendered[env])
    known = {"environment": env, "account_id": where["account"], "region": where["region"]}
    assert data["KONTHO_BUCKET"] == terraform.resolve(terraform.locals["bucket_name"], known)
    assert data["KONTHO_QUEUE_NAME"] == terraform.resolve(terraform.locals["queue_name"], known)
    assert data["KONTHO_DLQ_NAME"] == terraform.resolve(terraform.locals["dlq_name"], known)
    assert where["name"] == data["KONTHO_QUEUE_NAME"]
    assert data["KONTHO_AWS_REGION"] == where["region"]
    # Terraform names its queues from the same locals.
    assert terraform.resources[("aws_sqs_queue", "jobs")]["name"] == "${local.queue_name}"
    assert terraform.resources[("aws_sqs_queue", "dlq")]["name"] == "${local.dlq_name}"
    assert terraform.resources[("aws_s3_bucket", "main")]["bucket"] == "${local.bucket_name}"


@pytest.mark.parametrize("env", OVERLAYS)
def test_keda_watches_the_same_queue(rendered: dict[str, list[Manifest]], env: str) -> None:
    data = settings_map(rendered[env])
    (trigger,) = find(rendered[env], "ScaledObject", "kontho-worker")["spec"]["triggers"]
    assert trigger["type"] == "aws-sqs-queue"
    assert trigger["metadata"]["queueURL"] == data["KONTHO_QUEUE_URL"]
    assert trigger["metadata"]["awsRegion"] == data["KONTHO_AWS_REGION"]


def test_staging_overlay_matches_the_example_tfvars(
    rendered: dict[str, list[Manifest]], tfvars_example: dict[str, Any]
) -> None:
    assert tfvars_example["environment"] == "staging"
    assert settings_map(rendered["staging"])["KONTHO_AWS_REGION"] == tfvars_example["region"]


@pytest.mark.parametrize("env", OVERLAYS)
def test_queue_attributes_agree(
    rendered: dict[str, list[Manifest]], terraform: TerraformModule, tfvars_example: dict[str, Any], env: str
) -> None:
    data = settings_map(rendered[env])
    queue = terraform.resources[("aws_sqs_queue", "jobs")]
    max_receive = int(data["KONTHO_MAX_RECEIVE_COUNT"])
    assert max_receive == terraform.default("max_receive_count") == tfvars_example["max_receive_count"]
    assert "maxReceiveCount = var.max_receive_count" in queue["redrive_policy"]
    visibility = int(data["KONTHO_VISIBILITY_TIMEOUT_SECONDS"])
    assert visibility == terraform.default("visibility_timeout_seconds")
    assert visibility == tfvars_example["visibility_timeout_seconds"]
    assert queue["visibility_timeout_seconds"] == "${var.visibility_timeout_seconds}"
    assert queue["receive_wait_time_seconds"] == int(data.get("KONTHO_POLL_WAIT_SECONDS", "20"))
    # A drain is a receive, so the redrive limit must leave room for a few of them beside real failures.
    assert max_receive > Settings.model_fields["max_receive_count"].default


@pytest.mark.parametrize("env", OVERLAYS)
def test_worker_grace_period_outlasts_the_drain(rendered: dict[str, list[Manifest]], env: str) -> None:
    pod = find(rendered[env], "Deployment", "kontho-worker")["spec"]["template"]["spec"]
    drain = float(settings_map(rendered[env])["KONTHO_DRAIN_SECONDS"])
    assert pod["terminationGracePeriodSeconds"] > drain + 15
    assert "preStop" not in pod["containers"][0].get("lifecycle", {})  # it would eat into the grace period


@pytest.mark.parametrize("env", OVERLAYS)
def test_worker_writes_only_to_its_volumes(rendered: dict[str, list[Manifest]], env: str) -> None:
    data = settings_map(rendered[env])
    container = find(rendered[env], "Deployment", "kontho-worker")["spec"]["template"]["spec"]["containers"][
        0
    ]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    for setting in ("KONTHO_WORK_DIR", "KONTHO_MODEL_CACHE_DIR", "KONTHO_LIVENESS_FILE"):
        assert any(data[setting].startswith(mount) for mount in mounts), setting
    keys_dir = data["KONTHO_API_KEYS_FILE"].rsplit("/", 1)[0]
    assert keys_dir in mounts
    assert container["livenessProbe"]["exec"]["command"] == ["python", "-m", "worker.liveness"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1


@pytest.mark.parametrize("env", OVERLAYS)
def test_ports_agree_with_the_settings(rendered: dict[str, list[Manifest]], env: str) -> None:
    data = settings_map(rendered[env])
    for name, setting in (("kontho-api", "KONTHO_API_PORT"), ("kontho-worker", "KONTHO_WORKER_METRICS_PORT")):
        container = find(rendered[env], "Deployment", name)["spec"]["template"]["spec"]["containers"][0]
        assert [p["containerPort"] for p in container["ports"]] == [int(data[setting])]


@pytest.mark.parametrize("env", OVERLAYS)
def test_pod_identity_associations_name_the_pods_service_accounts(
    rendered: dict[str, list[Manifest]], terraform: TerraformModule, env: str
) -> None:
    for deployment, local in (("kontho-api", "api_sa"), ("kontho-worker", "worker_sa")):
        pod = find(rendered[env], "Deployment", deployment)["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == terraform.locals[local]
        account = find(rendered[env], "ServiceAccount", pod["serviceAccountName"])
        assert account["metadata"]["namespace"] == terraform.default("namespace")
