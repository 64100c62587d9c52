"""Fixtures the publisher's adapter tests share: an HTTP client, the Graph sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.publisher.graph_support import Sandbox


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def sandbox(sandboxes: dict[str, str]) -> Sandbox:
    return Sandbox(sandboxes["graph"])
