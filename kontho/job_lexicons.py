"""The lexicons a job reads, frozen when it is submitted.

At submit the API reads the tenant's lexicons the job names and stores a copy of them beside the job's
text; the job's record carries each one's digest. The worker reads that copy, never the tenant's current
lexicons, so a job retried or resumed hours later, after an entry was edited or a lexicon deleted, reads
exactly what its first attempt read, and its checkpointed chunks still match.
"""

from __future__ import annotations

import json

from kontho import keys
from kontho.errors import InvalidJob
from kontho.jobstore import JobStore
from kontho.lexicon import Lexicon, LexiconSet


def save_snapshot(store: JobStore, tenant: str, job_id: str, lexicons: list[Lexicon]) -> None:
    body = json.dumps({"lexicons": [lexicon.model_dump(mode="json") for lexicon in lexicons]})
    store.put_bytes(keys.job_lexicons(tenant, job_id), body.encode("utf-8"), "application/json")


def load_snapshot(store: JobStore, tenant: str, job_id: str, versions: dict[str, str]) -> LexiconSet | None:
    """The job's lexicons as it was submitted with them; None for a job that names none."""
    if not versions:
        return None
    raw = store.get_bytes(keys.job_lexicons(tenant, job_id))
    if raw is None:
        raise InvalidJob("the job's copy of its lexicons is missing from storage")
    lexicons = [Lexicon.model_validate(item) for item in json.loads(raw)["lexicons"]]
    found = {lexicon.name: lexicon.digest for lexicon in lexicons}
    if found != versions:
        raise InvalidJob(f"the job's copy of its lexicons is not the one it was submitted with ({found})")
    order = list(versions)
    return LexiconSet(sorted(lexicons, key=lambda lexicon: order.index(lexicon.name)))
