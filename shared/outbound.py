"""The SSRF rules for URLs an admin configures (security.md): every address public, checked at
connect time and the connection pinned to the checked address.

Channels' API base URLs and the website's URL are typed in by an admin; a URL that resolves to
the metadata service, the database or another private host must never be called. Loopback is
allowed only where nothing else can be reached anyway: the test suite and local development.
Host names listed in `allowed_private` (an intranet WordPress) may resolve to private addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressRefused(httpx.ConnectError):
    """Refused before connecting (nothing was sent): the host resolves to a non-public address."""


def refused(address: Address, *, allow_loopback: bool) -> bool:
    """Not a public unicast address (private, loopback, link-local, reserved, mapped, multicast)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if allow_loopback and address.is_loopback:
        return False
    return not address.is_global or address.is_multicast


async def addresses_of(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [ipaddress.ip_address(info[4][0]) for info in infos]


class GuardedTransport(httpx.AsyncBaseTransport):
    """Resolves each request's host once, refuses a non-public address, and connects to the
    address it checked (the TLS name stays the host's), so a DNS answer cannot change between
    the check and the connection. Redirects are the client's: they come back through here."""

    def __init__(self, *, allow_loopback: bool, allowed_private: Iterable[str] = (),
                 inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._allow_loopback = allow_loopback
        self._allowed_private = frozenset(h.strip().lower() for h in allowed_private if h.strip())
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host.lower() in self._allowed_private:
            return await self._inner.handle_async_request(request)
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        try:
            found = await addresses_of(host, port)
        except OSError as exc:
            raise httpx.ConnectError(f"{host} cannot be resolved", request=request) from exc
        if not found or any(refused(a, allow_loopback=self._allow_loopback) for a in found):
            raise PrivateAddressRefused(
                f"{host} resolves to a private, loopback or link-local address", request=request)
        original = request.url
        for n, address in enumerate(found):  # in the resolver's order, as a client would
            if str(address) != host:
                request.url = original.copy_with(host=str(address))
                request.extensions = {**request.extensions, "sni_hostname": host}
            try:
                return await self._inner.handle_async_request(request)
            except httpx.ConnectError:  # nothing was sent: the next checked address
                if n == len(found) - 1:
                    raise
        raise AssertionError("unreachable: `found` is not empty")

    async def aclose(self) -> None:
        await self._inner.aclose()
