"""Schemathesis against /openapi.json with every check: generated requests never get a 5xx, every response
matches the schema the API publishes, schema-valid requests are accepted and schema-violating ones refused.
The stateful phase chains calls through the links schemathesis infers (an upload's or a job's id into the
routes that read it). The app talks to a moto server of its own over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from api.routes.usage import MAX_DAYS
from devstack.motoserver import MotoServer, free_port
from devstack.provision import provision
from kontho.settings import Settings
from kontho.usage import today
from tests.conftest import AUTH

_PORT = free_port()
_SETTINGS = Settings(
    aws_endpoint_url=f"http://127.0.0.1:{_PORT}",
    bucket="kontho-fuzz",
    queue_name="kontho-fuzz.fifo",
    dlq_name="kontho-fuzz-dlq.fifo",
    max_upload_bytes=1_000_000,
)

# Constraints the schema does not state yet, each refused by the route as documented in prose. Every entry
# turns one check off for one operation; remove it once the schema states the constraint.
_NOT_YET_IN_THE_SCHEMA: list[dict[str, Any]] = [
    {
        # Schema-valid yet refused (422): exactly one of text and upload; a voice outside the catalog; an
        # upload id that names no upload; a webhook_url that is not an absolute http(s) URL.
        "include-path": "/v1/jobs",
        "include-method": "POST",
        "checks": {"positive_data_acceptance": {"enabled": False}},
    },
    {
        # Schema-valid yet refused (422): a cursor that is not a job id (the schema says any 1-64 characters).
        "include-path": "/v1/jobs",
        "include-method": "GET",
        "checks": {"positive_data_acceptance": {"enabled": False}},
    },
    {
        # Schema-violating yet accepted (200): booleans given as 0 or 1 (pydantic's lax mode).
        "include-path": "/v1/text/preview",
        "include-method": "POST",
        "checks": {"negative_data_rejection": {"enabled": False}},
    },
]
# /v1/usage: from must not be after to, and a range spans at most MAX_DAYS days; the schema states each
# day's form and bounds, and this rule between the two parameters in their descriptions, as OpenAPI has no
# way to state it. The generating phases honour it through the filter below; the coverage phase, which
# sends boundary values (from=1970-01-01 alone: 20,000 days to today), applies no filter.
_USAGE_RANGE = {
    "include-path": "/v1/usage",
    "phases": {"coverage": {"checks": {"positive_data_acceptance": {"enabled": False}}}},
}
_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # Schemathesis' default list, and 413: an upload declared larger than the stated maximum is
            # refused as too large.
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"),
                ]
            },
        },
        "operations": [*_NOT_YET_IN_THE_SCHEMA, _USAGE_RANGE],
    }
)
# The app connects to AWS on first use, so it can be built (and its schema read) before moto starts.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS), config=_CONFIG)


@schema.hook("filter_query")
def usage_range_as_documented(context: Any, query: dict[str, Any] | None) -> bool:
    """/v1/usage: only ranges the descriptions allow (see _USAGE_RANGE)."""
    if context.operation is None or context.operation.path != "/v1/usage" or not query:
        return True
    try:
        last = date.fromisoformat(query["to"]) if query.get("to") else today()
        first = date.fromisoformat(query["from"]) if query.get("from") else last - timedelta(days=29)
    except (TypeError, ValueError):
        return True  # not days at all: refused whatever the range, as the schema says
    return first <= last and (last - first).days < MAX_DAYS


@pytest.fixture(scope="module", autouse=True)
def _moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with MotoServer(_PORT, log_path=tmp_path_factory.mktemp("fuzz") / "moto.log"):
        provision(_SETTINGS)
        yield


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_check_on_every_operation(case: Any) -> None:
    case.call_and_validate(headers=AUTH)


class APIWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": AUTH}


def test_the_schema_links_what_a_workflow_needs() -> None:
    links = schema.as_state_machine().schema.statistic.transitions
    assert links.total >= 4  # uploads and jobs: created, then read, cancelled, their result fetched


TestAPIWorkflow = APIWorkflow.TestCase
TestAPIWorkflow.settings = hypothesis_settings(
    max_examples=20,
    stateful_step_count=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
