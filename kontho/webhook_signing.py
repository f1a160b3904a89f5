"""Webhook signatures: the worker signs each delivery, a receiver verifies it (``verify`` here, or the five
lines it stands for).

A delivery carries two headers::

    Kontho-Timestamp: 1763913600
    Kontho-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}" under the tenant's webhook secret>

Signing the timestamp with the body lets a receiver refuse replays: reject a delivery whose timestamp is
more than a few minutes old, then compare signatures in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "Kontho-Timestamp"
SIGNATURE_HEADER = "Kontho-Signature"
EVENT_HEADER = "Kontho-Event"
DELIVERY_HEADER = "Kontho-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str, signature: str, body: bytes, tolerance_seconds: int = 300) -> bool:
    """True for a delivery signed with ``secret`` within ``tolerance_seconds`` of now."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - stamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)
