"""Webhook signatures and addresses: shared by the API (which checks a job's ``webhook_url``), the worker
(which signs and sends) and receivers (which verify, e.g. with ``verify`` from this module).

A delivery carries two headers::

    Kontho-Timestamp: 1763913600
    Kontho-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}" under the tenant's webhook secret>

Signing the timestamp with the body lets a receiver refuse replays: reject a delivery whose timestamp is
more than a few minutes old, then compare signatures in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from urllib.parse import urlsplit

TIMESTAMP_HEADER = "Kontho-Timestamp"
SIGNATURE_HEADER = "Kontho-Signature"
EVENT_HEADER = "Kontho-Event"
DELIVERY_HEADER = "Kontho-Delivery"
MAX_URL_LENGTH = 2048


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


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook address (its form only), or None when it can."""
    if len(url) > MAX_URL_LENGTH:
        return f"is longer than {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if parts.scheme not in ("https", "http"):
        return "must be an http:// or https:// URL"
    if not parts.hostname:
        return "has no host"
    if parts.username or parts.password:
        return "must not carry credentials; the signature authenticates kontho"
    return None


def private_address(url: str) -> str | None:
    """The private, loopback or link-local address ``url``'s host resolves to, if any.

    Workers run inside a VPC next to the instance metadata service and internal endpoints: a job must not
    make them POST there (server-side request forgery). Resolved at send time, so a DNS name cannot point
    somewhere else after the check at submit.
    """
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return None  # unresolvable: the delivery fails and is retried, nothing reaches a private host
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return str(address)
    return None
