"""The tenant's lexicons a job or a preview names, read once, or a 422 naming the one that is missing."""

from __future__ import annotations

from api.deps import Services
from api.errors import ApiError
from api.models import ErrorBody
from kontho.lexicon import Lexicon
from kontho.lexiconstore import LexiconStore


def job_lexicons(services: Services, tenant: str, names: tuple[str, ...]) -> list[Lexicon]:
    found = []
    store = LexiconStore(services.store)
    for name in names:
        stored = store.get(tenant, name)
        if stored is None:
            raise ApiError(
                422,
                ErrorBody(
                    code="unknown_lexicon",
                    field="lexicons",
                    message=f"lexicons: no lexicon named {name!r}; PUT /v1/lexicons/{name} creates it "
                    "(GET /v1/lexicons lists yours)",
                ),
            )
        found.append(stored.lexicon)
    return found
