"""A keys file for tests: tenants, their keys and limits, as an operator would write it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kontho.tenants import key_hash


def key_of(tenant: str) -> str:
    return f"key-of-{tenant}"


def auth(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_of(tenant)}"}


def write_keys_file(path: Path, tenants: dict[str, dict[str, Any]]) -> Path:
    """``tenants``: id → extra fields (limits, webhook_secret)."""
    entries = [{"id": t, "key_sha256": [key_hash(key_of(t))], **extra} for t, extra in tenants.items()]
    path.write_text(json.dumps({"tenants": entries}))
    return path
