from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho.settings import Settings


@pytest.fixture
def api(settings: Settings, resources: Resources) -> Iterator[TestClient]:
    """The real app in-process, talking to the moto server over HTTP."""
    with TestClient(create_app(settings), headers={"Authorization": "Bearer kontho-local-key"}) as client:
        yield client
