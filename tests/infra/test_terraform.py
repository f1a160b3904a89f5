"""What the Terraform promises, read from the HCL itself (python-hcl2), and `terraform fmt` where terraform
is on PATH. `terraform validate` and `plan` need the AWS provider downloaded (`terraform init`): not here."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kontho import keys
from tests.infra.conftest import INFRA, REPO
from tests.infra.terraform import TerraformModule

TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(
    TERRAFORM is None,
    reason="terraform is not on PATH: `terraform fmt -check` runs only with the real binary",
)


def terraform_fmt_check(folder: Path) -> subprocess.CompletedProcess[str]:
    assert TERRAFORM is not None
    return subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-diff", "-no-color", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def statements(terraform: TerraformModule, document: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = terraform.data[("aws_iam_policy_document", document)]["statement"]
    return found


def actions(terraform: TerraformModule, document: str) -> set[str]:
    return {action for s in statements(terraform, document) for action in s["actions"]}


def boto_calls(module: str, client: str) -> set[str]:
    """IAM action names of a module's ``client`` calls: ``self._sqs.receive_message`` -> ReceiveMessage."""
    source = (REPO / module).read_text()
    calls = set(re.findall(rf"_{client}\.([a-z_]+)\(", source))
    return {"".join(part.capitalize() for part in call.split("_")) for call in calls}


def test_job_queue_is_fifo_with_explicit_deduplication(terraform: TerraformModule) -> None:
    queue = terraform.resources[("aws_sqs_queue", "jobs")]
    dlq = terraform.resources[("aws_sqs_queue", "dlq")]
    assert queue["fifo_queue"] is True
    assert dlq["fifo_queue"] is True
    assert queue["content_based_deduplication"] is False
    assert queue["receive_wait_time_seconds"] == 20
    assert queue["max_message_size"] == 256 * 1024
    assert queue["message_retention_seconds"] == dlq["message_retention_seconds"] == "${local.retention_secs}"
    assert terraform.locals["retention_secs"] == "${14 * 24 * 3600}"
    assert "deadLetterTargetArn = aws_sqs_queue.dlq.arn" in queue["redrive_policy"]
    assert queue["sqs_managed_sse_enabled"] is True
    assert dlq["sqs_managed_sse_enabled"] is True
    allow = terraform.resources[("aws_sqs_queue_redrive_allow_policy", "dlq")]["redrive_allow_policy"]
    assert "byQueue" in allow
    assert "aws_sqs_queue.jobs.arn" in allow


def test_visibility_default_is_the_workers(terraform: TerraformModule) -> None:
    from kontho.settings import Settings

    assert (
        terraform.default("visibility_timeout_seconds")
        == Settings.model_fields["visibility_timeout_seconds"].default
    )


def test_bucket_is_private_encrypted_and_versioned(terraform: TerraformModule) -> None:
    block = terraform.resources[("aws_s3_bucket_public_access_block", "main")]
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (rule,) = terraform.resources[("aws_s3_bucket_server_side_encryption_configuration", "main")]["rule"]
    (default,) = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"] == "${aws_kms_key.bucket.arn}"
    assert terraform.resources[("aws_kms_key", "bucket")]["enable_key_rotation"] is True
    (versioning,) = terraform.resources[("aws_s3_bucket_versioning", "main")]["versioning_configuration"]
    assert versioning["status"] == "Enabled"
    policy = statements(terraform, "bucket")
    assert any(
        c["variable"] == "aws:SecureTransport" and c["values"] == ["false"]
        for s in policy
        for c in s["condition"]
    )


def test_lifecycle_expires_cached_chunks_by_tag_and_artifacts_by_prefix(terraform: TerraformModule) -> None:
    (lifecycle,) = [terraform.resources[("aws_s3_bucket_lifecycle_configuration", "main")]]
    rules = {r["id"]: r for r in lifecycle["rule"]}
    # One rule per number of days a tenant may choose, each matching the tag the worker writes.
    assert tuple(terraform.locals["chunk_cache_days"]) == keys.CHUNK_CACHE_DAYS
    (dynamic,) = [d["rule"] for d in lifecycle["dynamic"] if "rule" in d]
    assert dynamic["for_each"] == "${local.chunk_cache_days}"
    (content,) = dynamic["content"]
    assert content["id"] == "expire-chunk-cache-${rule.value}d"
    (chunk_filter,) = content["filter"]
    (tags,) = [a["tags"] for a in chunk_filter["and"]]
    assert tags == {"kontho-kind": "chunk", "kontho-cache-days": "${tostring(rule.value)}"}
    for days in keys.CHUNK_CACHE_DAYS:
        tag = dict(pair.split("=") for pair in keys.chunk_cache_tag(days).split("&"))
        assert tag == {"kontho-kind": "chunk", "kontho-cache-days": str(days)}
        assert days <= terraform.default("artifact_expiry_days")  # the tenants/ rule matches chunks too
    assert content["expiration"] == [{"days": "${rule.value}"}]
    assert content["status"] == "Enabled"
    assert rules["expire-tenant-artifacts"]["filter"] == [{"prefix": "tenants/"}]
    assert rules["expire-tenant-artifacts"]["expiration"] == [{"days": "${var.artifact_expiry_days}"}]
    assert rules["expire-idempotency-keys"]["filter"] == [{"prefix": "idempotency/"}]
    assert rules["expire-usage-ledger"]["filter"] == [{"prefix": "usage/"}]
    assert terraform.default("usage_retention_days") > 10 * terraform.default("artifact_expiry_days")
    for rule in rules.values():
        assert rule["status"] == "Enabled"
        assert "noncurrent_version_expiration" in rule or rule["id"] == "housekeeping"


def test_keda_may_only_read_queue_attributes(terraform: TerraformModule) -> None:
    assert actions(terraform, "keda") == {"sqs:GetQueueAttributes"}
    (statement,) = statements(terraform, "keda")
    assert statement["resources"] == ["${aws_sqs_queue.jobs.arn}"]


def test_no_role_has_wildcard_actions_or_resources(terraform: TerraformModule) -> None:
    for document in ("api", "worker", "keda"):
        for statement in statements(terraform, document):
            assert not any("*" in action for action in statement["actions"]), (document, statement["sid"])
            assert "*" not in statement["resources"], (document, statement["sid"])


def test_roles_cover_the_queue_calls_the_code_makes(terraform: TerraformModule) -> None:
    queue_calls = {f"sqs:{call}" for call in boto_calls("kontho/jobqueue.py", "sqs")}
    assert {"sqs:ReceiveMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility"} <= queue_calls
    # The worker (and `python -m worker.dlq`, run in a worker pod) makes every call JobQueue has.
    assert queue_calls <= actions(terraform, "worker")
    assert {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"} <= actions(terraform, "api")
    assert "sqs:ReceiveMessage" not in actions(terraform, "api")


def test_worker_may_tag_checkpoints_and_read_models(terraform: TerraformModule) -> None:
    worker = actions(terraform, "worker")
    assert {
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:ListBucket",
    } <= worker
    assert any("var.model_prefix" in r for s in statements(terraform, "worker") for r in s["resources"])
    assert "s3:PutObjectTagging" not in actions(terraform, "api")


def test_the_api_may_delete_what_erase_lexicons_and_markers_remove(terraform: TerraformModule) -> None:
    deletes = [s for s in statements(terraform, "api") if "s3:DeleteObject" in s["actions"]]
    resources = {r for s in deletes for r in s["resources"]}
    # DELETE /v1/jobs/{id} removes the job's objects and its idempotency claim; DELETE /v1/lexicons/{name}
    # the lexicon; DELETE /v1/voices/{id} a cloned voice and its clips; a failed submit its active or
    # sample marker: all under these four prefixes.
    assert resources == {
        "${local.bucket_arn}/tenants/*",
        "${local.bucket_arn}/lexicons/*",
        "${local.bucket_arn}/voices/*",
        "${local.bucket_arn}/idempotency/*",
    }


def test_roles_are_handed_out_by_pod_identity(terraform: TerraformModule) -> None:
    (trust,) = statements(terraform, "pod_identity_trust")
    assert trust["principals"] == [{"type": "Service", "identifiers": ["pods.eks.amazonaws.com"]}]
    service_accounts = {
        name: terraform.resources[("aws_eks_pod_identity_association", name)]["service_account"]
        for name in ("api", "worker", "keda")
    }
    assert service_accounts == {
        "api": "${local.api_sa}",
        "worker": "${local.worker_sa}",
        "keda": "${var.keda_service_account}",
    }
    assert terraform.locals["api_sa"] == "kontho-api"
    assert terraform.locals["worker_sa"] == "kontho-worker"


def test_outputs_name_what_the_overlays_need(terraform: TerraformModule) -> None:
    assert {
        "bucket",
        "queue_url",
        "queue_name",
        "dlq_url",
        "dlq_name",
        "api_role_arn",
        "worker_role_arn",
        "keda_role_arn",
    } <= set(terraform.outputs)


@needs_terraform
def test_terraform_is_formatted() -> None:
    result = terraform_fmt_check(INFRA / "terraform")
    assert result.returncode == 0, (
        f"run `terraform fmt -recursive infra/terraform`:\n{result.stdout}{result.stderr}"
    )


@needs_terraform
def test_terraform_fmt_check_catches_a_misaligned_file(tmp_path: Path) -> None:
    shutil.copytree(INFRA / "terraform", tmp_path / "terraform")
    (tmp_path / "terraform" / "nested").mkdir()
    (tmp_path / "terraform" / "nested" / "bad.tf").write_text('locals {\n  a = 1\n  bb  = "x"\n}\n')
    result = terraform_fmt_check(tmp_path / "terraform")
    assert result.returncode != 0
    assert "bad.tf" in result.stdout


VOICE_ID = "cv-01hzy3k8m2q4r6t8v0w2x4y6z8"
KEPT = {
    "lexicons": keys.lexicon("prothom", "names"),
    "cloned voices": keys.tenant_voice("prothom", VOICE_ID),
    "voice clips": keys.tenant_voice_clip("prothom", VOICE_ID, 0),
    "xtts conditioning": "xtts-conditioning/" + "0" * 64 + ".pt",
}


@pytest.mark.parametrize("kind", KEPT)
def test_no_lifecycle_rule_expires_what_tenants_keep(terraform: TerraformModule, kind: str) -> None:
    (lifecycle,) = [terraform.resources[("aws_s3_bucket_lifecycle_configuration", "main")]]
    key = KEPT[kind]
    for rule in lifecycle["rule"]:
        expirations = rule.get("expiration") or []
        if all(set(e) == {"expired_object_delete_marker"} for e in expirations):
            continue  # housekeeping: abandoned uploads, orphaned delete markers, noncurrent versions
        (rule_filter,) = rule["filter"]
        prefix = rule_filter.get("prefix")
        assert prefix is not None, f"rule {rule['id']} expires objects without a prefix"
        assert not key.startswith(prefix), f"rule {rule['id']} would expire {kind}"
    # The tag-matched chunk rules match only objects the worker tags as chunks; these carry no tag.
    assert not key.startswith("tenants/")


def test_a_deleted_voice_leaves_no_versions_behind(terraform: TerraformModule) -> None:
    (lifecycle,) = [terraform.resources[("aws_s3_bucket_lifecycle_configuration", "main")]]
    (rule,) = [r for r in lifecycle["rule"] if r["filter"] == [{"prefix": keys.VOICES}]]
    assert rule["noncurrent_version_expiration"] == [
        {"noncurrent_days": "${var.noncurrent_version_expiry_days}"}
    ]


def test_the_worker_reads_voices_and_keeps_xtts_conditioning(terraform: TerraformModule) -> None:
    granted = {(a, r) for s in statements(terraform, "worker") for a in s["actions"] for r in s["resources"]}
    assert ("s3:GetObject", "${local.bucket_arn}/voices/*") in granted
    assert ("s3:PutObject", "${local.bucket_arn}/voices/*") not in granted
    assert {"s3:GetObject", "s3:PutObject"} <= {
        a for a, r in granted if r == "${local.bucket_arn}/xtts-conditioning/*"
    }
