"""The SSRF rules for partner webhook URLs (security.md): https only, every resolved address
public, the connection pinned to the checked address, no redirects. Tests turn on an explicit
allowance for http and loopback (`WARTA_NOTIFIER_WEBHOOK_ALLOW_LOOPBACK`)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from shared.outbound import refused


class UnsafeTarget(ValueError):
    """Refused, with the reason in Indonesian (shown to the admin who registers it)."""


@dataclass(frozen=True)
class Target:
    url: str        # as registered
    pinned: str     # the same URL with the checked address in place of the host name
    host: str       # for the Host header and TLS server name


def check_syntax(url: str, *, allow_loopback: bool) -> tuple[str, str, int]:
    parts = urlsplit(url)
    allowed = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeTarget("URL webhook harus memakai https://.")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeTarget("URL webhook harus berisi nama host tanpa nama pengguna/sandi.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname, port


async def resolve(url: str, *, allow_loopback: bool) -> Target:
    """Resolved once; every address must be public, and the request goes to the first one."""
    scheme, host, port = check_syntax(url, allow_loopback=allow_loopback)
    try:
        literal = ipaddress.ip_address(host)
        addresses = [literal]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise UnsafeTarget(f"Nama host {host} tidak dapat di-resolve.") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses or any(refused(a, allow_loopback=allow_loopback) for a in addresses):
        raise UnsafeTarget(f"{host} mengarah ke alamat privat, loopback atau link-local; "
                           "hanya alamat publik yang diizinkan.")
    first = addresses[0]
    netloc = f"[{first}]:{port}" if first.version == 6 else f"{first}:{port}"
    parts = urlsplit(url)
    pinned = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return Target(url=url, pinned=pinned, host=host)
