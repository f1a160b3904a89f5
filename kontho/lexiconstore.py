"""A tenant's pronunciation lexicons in S3, one JSON object each under the tenant's prefix.

Every read and write names the tenant, and the key is built from it (``kontho.keys.lexicon``): no call
can reach another tenant's lexicon. A lexicon's version is its digest, stored beside its entries, so a
job that records the digests it read can tell whether the lexicon changed since.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from kontho import keys
from kontho.jobstore import JobStore
from kontho.lexicon import Lexicon, LexiconEntry, is_lexicon_name


class LexiconSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    digest: str = Field(description="sha256:<hex> of the entries: the lexicon's version.")
    entry_count: int = Field(description="How many entries it holds.")
    updated_at: datetime


class StoredLexicon(BaseModel):
    """What S3 holds for one lexicon."""

    model_config = ConfigDict(frozen=True)

    name: str
    digest: str
    entry_count: int
    created_at: datetime
    updated_at: datetime
    entries: tuple[LexiconEntry, ...]

    @property
    def lexicon(self) -> Lexicon:
        return Lexicon(name=self.name, entries=self.entries)

    @property
    def summary(self) -> LexiconSummary:
        return LexiconSummary(
            name=self.name, digest=self.digest, entry_count=self.entry_count, updated_at=self.updated_at
        )


class LexiconStore:
    def __init__(self, store: JobStore) -> None:
        self._store = store

    def put(self, tenant: str, lexicon: Lexicon) -> StoredLexicon:
        """Store (or replace) the lexicon. Replacing it with the same entries keeps its times, so a
        repeated PUT changes nothing."""
        return self.put_created(tenant, lexicon)[0]

    def put_created(self, tenant: str, lexicon: Lexicon) -> tuple[StoredLexicon, bool]:
        """As ``put``, and whether the tenant had no lexicon of that name before."""
        key = keys.lexicon(tenant, lexicon.name)
        earlier = self.get(tenant, lexicon.name)
        digest = lexicon.digest
        if earlier is not None and earlier.digest == digest:
            return earlier, False
        now = datetime.now(UTC)
        stored = StoredLexicon(
            name=lexicon.name,
            digest=digest,
            entry_count=len(lexicon.entries),
            created_at=earlier.created_at if earlier is not None else now,
            updated_at=now,
            entries=lexicon.entries,
        )
        self._store.put_bytes(key, stored.model_dump_json().encode("utf-8"), "application/json")
        return stored, earlier is None

    def get(self, tenant: str, name: str) -> StoredLexicon | None:
        body = self._store.get_bytes(keys.lexicon(tenant, name))
        if body is None:
            body = self._moved(tenant, name)
        return None if body is None else StoredLexicon.model_validate_json(body)

    def _moved(self, tenant: str, name: str) -> bytes | None:
        """A lexicon stored where lexicons used to live (under ``tenants/``, where the lifecycle would
        expire it) is moved to its lasting place on first use; None when there is none there either."""
        legacy = keys.legacy_lexicon(tenant, name)
        body = self._store.get_bytes(legacy)
        if body is not None:
            self._store.put_bytes(keys.lexicon(tenant, name), body, "application/json")
            self._store.delete(legacy)
        return body

    def list(self, tenant: str) -> list[LexiconSummary]:
        """The tenant's lexicons by name."""
        summaries = []
        listed = self._store.list_keys(keys.lexicons_prefix(tenant))
        listed |= self._store.list_keys(keys.legacy_lexicons_prefix(tenant))
        names = {keys.lexicon_name_from_key(k) for k in listed}
        for name in sorted(n for n in names if is_lexicon_name(n)):
            found = self.get(tenant, name)
            if found is not None:  # deleted between the listing and the read
                summaries.append(found.summary)
        return summaries

    def delete(self, tenant: str, name: str) -> bool:
        """Remove the lexicon; False when there was none."""
        key = keys.lexicon(tenant, name)
        # A GET, not a HEAD: a HEAD's 404 cannot tell a missing lexicon from a missing bucket, and a
        # vanished bucket must be an outage (503), not "no such lexicon".
        if self._store.get_bytes(key) is None and self._moved(tenant, name) is None:
            return False
        self._store.delete(key)
        return True
