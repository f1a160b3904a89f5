"""Job ids: time-ordered, URL-safe, and checkable before they reach a storage key."""

from __future__ import annotations

import os
import re
import time

# Crockford base32: no I, L, O, U, so ids survive being read aloud or typed by hand.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ID_RE = re.compile(r"^[0-9a-hjkmnp-tv-z]{26}$")
ID_LENGTH = 26
ID_PATTERN = r"^[0-9a-hjkmnp-tv-z]{26}$"
"""What a job or upload id looks like: ``ID_LENGTH`` characters of ``ALPHABET``."""


def new_job_id(now_ms: int | None = None) -> str:
    """48 bits of milliseconds then 80 random bits: sorts by creation time, never collides in practice."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(ID_LENGTH):
        value, rem = divmod(value, 32)
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


def is_job_id(value: str) -> bool:
    """True for a well-formed id; anything else (path characters, any length but 26) is rejected."""
    return bool(_ID_RE.fullmatch(value))
