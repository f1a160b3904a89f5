"""One webhook POST, to an address checked beforehand, within a deadline.

The host name is resolved once (``checked_addresses``) and the connection goes to one of the addresses
that passed the check, while the ``Host`` header, TLS SNI and certificate verification use the name: a
name cannot answer the check with a public address and the connection with a private one (DNS rebinding).
Redirects are never followed (a 3xx is an answer like any other), and no proxy is used.

``timeout`` bounds the whole attempt, connect to status line, not each read: a receiver that trickles a
byte every few seconds is cut off like one that says nothing.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from kontho.webhook_address import IPAddress, Resolver, ascii_host, checked_addresses, system_resolver


class SendFailed(Exception):
    """No answer: the name did not resolve, nothing accepted the connection, TLS failed, or the deadline
    passed. Worth another try later."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        default = 443 if parts.scheme == "https" else 80
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.scheme, ascii_host(parts.hostname or ""), parts.port or default, path)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Talks to ``host`` at ``address``, whatever the name resolves to by now."""

    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As ``_PinnedHTTPConnection``, with TLS whose SNI and certificate check name ``host``."""

    def __init__(
        self, host: str, port: int, address: IPAddress, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _abort(connection: http.client.HTTPConnection, fired: threading.Event) -> None:
    """Wake a thread blocked reading ``connection``: shutting the socket down ends any read at once."""
    fired.set()
    sock = connection.sock
    if sock is not None:
        # The plain socket's shutdown, also under TLS: only the file descriptor matters here.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    resolver: Resolver = system_resolver,
    allow_private: bool = False,
    tls: ssl.SSLContext | None = None,
) -> int:
    """POST ``body`` to ``url``; the answer's status. ``AddressRefused`` when the host is or resolves to
    an address kontho does not send to; ``SendFailed`` when there was no answer."""
    deadline = time.monotonic() + timeout
    target = Target.of(url)
    try:
        addresses = checked_addresses(target.host, target.port, resolver, allow_private)
    except OSError as exc:
        raise SendFailed(f"{target.host} did not resolve: {exc}") from exc
    context = tls or ssl.create_default_context()
    failures: list[str] = []
    for address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        connection: http.client.HTTPConnection = (
            _PinnedHTTPSConnection(target.host, target.port, address, left, context)
            if target.scheme == "https"
            else _PinnedHTTPConnection(target.host, target.port, address, left)
        )
        try:
            connection.connect()
        except OSError as exc:  # refused, unreachable, TLS refused: the next address may answer
            failures.append(f"{address}: {exc}")
            connection.close()
            continue
        return _exchange(connection, target, body, headers, deadline, timeout)
    if not failures:
        raise SendFailed(f"no answer within {timeout:g} s")
    raise SendFailed(f"could not connect ({'; '.join(failures)})")


def _exchange(
    connection: http.client.HTTPConnection,
    target: Target,
    body: bytes,
    headers: Mapping[str, str],
    deadline: float,
    timeout: float,
) -> int:
    fired = threading.Event()
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _abort, [connection, fired])
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers=dict(headers))
        status = connection.getresponse().status  # the body is not needed: the status is the answer
    except (OSError, http.client.HTTPException) as exc:
        if fired.is_set():
            raise SendFailed(f"no answer within {timeout:g} s") from exc
        raise SendFailed(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc
    finally:
        watchdog.cancel()
        connection.close()
    if fired.is_set():  # cut off mid-headers, which http.client reads as their end
        raise SendFailed(f"no answer within {timeout:g} s")
    return status
