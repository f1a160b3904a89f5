"""Tenants and their API keys: who may call kontho, and with which limits.

A keys file (YAML or JSON, a path or ``s3://bucket/key``, named by ``KONTHO_API_KEYS_FILE``) lists tenants
with the SHA-256 of each of their keys, never the keys themselves::

    tenants:
      - id: prothom-prokash
        key_sha256: ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
        max_active_jobs: 20
        concurrency: 4
        webhook_secret: "a long random string"

Without a file, kontho knows one development tenant, ``local``, with the key ``kontho-local-key``: what the
local stack and ``make run`` use. A request's key is hashed and compared with every stored hash in
constant time, so neither the comparison's duration nor a log line ever reveals a key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from pathlib import Path
from typing import Annotated, Literal

import structlog
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kontho.aws import s3_client
from kontho.settings import Settings

log = structlog.get_logger(__name__)

LOCAL_TENANT = "local"
LOCAL_KEY = "kontho-local-key"
LOCAL_WEBHOOK_SECRET = "kontho-local-webhook-secret"  # noqa: S105 - the development tenant's, by design


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Tenant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    key_sha256: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(min_length=1)
    max_active_jobs: int = Field(default=10, ge=1, description="Jobs queued or running at once.")
    max_chars_per_day: int = Field(default=20_000_000, ge=1, description="Characters submitted per UTC day.")
    requests_per_minute: int = Field(default=600, ge=1, description="API requests per minute.")
    concurrency: int = Field(
        default=4, ge=1, le=1000, description="Jobs rendered at once: the tenant's lanes on the FIFO queue."
    )
    chunk_cache_days: Literal[7, 14, 30] | None = Field(
        default=None,
        description="Days a rendered chunk is kept for reuse after its last use; KONTHO_CHUNK_CACHE_DAYS "
        "when absent.",
    )
    webhook_secret: str | None = Field(
        default=None,
        min_length=16,
        description="Signs webhook deliveries (HMAC-SHA256); jobs may name a webhook_url only when set.",
    )


class TenantFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenants: list[Tenant]


class TenantDirectory:
    def __init__(self, tenants: list[Tenant]) -> None:
        self._entries = [(bytes.fromhex(d), tenant) for tenant in tenants for d in tenant.key_sha256]
        self._by_id = {tenant.id: tenant for tenant in tenants}

    @classmethod
    def development(cls) -> TenantDirectory:
        return cls(
            [Tenant(id=LOCAL_TENANT, key_sha256=[key_hash(LOCAL_KEY)], webhook_secret=LOCAL_WEBHOOK_SECRET)]
        )

    @classmethod
    def load(cls, settings: Settings) -> TenantDirectory:
        source = settings.api_keys_file
        if not source:
            return cls.development()
        if source.startswith("s3://"):
            bucket, _, key = source.removeprefix("s3://").partition("/")
            raw = s3_client(settings).get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        else:
            raw = Path(source).read_text(encoding="utf-8")
        try:
            data = json.loads(raw) if source.endswith(".json") else yaml.safe_load(raw)
            return cls(TenantFile.model_validate(data).tenants)
        except (ValueError, ValidationError) as exc:
            raise ValueError(f"{source} is not a valid API keys file: {exc}") from exc

    def get(self, tenant_id: str) -> Tenant | None:
        return self._by_id.get(tenant_id)

    def authenticate(self, key: str) -> Tenant | None:
        offered = hashlib.sha256(key.encode()).digest()
        found = None
        for digest, tenant in self._entries:  # every entry, always: the time taken says nothing
            if hmac.compare_digest(offered, digest):
                found = tenant
        return found


class ReloadingDirectory:
    """The keys file, read again every ``KONTHO_API_KEYS_RELOAD_SECONDS``: a key added, rotated or revoked
    takes effect without a restart. A read that fails (the file mid-update, S3 unreachable, invalid YAML)
    keeps the tenants last read and is logged; the process never falls back to the development key."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._every = settings.api_keys_reload_seconds
        self._directory = TenantDirectory.load(settings)
        self._read_at = time.monotonic()
        self._lock = threading.Lock()

    def _current(self) -> TenantDirectory:
        if not self._settings.api_keys_file or not self._every:
            return self._directory
        if time.monotonic() - self._read_at < self._every or not self._lock.acquire(blocking=False):
            return self._directory  # fresh enough, or another thread is reading it now
        try:
            self._directory = TenantDirectory.load(self._settings)
        except Exception as exc:
            log.error("api_keys_reload_failed", source=self._settings.api_keys_file, error=str(exc))
        finally:
            self._read_at = time.monotonic()
            self._lock.release()
        return self._directory

    def authenticate(self, key: str) -> Tenant | None:
        return self._current().authenticate(key)

    def get(self, tenant_id: str) -> Tenant | None:
        return self._current().get(tenant_id)
