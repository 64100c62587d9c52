"""The notifier on the real broker, the real database and a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from services.notifier.main import create_app
from shared import topics
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    PUBLIC_BASE_URL,
    add,
    add_active,
    approved,
    auth,
    deliveries,
    mail_about,
    new_article_id,
    private_mailpit,
    published,
)
from tests.probes import envelopes_in, eventually, publish, read_topic
from warta_cli.infra import free_port
from warta_cli.mailpit import Mailpit


async def all_settled(client: httpx.AsyncClient, settings: Settings, article_id: str,
                      count: int) -> list[dict[str, object]] | None:
    items = await deliveries(client, settings, article_id)
    done = [d for d in items if d["state"] in ("sent", "dead")]
    return items if len(items) == count and len(done) == count else None


async def test_an_approved_and_published_article_is_emailed_once_to_each_matching_journalist(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    article_id = new_article_id()
    async with running(create_app(settings)) as client:
        await add(client, settings, "Andi", "andi@media.example", opd_ids=["opd-dinkes"])
        await add(client, settings, "Budi", "budi@media.example", categories=["Kesehatan"])
        await add(client, settings, "Citra", "citra@media.example", opd_ids=["opd-dishub"])
        await add(client, settings, "Dewi", "dewi@media.example",
                  categories=["pendidikan"])
        gone = await add(client, settings, "Eko", "eko@media.example")
        eko = await client.put(f"/v1/journalists/{gone}/subscriptions",
                               headers=auth(settings, "admin"), json={"opd_ids": ["opd-x"]})
        assert eko.status_code == 200 and eko.json()["opd_ids"] == ["opd-x"]

        # The topics are shared by the whole session: this article's headline is its own.
        headline = f"Vaksinasi massal di Makassar ({article_id[:8]})"
        approval = approved(article_id, headline=headline)
        publication = published(article_id, headline=headline)
        # at least once: every event arrives twice, and a second channel publishes too
        await publish(settings, approval, approval, publication, publication,
                      published(article_id, channel="feed", headline=headline))

        items = await eventually(lambda: all_settled(client, settings, article_id, 2),
                                 "two sent deliveries")
        assert {d["recipient"] for d in items} == {"andi@media.example", "budi@media.example"}
        assert {(d["state"], d["kind"], d["channel"], d["attempts"]) for d in items} == {
            ("sent", "press_release", "email", 1)}
        await asyncio.sleep(2)  # nothing more may arrive
        assert len(await deliveries(client, settings, article_id)) == 2

        messages = [m for m in await mailbox.messages() if headline in str(m["Subject"])]
        assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in messages) == [
            "andi@media.example", "budi@media.example"]
        andi, budi = (next(m for m in messages if who in str(m["To"]))
                      for who in ("andi@media.example", "budi@media.example"))
        assert andi["Subject"] == f"[Siaran Pers] {headline}"
        assert andi["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe_url = str(andi["List-Unsubscribe"]).strip("<>")
        assert unsubscribe_url.startswith(f"{PUBLIC_BASE_URL}/unsubscribe/")
        assert andi["Message-ID"] and andi["Message-ID"] != budi["Message-ID"]
        html = andi.get_body(("html",))
        assert html is not None
        body = html.get_content()
        assert f"https://kota.example/berita/{article_id}" in body
        assert "Dinas Kesehatan" in body and "Kota Makassar" in body

        # RFC 8058 one-click: POST to the header's URL with the form body
        path = urlparse(unsubscribe_url).path
        one_click = await client.post(path, content=b"List-Unsubscribe=One-Click", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        assert one_click.status_code == 200
        assert "Anda telah berhenti berlangganan" in one_click.text
        listed = await client.get("/v1/journalists", headers=auth(settings, "editor"))
        states = {j["email"]: j["active"] for j in listed.json()["items"]}
        assert states["andi@media.example"] is False and states["budi@media.example"] is True

    records = await read_topic(settings.kafka_bootstrap, topics.NOTIFICATIONS, 1000, 8)
    mine = [e for e in envelopes_in(records) if e["data"].get("article_id") == article_id]
    assert sorted(e["data"]["recipient_id"] for e in mine) == sorted(
        str(d["recipient_id"]) for d in items)
    assert {e["type"] for e in mine} == {"delivery.sent"}
    assert {e["correlation_id"] for e in mine} == {article_id}
    assert {e["causation_id"] for e in mine} <= {approval.id, publication.id}


async def test_a_publication_arriving_before_the_approval_still_sends(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    article_id = new_article_id()
    async with running(create_app(settings)) as client:
        await add(client, settings, "Andi", "andi@media.example")
        await publish(settings, published(article_id))
        await eventually(lambda: _article_seen(settings, article_id),
                         "the publication to be recorded")
        assert await deliveries(client, settings, article_id) == []
        await publish(settings, approved(article_id))
        items = await eventually(lambda: all_settled(client, settings, article_id, 1),
                                 "the delivery")
        assert items[0]["state"] == "sent"
        assert len(await mail_about(mailbox, client, settings, article_id)) == 1


async def _article_seen(settings: Settings, article_id: str) -> bool:
    from shared.mongo import MongoHandle

    mongo = MongoHandle(settings, "notifier")
    try:
        return await mongo.db["articles"].find_one({"_id": article_id}) is not None
    finally:
        mongo.close()


async def test_a_future_press_invitation_is_sent_at_approval(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    article_id, past_id = new_article_id(), new_article_id()
    async with running(create_app(settings)) as client:
        await add(client, settings, "Andi", "andi@media.example")
        await publish(settings, approved(past_id, invitation_in=-timedelta(hours=1)),
                      approved(article_id, invitation_in=timedelta(days=2)))
        items = await eventually(lambda: all_settled(client, settings, article_id, 1),
                                 "the invitation")
        assert items[0]["kind"] == "invitation"
        [message] = await mail_about(mailbox, client, settings, article_id)
        assert message["Subject"] == "[Undangan Liputan] Vaksinasi massal di Makassar"
        text = message.get_body(("plain",))
        assert text is not None
        content = text.get_content()
        assert "WITA" in content and "Aula Balai Kota" in content and "Rina 0812" in content
        await asyncio.sleep(1)
        assert await deliveries(client, settings, past_id) == []  # the activity is over


async def test_a_delivery_fails_while_smtp_is_down_and_is_sent_once_it_is_back(
    settings: Settings, tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens here yet
    settings = settings.model_copy(update={"smtp_port": port})
    await ensure_topics(settings.kafka_bootstrap)
    article_id = new_article_id()
    async with running(create_app(settings, backoff_base=0.5, sweep_seconds=0.3)) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["details"]["smtp"]["reachable"] is False
        await add(client, settings, "Andi", "andi@media.example")
        await publish(settings, approved(article_id), published(article_id))

        async def failed() -> list[dict[str, object]] | None:
            items = await deliveries(client, settings, article_id)
            return items if items and items[0]["state"] == "failed" else None

        down = await eventually(failed, "a failed attempt")
        assert "SMTP unavailable" in str(down[0]["error"])
        with private_mailpit(tmp_path / "late-mail", smtp_port=port) as (late, _, _):
            items = await eventually(lambda: all_settled(client, settings, article_id, 1),
                                     "the retried delivery")
            assert items[0]["state"] == "sent"
            assert int(str(items[0]["attempts"])) >= 2
            assert items[0]["error"] is None
            assert await late.count() == 1
    records = await read_topic(settings.kafka_bootstrap, topics.NOTIFICATIONS, 1000, 8)
    types = [e["type"] for e in envelopes_in(records)
             if e["data"].get("article_id") == article_id]
    assert "delivery.failed" in types and types.count("delivery.sent") == 1


async def test_a_recipient_refused_with_5xx_is_dead_at_once_and_others_still_get_mail(
    settings: Settings, tmp_path: Path,
) -> None:
    refusing = ("--smtp-allowed-recipients", r"@media\.example$")
    with private_mailpit(tmp_path / "mail", *refusing) as (mailpit, smtp_port, _):
        settings = settings.model_copy(update={"smtp_port": smtp_port})
        await ensure_topics(settings.kafka_bootstrap)
        article_id = new_article_id()
        async with running(create_app(settings, backoff_base=0.5, sweep_seconds=0.3)) as client:
            await add(client, settings, "Andi", "andi@media.example")
            await add(client, settings, "Tono", "tono@ditolak.example")
            await publish(settings, approved(article_id), published(article_id))
            items = await eventually(lambda: all_settled(client, settings, article_id, 2),
                                     "both deliveries settled")
            by_recipient = {d["recipient"]: d for d in items}
            refused = by_recipient["tono@ditolak.example"]
            assert (refused["state"], refused["attempts"]) == ("dead", 1)
            assert "550" in str(refused["error"])
            assert by_recipient["andi@media.example"]["state"] == "sent"
            assert await mailpit.count() == 1
    records = await read_topic(settings.kafka_bootstrap, topics.NOTIFICATIONS, 1000, 8)
    failed = [e for e in envelopes_in(records)
              if e["data"].get("article_id") == article_id and e["type"] == "delivery.failed"]
    assert [e["data"]["permanent"] for e in failed] == [True]


async def add_journalist(settings: Settings, *, name: str, email: str, opd_ids: list[str]
                         ) -> str:
    """A confirmed journalist, as the sign-up's confirmation leaves them."""
    return await add_active(settings, name, email.strip().lower(), opd_ids=opd_ids)


async def test_unsubscribe_get_only_asks_and_post_unsubscribes(
    mail_settings: Settings,
) -> None:
    settings = mail_settings
    journalist_id = await add_journalist(settings, name="Andi", email="Andi@Media.example",
                                         opd_ids=["opd-dinkes"])
    token = await _token_of(settings, journalist_id)
    async with running(create_app(settings)) as client:
        for _ in range(2):  # a mail scanner prefetching the link changes nothing
            page = await client.get(f"/unsubscribe/{token}")
            assert page.status_code == 200
            assert 'method="post"' in page.text and "andi@media.example" in page.text
        assert await _active(client, settings) == {"andi@media.example": True}
        done = await client.post(f"/unsubscribe/{token}")
        assert done.status_code == 200
        assert "Anda telah berhenti berlangganan" in done.text
        assert await _active(client, settings) == {"andi@media.example": False}
        again = await client.post(f"/unsubscribe/{token}")
        assert again.status_code == 200
        unknown = await client.get("/unsubscribe/" + "0" * 64)
        assert unknown.status_code == 404 and "tidak dikenal" in unknown.text
        assert (await client.post("/unsubscribe/nope")).status_code == 404


async def _token_of(settings: Settings, journalist_id: str) -> str:
    from services.notifier.domain import unsubscribe_token
    from shared.mongo import MongoHandle

    mongo = MongoHandle(settings, "notifier")
    try:
        doc = await mongo.db["journalists"].find_one({"_id": journalist_id})
    finally:
        mongo.close()
    assert doc is not None and "token" not in doc
    return unsubscribe_token(settings.unsubscribe_secret.get_secret_value(), journalist_id,
                             doc["token_nonce"])


async def _active(client: httpx.AsyncClient, settings: Settings) -> dict[str, bool]:
    listed = await client.get("/v1/journalists", headers=auth(settings, "editor"))
    return {j["email"]: j["active"] for j in listed.json()["items"]}


async def test_journalist_routes_need_an_admin_and_refuse_bad_or_duplicate_input(
    mail_settings: Settings,
) -> None:
    settings = mail_settings
    body = {"name": "Andi", "email": "andi@media.example", "opd_ids": ["opd-1"]}
    async with running(create_app(settings)) as client:
        assert (await client.post("/v1/journalists", json=body)).status_code == 401
        as_editor = await client.post("/v1/journalists", json=body,
                                      headers=auth(settings, "editor"))
        assert as_editor.status_code == 403
        assert "admin" in as_editor.json()["error"]["message"]
        admin = auth(settings, "admin")
        created = await client.post("/v1/journalists", json=body, headers=admin)
        assert created.status_code == 201, created.text
        out = created.json()
        # Pending until the journalist confirms by the emailed link (test_signup.py).
        assert out["email"] == "andi@media.example" and out["active"] is False
        assert not {"token_nonce", "unsubscribe_hash", "_id"} & set(out)
        duplicate = await client.post("/v1/journalists", headers=admin,
                                      json={**body, "email": "ANDI@media.example"})
        assert duplicate.status_code == 409
        assert duplicate.json()["error"]["code"] == "conflict"
        bad = await client.post("/v1/journalists", headers=admin,
                                json={**body, "email": "bukan-email"})
        assert bad.status_code == 422
        error = bad.json()["error"]
        assert "email" in error["message"]
        assert any("valid email" in d["problem"] for d in error["details"])
        extra = await client.post("/v1/journalists", headers=admin,
                                  json={**body, "email": "x@media.example", "active": False})
        assert extra.status_code == 422
        missing = await client.put("/v1/journalists/nope/subscriptions", headers=admin,
                                   json={"opd_ids": []})
        assert missing.status_code == 404
        assert (await client.put(f"/v1/journalists/{out['id']}/subscriptions",
                                 headers=auth(settings, "editor"), json={})).status_code == 403
        assert (await client.get("/v1/journalists")).status_code == 401
        assert (await client.get("/v1/deliveries")).status_code == 401
        listed = await client.get("/v1/journalists", headers=auth(settings, "editor"))
        assert [j["email"] for j in listed.json()["items"]] == ["andi@media.example"]
        await _unique_index_refuses_a_second_address(settings)

        async def smtp_ok() -> bool:
            ready = await client.get("/readyz")
            return bool(ready.json()["details"]["smtp"]["reachable"])

        await eventually(smtp_ok, "the SMTP probe", patience=10)


async def _unique_index_refuses_a_second_address(settings: Settings) -> None:
    """The database itself refuses a duplicate email (two concurrent registrations)."""
    from shared.mongo import DuplicateKeyError, MongoHandle

    mongo = MongoHandle(settings, "notifier")
    try:
        with pytest.raises(DuplicateKeyError):
            await mongo.db["journalists"].insert_one(
                {"_id": "other", "email": "andi@media.example"})
    finally:
        mongo.close()

