"""Behind the front door the console limits the person's address, not nginx's."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request

from services.console.web import client_address


def request_via(peer: str, forwarded: str, trusted: frozenset[str]) -> Request:
    app = FastAPI()
    app.state.trusted_proxies = trusted
    return Request({"type": "http", "method": "POST", "path": "/console/masuk", "app": app,
                    "headers": [(b"x-forwarded-for", forwarded.encode())],
                    "client": (peer, 40000)})


def test_the_front_doors_forwarded_address_is_the_persons() -> None:
    trusted = frozenset({"127.0.0.1", "::1"})
    assert client_address(request_via("127.0.0.1", "203.0.113.9", trusted)) == "203.0.113.9"
    assert client_address(request_via("127.0.0.1", "198.51.100.4, 203.0.113.9", trusted)) \
        == "203.0.113.9"  # the right-most hop nginx added; the left one is the client's claim


def test_an_untrusted_peer_cannot_choose_its_address() -> None:
    trusted = frozenset({"127.0.0.1"})
    assert client_address(request_via("192.0.2.7", "203.0.113.9", trusted)) == "192.0.2.7"
