"""The bucket's CORS rule for the web console: what the browser sends to presigned URLs, and no more."""

from __future__ import annotations

import re

import pytest

from tests.infra.terraform import TerraformModule


def test_the_console_may_put_uploads_and_get_timings_from_its_origins_only(
    terraform: TerraformModule,
) -> None:
    cors = terraform.resources[("aws_s3_bucket_cors_configuration", "console")]
    # No origin configured, no rule: a bucket answers no cross-origin request unless the operator asks.
    assert cors["count"] == "${length(var.console_origins) > 0 ? 1 : 0}"
    assert terraform.default("console_origins") == []
    (rule,) = cors["cors_rule"]
    assert rule["allowed_origins"] == "${var.console_origins}"
    # PUT: an upload (api/routes/uploads.py signs only Content-Type); GET: marks.json for the read-along.
    assert sorted(rule["allowed_methods"]) == ["GET", "PUT"]
    assert rule["allowed_headers"] == ["content-type"]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://kontho.example.com", True),
        ("https://studio.example.com:8443", True),
        ("http://kontho.example.com", False),
        ("https://*.example.com", False),
        ("https://kontho.example.com/", False),
        ("*", False),
    ],
)
def test_an_origin_must_be_one_https_host(terraform: TerraformModule, origin: str, allowed: bool) -> None:
    (validation,) = terraform.variables["console_origins"]["validation"]
    # The condition's pattern is plain enough that RE2 (Terraform) and Python's re agree on it.
    (pattern,) = re.findall(r'regex\("(.+?)", origin\)', validation["condition"])
    assert (re.search(pattern, origin) is not None) is allowed
