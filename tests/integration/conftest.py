from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.settings import Settings
from tests.conftest import AUTH
from worker.__main__ import build_consumer
from worker.consumer import Consumer


@pytest.fixture
def api(settings: Settings, resources: Resources) -> Iterator[TestClient]:
    """The real app in-process, talking to the moto server over HTTP."""
    with TestClient(create_app(settings), headers=AUTH) as client:
        yield client


@pytest.fixture
def consumer(settings: Settings, resources: Resources) -> Consumer:
    """A worker's consumer in-process, on this test's queue."""
    return build_consumer(settings.model_copy(update={"queue_url": resources.queue_url}))
