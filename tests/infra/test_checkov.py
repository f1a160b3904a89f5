"""checkov over the Terraform and the rendered overlays: nothing fails, and every skip says why.

checkov runs from its own venv (.venv/checkov, built by `make checkov`, which `make test` runs first):
its pins would downgrade boto3 in the project's venv. Missing, the test fails: it never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.infra.conftest import INFRA, REPO
from tests.infra.kubectl_kustomize import Manifest

CHECKOV = REPO / ".venv" / "checkov" / "bin" / "checkov"
# --skip-download: no calls home for policy metadata (CI reaches no such service).
FLAGS = ["--framework", "terraform", "kubernetes", "--skip-download", "--compact", "--output", "json"]


@pytest.fixture(scope="module")
def reports(rendered: dict[str, list[Manifest]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make checkov`"
    scan = tmp_path_factory.mktemp("checkov")
    shutil.copytree(INFRA / "terraform", scan / "terraform")
    (scan / "k8s").mkdir()
    for env, objects in rendered.items():
        (scan / "k8s" / f"{env}.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    result = subprocess.run(
        [str(CHECKOV), "-d", str(scan), *FLAGS],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]  # 1: some check failed, reported below
    parsed = json.loads(result.stdout)
    return {report["check_type"]: report for report in (parsed if isinstance(parsed, list) else [parsed])}


@pytest.mark.parametrize("framework", ["terraform", "kubernetes"])
def test_checkov_finds_no_failed_check(reports: dict[str, Any], framework: str) -> None:
    report = reports[framework]
    assert report["summary"]["parsing_errors"] == 0
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert report["summary"]["passed"] > 50  # it really looked at something


@pytest.mark.parametrize("framework", ["terraform", "kubernetes"])
def test_every_checkov_skip_gives_a_reason(reports: dict[str, Any], framework: str) -> None:
    for check in reports[framework]["results"]["skipped_checks"]:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason.split()) >= 5, (
            f"{check['check_id']} on {check['resource']} is skipped without a reason"
        )
