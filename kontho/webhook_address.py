"""Where a webhook may be sent: the policy the API applies to a job's ``webhook_url`` at submit and the
worker applies again to every address the name resolves to at send time.

Workers run inside a VPC next to the instance metadata service and internal endpoints: a job must not make
them POST there (server-side request forgery). Only public (globally routable, unicast) addresses pass.
An address is judged in every form the resolver accepts: ``0x7f000001``, ``2130706433``, ``0177.0.0.1`` and
``127.1`` are all 127.0.0.1 to ``getaddrinfo``, and an IPv6 address that carries an IPv4 one (mapped
``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4, Teredo) is judged by the IPv4
address it reaches.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

MAX_URL_LENGTH = 2048

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
"""Host name and port to the addresses it resolves to, as text; the worker's is ``system_resolver``."""

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
# Local-use NAT64 (RFC 8215): the IPv4 address may sit anywhere in it, and nothing public lives there.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")


class AddressRefused(Exception):
    """The webhook's host is, or resolves to, an address kontho does not send to."""


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook address, or None when it can: its form, and a host written as an
    address (in any notation) that is not public. Names are not resolved here; the worker checks them."""
    if problem := form_problem(url):
        return problem
    parts = urlsplit(url)
    try:
        address = literal_address(parts.hostname or "", bracketed="[" in parts.netloc)
    except ValueError as exc:
        return f"has an invalid host: {exc}"
    if address is not None and (problem := address_problem(address)):
        return f"{problem}; webhooks go to public addresses only"
    return None


def form_problem(url: str) -> str | None:
    """Why ``url`` is no http(s) URL with a host and without credentials, or None."""
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


def ascii_host(host: str) -> str:
    """``host`` as the resolver receives it (IDNA, lower case, no trailing dot). ``ValueError`` when it
    cannot be a host name: IDNA folds look-alikes such as fullwidth digits and ``。`` into ASCII, so a
    check on the raw text could pass a name that reaches a literal address."""
    if any(ch.isspace() or ord(ch) < 0x20 for ch in host):
        raise ValueError("contains spaces or control characters")
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"is not a valid host name ({exc})") from exc
    return encoded.lower().removesuffix(".")


def literal_address(host: str, bracketed: bool = False) -> IPAddress | None:
    """The address ``host`` (a URL's host, brackets removed) is written as, or None for a name."""
    if bracketed:
        try:
            return ipaddress.IPv6Address(unquote(host))  # a zone id arrives as %25eth0
        except ValueError as exc:
            raise ValueError(f"[{host}] is not an IPv6 address") from exc
    name = ascii_host(host)
    try:
        # The C library's own parser: what getaddrinfo makes of a numeric host, in every base and length.
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        pass
    try:
        return ipaddress.IPv6Address(name)
    except ValueError:
        return None


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a transition form of IPv6 delivers to, if it is one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or (address in _COMPATIBLE and int(address) > 1):  # not :: and ::1
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why kontho does not send to ``address``, or None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return f"{address} is a local-use NAT64 address"
        inner = embedded_ipv4(address)
        if inner is not None:
            kind = _kind(inner)
            return f"{address} leads to {inner}, {kind}" if kind else None
    kind = _kind(address)
    return f"{address} is {kind}" if kind else None


def _kind(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (the metadata service lives there)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a carrier-grade NAT address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host``, in its order of preference."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(
    host: str, port: int, resolver: Resolver = system_resolver, allow_private: bool = False
) -> list[IPAddress]:
    """Resolve ``host`` once and check every address it gives: the caller connects to one of these, so a
    name cannot resolve to one address for the check and another for the connection (DNS rebinding).
    ``AddressRefused`` when any of them is not public (unless ``allow_private``); ``OSError`` when the
    name does not resolve."""
    addresses = [ipaddress.ip_address(a) for a in resolver(ascii_host(host), port)]
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    if not allow_private:
        for address in addresses:
            if problem := address_problem(address):
                raise AddressRefused(f"{host} resolves to {problem}")
    return addresses


def private_address(url: str, resolver: Resolver = system_resolver) -> str | None:
    """Why ``url``'s host resolves to an address kontho does not send to, or None (also when it does not
    resolve: nothing is sent then either)."""
    parts = urlsplit(url)
    try:
        checked_addresses(parts.hostname or "", parts.port or 0, resolver)
    except AddressRefused as exc:
        return str(exc)
    except (OSError, ValueError):
        return None
    return None
