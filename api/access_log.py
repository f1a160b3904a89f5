"""Keep credentials sent in a query string out of the access log.

Keys belong in the Authorization header, but a client may still put one in the URL (``?api_key=…``), and
uvicorn's access log prints every request's path with its query. The filter rewrites the value of every
query parameter whose name looks like a credential before the line is formatted, whatever handler or
renderer prints it.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

REDACTED = "REDACTED"
ACCESS_LOGGER = "uvicorn.access"

# Compared with the name lower-cased and stripped of separators: api_key, apiKey and API-KEY alike.
_CREDENTIAL_ENDINGS = ("key", "token", "secret", "password", "passwd", "pwd", "signature", "credential")
_CREDENTIAL_PARTS = ("token", "secret", "password", "credential", "signature")
_CREDENTIAL_NAMES = frozenset({"auth", "authorization", "bearer", "jwt", "sig", "session", "sessionid"})


def is_credential_name(name: str) -> bool:
    flat = re.sub(r"[^a-z0-9]", "", unquote_plus(name).lower())
    return (
        flat in _CREDENTIAL_NAMES
        or flat.endswith(_CREDENTIAL_ENDINGS)
        or any(part in flat for part in _CREDENTIAL_PARTS)
    )


def redact_query(target: str) -> str:
    """``target`` (a path with its query string) with the values of credential parameters replaced."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    fields = []
    for field in query.split("&"):
        name, equals, _ = field.partition("=")
        fields.append(f"{name}={REDACTED}" if equals and is_credential_name(name) else field)
    return f"{path}?{'&'.join(fields)}"


class RedactCredentials(logging.Filter):
    """Redacts query-string credentials in a record's arguments (where uvicorn puts the path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger, once however many apps a process builds."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactCredentials) for f in logger.filters):
        logger.addFilter(RedactCredentials())
