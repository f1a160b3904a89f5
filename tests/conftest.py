"""Shared fixtures: one real moto server over HTTP per test session, fresh resources per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.motoserver import MotoServer, free_port
from devstack.provision import Resources, provision
from kontho.aws import s3_client, sqs_client
from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY

REPO = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": f"Bearer {LOCAL_KEY}"}
"""The development tenant's key, as every test client sends it."""
CORPUS = REPO / "tests" / "corpus" / "shakuntala"
"""A real Bangla book (CC BY-SA 3.0, see its README), kept in the project so every test runs."""

# moto accepts any credentials; fixed ones keep boto3 away from a developer's real AWS profile.
os.environ.update(
    AWS_ACCESS_KEY_ID="kontho-test",
    AWS_SECRET_ACCESS_KEY="kontho-test",
    AWS_DEFAULT_REGION="us-east-1",
)
for _name in [n for n in os.environ if n.startswith("KONTHO_")]:
    del os.environ[_name]


def queue_messages(settings: Settings, url: str) -> int:
    """Messages in a queue, visible or in flight."""
    attrs = sqs_client(settings).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def corpus_chapter(n: int) -> str:
    return (CORPUS / f"chapter_{n}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with MotoServer(free_port(), log_path=log) as server:
        yield server


@pytest.fixture
def settings(moto_server: MotoServer, tmp_path: Path) -> Settings:
    """Settings naming a bucket and queues of this test's own, on the shared moto server."""
    suffix = uuid.uuid4().hex[:10]
    return Settings(
        aws_endpoint_url=moto_server.endpoint,
        bucket=f"kontho-test-{suffix}",
        queue_name=f"kontho-jobs-{suffix}.fifo",
        dlq_name=f"kontho-dlq-{suffix}.fifo",
        poll_wait_seconds=1,
        visibility_timeout_seconds=30,
        heartbeat_seconds=5,
        progress_interval_seconds=0,
        retry_backoff_seconds=0,
        work_dir=tmp_path,
    )


@pytest.fixture
def resources(settings: Settings) -> Resources:
    return provision(settings)


@pytest.fixture
def store(settings: Settings, resources: Resources) -> JobStore:
    return JobStore(s3_client(settings), resources.bucket)


@pytest.fixture
def queue(settings: Settings, resources: Resources) -> JobQueue:
    return JobQueue(sqs_client(settings), resources.queue_url)


@pytest.fixture(scope="session")
def tiny_vits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random-weight Bangla VITS in Coqui's format, built once per session."""
    from tests.tiny_vits import build_tiny_vits

    # Seed 1: the untrained weights of some seeds say next to nothing (peaks under the silence threshold).
    return build_tiny_vits(tmp_path_factory.mktemp("models") / "bn-tiny", seed=1)
