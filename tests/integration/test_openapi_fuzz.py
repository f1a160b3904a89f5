"""Schemathesis against /openapi.json: generated requests, valid and not, never get a 5xx, and every
response matches the schema the API publishes. The app talks to a moto server of its own over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import positive_data_acceptance

from api.app import create_app
from devstack.motoserver import MotoServer, free_port
from devstack.provision import provision
from kontho.settings import Settings
from tests.conftest import AUTH

_PORT = free_port()
_SETTINGS = Settings(
    aws_endpoint_url=f"http://127.0.0.1:{_PORT}",
    bucket="kontho-fuzz",
    queue_name="kontho-fuzz.fifo",
    dlq_name="kontho-fuzz-dlq.fifo",
    max_upload_bytes=1_000_000,
)
# The app connects to AWS on first use, so it can be built (and its schema read) before moto starts.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS))


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
def test_no_server_errors_and_responses_match_the_schema(case: Any) -> None:
    # Schema-valid is not always acceptable: a voice must exist in the catalog, a job names exactly one of
    # text and upload, an upload must have been PUT. Those are 422s by design, so that check is left out.
    case.call_and_validate(headers=AUTH, excluded_checks=[positive_data_acceptance])
