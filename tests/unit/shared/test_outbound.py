"""The SSRF guard for admins' URLs: which addresses are refused, and the pinned connection."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from shared import outbound
from shared.outbound import GuardedTransport, PrivateAddressRefused, refused


@pytest.mark.parametrize(("address", "loopback", "expected"), [
    ("169.254.169.254", True, True),  # cloud metadata
    ("10.0.0.7", True, True), ("192.168.1.1", True, True), ("172.16.0.1", True, True),
    ("100.64.0.1", True, True),  # carrier-grade NAT
    ("::ffff:10.0.0.7", True, True), ("fd00::1", True, True), ("fe80::1", True, True),
    ("224.0.0.1", True, True), ("0.0.0.0", True, True),
    ("127.0.0.1", False, True), ("::1", False, True),
    ("127.0.0.1", True, False), ("::1", True, False),
    ("8.8.8.8", False, False), ("2001:4860:4860::8888", False, False),
])
def test_which_addresses_are_refused(address: str, loopback: bool, expected: bool) -> None:
    assert refused(ipaddress.ip_address(address), allow_loopback=loopback) is expected


async def test_the_connection_goes_to_the_checked_address_with_the_hosts_tls_name() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    guarded = GuardedTransport(allow_loopback=True, inner=httpx.MockTransport(answer))
    async with httpx.AsyncClient(transport=guarded) as client:
        assert (await client.get("https://localhost:8443/wp-json/")).status_code == 200
    sent = seen[0]
    assert sent.url.host in {"127.0.0.1", "::1"} and sent.url.port == 8443
    assert sent.headers["host"] == "localhost:8443"
    assert sent.extensions["sni_hostname"] == "localhost"


async def test_a_refused_host_is_never_connected_unless_listed_as_private() -> None:
    seen: list[httpx.Request] = []
    inner = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    strict = GuardedTransport(allow_loopback=False, inner=inner)
    async with httpx.AsyncClient(transport=strict) as client:
        with pytest.raises(PrivateAddressRefused):
            await client.get("http://localhost/")
        with pytest.raises(PrivateAddressRefused):
            await client.get("http://169.254.169.254/latest/meta-data/")
    assert seen == []
    listed = GuardedTransport(allow_loopback=False, allowed_private=["LocalHost "], inner=inner)
    async with httpx.AsyncClient(transport=listed) as client:
        assert (await client.get("http://localhost/")).status_code == 200
    assert len(seen) == 1


async def test_each_checked_address_is_tried_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name with two addresses (`localhost` as ::1 and 127.0.0.1) and a server on the second
    one only is still reached; every address is checked before any is tried."""
    async def two(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address("::1"), ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(outbound, "addresses_of", two)
    tried: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.host)
        if request.url.host == "::1":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200)

    guarded = GuardedTransport(allow_loopback=True, inner=httpx.MockTransport(answer))
    async with httpx.AsyncClient(transport=guarded) as client:
        assert (await client.get("http://localhost:8010/")).status_code == 200
    assert tried == ["::1", "127.0.0.1"]
    strict = GuardedTransport(allow_loopback=False, inner=httpx.MockTransport(answer))
    async with httpx.AsyncClient(transport=strict) as client:
        with pytest.raises(PrivateAddressRefused):
            await client.get("http://localhost:8010/")
    assert tried == ["::1", "127.0.0.1"]
