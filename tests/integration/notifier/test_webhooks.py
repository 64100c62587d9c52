"""Partner webhooks: Standard Webhooks signatures verified by a real local receiver with the
library, the SSRF rules, no redirects, retries, and disabling with a notice to the owner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from standardwebhooks.webhooks import Webhook

from services.notifier.main import create_app
from services.notifier.webhook_targets import UnsafeTarget, resolve
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add_active,
    approved,
    auth,
    new_article_id,
    published,
)
from tests.integration.notifier.whatsapp_steps import stored
from tests.probes import eventually, publish
from tests.serving import served
from warta_cli.infra import free_port
from warta_cli.mailpit import Mailpit


class Receiver:
    """A partner newsroom's endpoint: verifies each request with the library's verifier."""

    def __init__(self) -> None:
        self.secret = ""
        self.verified: list[dict[str, Any]] = []
        self.refused = 0
        self.failing = False
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            if self.failing:
                return Response(status_code=500)
            try:
                body = Webhook(self.secret).verify(await request.body(), dict(request.headers))
            except Exception:  # the library's WebhookVerificationError
                self.refused += 1
                return Response(status_code=400)
            self.verified.append({"id": request.headers["webhook-id"], "body": body})
            return Response(status_code=204)

        @self.app.post("/moved")
        async def moved() -> Response:
            return Response(status_code=307, headers={"Location": "/hook"})


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[Receiver, str]]:
    made = Receiver()
    with served(made.app, free_port()) as base:
        yield made, base


@pytest.mark.parametrize("url", [
    "http://redaksi.example/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook",
    "https://169.254.169.254/latest/meta-data", "https://localhost/hook",
    "https://[::ffff:127.0.0.1]/hook", "https://[fe80::1]/hook", "https://user:pw@1.1.1.1/",
])
async def test_ssrf_rules_refuse_private_loopback_link_local_and_plain_http(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        await resolve(url, allow_loopback=False)


async def test_the_development_allowance_opens_loopback_only() -> None:
    assert (await resolve("http://127.0.0.1:9/x", allow_loopback=True)).host == "127.0.0.1"
    with pytest.raises(UnsafeTarget):
        await resolve("http://192.168.1.10/x", allow_loopback=True)
    public = await resolve("https://1.1.1.1/x", allow_loopback=False)
    assert public.pinned == "https://1.1.1.1:443/x"


async def test_signed_deliveries_redirects_refused_and_disabling_with_a_notice(
    mail_settings: Settings, mailbox: Mailpit, receiver: tuple[Receiver, str],
) -> None:
    hooks, base = receiver
    settings = mail_settings.model_copy(update={"notifier_webhook_allow_loopback": True,
                                                "notifier_webhook_disable_after": 2})
    strict = mail_settings  # without the allowance, loopback is refused at registration
    await ensure_topics(settings.kafka_bootstrap)
    newsroom = await add_active(settings, "Redaksi Mitra", "redaksi@mitra.example")
    admin = auth(settings, "admin")
    async with running(create_app(strict)) as client:
        refused = await client.put(f"/v1/journalists/{newsroom}/webhook", headers=admin,
                                   json={"url": f"{base}/hook"})
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "unsafe_webhook_url"
    async with running(create_app(settings, backoff_base=0.2, sweep_seconds=0.2)) as client:
        answer = await client.put(f"/v1/journalists/{newsroom}/webhook", headers=admin,
                                  json={"url": f"{base}/hook"})
        assert answer.status_code == 200, answer.text
        hooks.secret = answer.json()["secret"]
        article_id = new_article_id()
        await publish(settings, approved(article_id), published(article_id))
        delivery = f"{article_id}:{newsroom}:press_release:webhook"
        got = await eventually(lambda: _verified(hooks, delivery), "a verified webhook")
        assert got["body"]["type"] == "article.press_release"
        assert got["body"]["data"]["url"] == f"https://kota.example/berita/{article_id}"
        assert hooks.refused == 0

        # A redirect is not followed: it is a failed attempt (the receiver sees nothing).
        moved = await client.put(f"/v1/journalists/{newsroom}/webhook", headers=admin,
                                 json={"url": f"{base}/moved"})
        hooks.secret = moved.json()["secret"]
        count = len(hooks.verified)
        hooks.failing = False
        later = new_article_id()
        await publish(settings, approved(later), published(later))
        person = await eventually(lambda: _disabled(settings, newsroom), "the webhook disabled")
        assert "307" in person["webhook"]["disabled_reason"]
        assert len(hooks.verified) == count
        record = await stored(settings, "deliveries", f"{later}:{newsroom}:press_release:webhook")
        assert record is not None and record["state"] == "dead"
        assert [e["state"] for e in record["log"]] == ["failed", "dead"]

        async def notice() -> list[Any]:
            return [m for m in await mailbox.messages()
                    if "dinonaktifkan" in str(m["Subject"])]
        [mail] = await eventually(notice, "the owner's notice")
        assert "redaksi@mitra.example" in str(mail["To"])


async def _verified(hooks: Receiver, delivery_id: str) -> dict[str, Any] | None:
    return next((v for v in hooks.verified if v["id"] == delivery_id), None)


async def _disabled(settings: Settings, journalist: str) -> dict[str, Any] | None:
    person = await stored(settings, "journalists", journalist)
    return person if person and person["webhook"].get("active") is False else None
