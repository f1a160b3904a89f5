"""Where webhooks may go: addresses in every notation the resolver accepts, judged by where they lead."""

from __future__ import annotations

import ipaddress

import pytest

from kontho.webhook_address import (
    AddressRefused,
    address_problem,
    checked_addresses,
    literal_address,
    url_problem,
)

LOOPBACK_FORMS = [
    "http://127.0.0.1/",
    "http://0x7f000001/",  # one hexadecimal number
    "http://0x7F000001/",
    "http://2130706433/",  # one decimal number
    "http://017700000001/",  # one octal number
    "http://0177.0.0.1/",  # an octal part
    "http://0x7f.0.0.1/",  # a hexadecimal part
    "http://127.1/",  # two parts: the last fills three bytes
    "http://127.0.1/",
    "http://0x7f.1/",
    "http://127.0.0.1./",  # the root's trailing dot
    "http://127.0.0.1:8080/hook",
    "http://１２７.０.０.１/",  # fullwidth digits: IDNA folds them to ASCII
    "http://127。0。0。1/",  # ideographic full stops: IDNA reads them as dots
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::7f00:1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64
    "http://[64:ff9b::127.0.0.1]/",
    "http://[2002:7f00:1::]/",  # 6to4
]

OTHER_NON_PUBLIC = [
    "http://169.254.169.254/latest/meta-data/",  # the instance metadata service
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://10.0.0.1/",
    "http://012.0.0.1/",  # 10.0.0.1 in octal
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://3232235777/",  # 192.168.1.1
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://0/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    "http://[2001:db8::1]/",  # documentation
    "http://198.18.0.1/",
]


@pytest.mark.parametrize("url", LOOPBACK_FORMS + OTHER_NON_PUBLIC)
def test_a_literal_non_public_address_is_refused_in_every_form(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert "public addresses only" in problem


@pytest.mark.parametrize("url", LOOPBACK_FORMS)
def test_every_loopback_form_is_named_loopback(url: str) -> None:
    assert "loopback" in (url_problem(url) or "")


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/kontho",
        "http://example.com:8080/x?y=1",
        "http://8.8.8.8/",
        "http://134744072/",  # 8.8.8.8 as one number: odd, but public
        "http://[2606:4700:4700::1111]/",
        "http://[64:ff9b::808:808]/",  # NAT64 of 8.8.8.8, as DNS64 networks hand out
        "https://bücher.example/hook",
        "http://localhost/",  # a name: the worker checks what it resolves to
    ],
)
def test_public_addresses_and_names_pass(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/", "http:// or https://"),
        ("https://user:pw@example.com/", "credentials"),
        ("https:///path", "no host"),
        ("https://example.com:99999/", "not a URL"),
        ("https://example.com/" + "x" * 3000, "longer than"),
        ("http://[not-an-address]/", "not a URL"),
        ("http://127.0.0.1 x/", "invalid host"),
        ("http://" + "a" * 64 + ".example.com/", "invalid host"),
    ],
)
def test_malformed_urls_say_why(url: str, problem: str) -> None:
    assert problem in (url_problem(url) or "")


def test_transition_forms_are_judged_by_the_ipv4_address_they_reach() -> None:
    assert "127.0.0.1" in (address_problem(ipaddress.ip_address("::127.0.0.1")) or "")
    assert "127.0.0.1" in (address_problem(ipaddress.ip_address("64:ff9b::7f00:1")) or "")
    teredo_to_loopback = ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:80ff:fffe")
    assert address_problem(teredo_to_loopback) is not None
    assert address_problem(ipaddress.ip_address("::ffff:8.8.8.8")) is None


def test_names_are_not_addresses() -> None:
    assert literal_address("hooks.example.com") is None
    assert literal_address("0x7f000001") == ipaddress.ip_address("127.0.0.1")
    assert literal_address("::127.0.0.1", bracketed=True) == ipaddress.ip_address("::7f00:1")


def test_every_resolved_address_is_checked() -> None:
    table = {
        "public.example": ["93.184.216.34", "2606:2800:220:1::1"],
        "rebound.example": ["93.184.216.34", "127.0.0.1"],
        "metadata.example": ["169.254.169.254"],
        "nowhere.example": [],
    }

    def resolve(host: str, port: int) -> list[str]:
        return table[host]

    assert [str(a) for a in checked_addresses("public.example", 443, resolve)] == table["public.example"]
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is a loopback address"):
        checked_addresses("rebound.example", 443, resolve)
    with pytest.raises(AddressRefused, match="link-local"):
        checked_addresses("metadata.example", 80, resolve)
    assert [str(a) for a in checked_addresses("rebound.example", 443, resolve, allow_private=True)] == [
        "93.184.216.34",
        "127.0.0.1",
    ]
    with pytest.raises(OSError, match="no address"):
        checked_addresses("nowhere.example", 443, resolve)


def test_the_name_is_resolved_as_the_resolver_receives_it() -> None:
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["93.184.216.34"]

    checked_addresses("Bücher.Example.", 443, resolve)
    assert asked == ["xn--bcher-kva.example"]
