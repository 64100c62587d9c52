"""An id typed into a console URL cannot turn the console's API call into another one."""

from __future__ import annotations

import httpx
import pytest

from services.console.domain import ApiRefusal
from services.console.gateway import Gateway


@pytest.mark.parametrize("article_id", [
    "x?status=published", "x#frag", "..", ".", "..\\admin", "%2e%2e"])
async def test_an_id_that_would_change_the_route_is_not_sent(article_id: str) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        gateway = Gateway(http, "http://front.door")
        path = f"/v1/articles/{article_id}/versions"
        if article_id == "%2e%2e":  # still encoded: the API decodes it to itself, harmless
            await gateway.call("GET", path, token="t")
            assert len(sent) == 1
            return
        with pytest.raises(ApiRefusal) as refused:
            await gateway.call("GET", path, token="t")
    assert refused.value.status == 404 and sent == []


async def test_a_plain_id_is_sent() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        assert await Gateway(http, "http://front.door").call(
            "GET", "/v1/articles/0192f0c4-7a3e/versions") == {"ok": True}
    assert seen == ["/v1/articles/0192f0c4-7a3e/versions"]
