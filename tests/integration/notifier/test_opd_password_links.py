"""OPD users' password links: ingest's event -> the notifier's email (Mailpit) -> a new password."""

from __future__ import annotations

import re
from typing import Any

import httpx

from services.ingest.main import create_app as ingest_app
from services.notifier.main import create_app as notifier_app
from shared import topics
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.ingest.support import admin_headers, make_opd, report
from tests.integration.notifier.conftest import PUBLIC_BASE_URL
from tests.probes import caught_up, eventually
from warta_cli.mailpit import Mailpit

OWN_USERS_GROUP = "warta-notifier-own-users"  # own_users_wiring.GROUP, as Kafka names it
LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/console/opd/sandi/([A-Za-z0-9_-]{32,})")


async def mail_to(mailbox: Mailpit, address: str, count: int) -> list[str]:
    """The plain-text bodies of the mail to `address`, once `count` have come."""
    async def arrived() -> list[str] | None:
        messages = await mailbox.messages(f"to:{address}")
        return [str(body.get_content()) for m in messages
                if (body := m.get_body(("plain",))) is not None] \
            if len(messages) >= count else None
    return await eventually(arrived, f"{count} emails to {address}")


async def test_password_links_are_mailed_used_once_and_end_the_old_password(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    """A reset asked for on the login page, and (in the same run, the stack is slow to start)
    the welcome link of a user created without a password."""
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    opd = await make_opd(settings, "BAPPEDA")
    email, old, new = "nur@bappeda.example.go.id", "sandi-lama-panjang", "sandi-baru-panjang"
    mongo = MongoHandle(settings, "ingest")
    async with running(notifier_app(settings, sweep_seconds=0.3)), \
            running(ingest_app(settings)) as ingest:
        await caught_up(settings.kafka_bootstrap, OWN_USERS_GROUP, topics.OPD_USERS)
        created = await ingest.post(f"/v1/admin/opds/{opd.code}/users", headers=admin_headers(
            settings), json={"username": "nur.bappeda", "name": "Nur", "email": email,
                             "password": old})
        assert created.status_code == 201, created.text
        token = (await ingest.post("/v1/opd-auth/token", json={
            "username": "nur.bappeda", "password": old})).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        unknown = await ingest.post("/v1/opd-auth/password-reset",
                                    json={"email": "siapa@tidak.example.go.id"})
        assert unknown.status_code == 202
        for _ in range(2):  # asked twice (the first mail seemed lost): two live links
            asked = await ingest.post("/v1/opd-auth/password-reset",
                                      json={"email": email.upper()})
            assert asked.status_code == 202
        texts = await mail_to(mailbox, email, 2)
        for text in texts:
            assert "Yth. Nur" in text and "berlaku 30 menit" in text and "nur.bappeda" in text
        found = [LINK.search(text) for text in texts]
        assert all(found), texts
        link, other = (m for m in found if m is not None)
        # Only the links' hashes are stored; the unknown email got no link and no mail.
        stored = await mongo.db["opd_password_links"].find({}).to_list(None)
        assert [d["username"] for d in stored] == ["nur.bappeda"] * 2
        assert link.group(1) not in str(stored) and other.group(1) not in str(stored)
        assert await mailbox.summaries("to:siapa@tidak.example.go.id") == []
        notifier_db = MongoHandle(settings, "notifier").db

        async def settled() -> dict[str, Any] | None:
            return await notifier_db["own_messages"].find_one({"to_email": email,
                                                               "state": "sent"})
        sent = await eventually(settled, "a message marked sent")
        assert sent["context"]["link"] is None  # the notifier keeps no usable link once mailed

        short = await ingest.post("/v1/opd-auth/password-reset/confirm",
                                  json={"token": link.group(1), "password": "pendek"})
        assert short.status_code == 422  # refused before the link is spent
        confirmed = await ingest.post("/v1/opd-auth/password-reset/confirm",
                                      json={"token": link.group(1), "password": new})
        assert confirmed.status_code == 204, confirmed.text
        again = await ingest.post("/v1/opd-auth/password-reset/confirm",
                                  json={"token": link.group(1), "password": "lagi-sandi-baru"})
        assert again.status_code == 400
        assert again.json()["error"]["code"] == "invalid_reset_token"
        older = await ingest.post("/v1/opd-auth/password-reset/confirm",
                                  json={"token": other.group(1), "password": "lagi-sandi-baru"})
        assert older.status_code == 400, "the other link outlived the reset"

        assert (await ingest.get("/v1/reports", headers=auth)).status_code == 401
        refused = await ingest.post("/v1/opd-auth/token", json={
            "username": "nur.bappeda", "password": old})
        assert refused.status_code == 401
        fresh = await ingest.post("/v1/opd-auth/token", json={
            "username": "nur.bappeda", "password": new})
        assert fresh.status_code == 200
        submitted = await ingest.post("/v1/reports", json=report(), headers={
            "Authorization": f"Bearer {fresh.json()['access_token']}"})
        assert submitted.status_code == 201
        await welcome_link_sets_the_first_password(ingest, settings, mailbox, opd.code)


async def welcome_link_sets_the_first_password(ingest: httpx.AsyncClient, settings: Settings,
                                               mailbox: Mailpit, code: str) -> None:
    email = "tono@bappeda.example.go.id"
    created = await ingest.post(f"/v1/admin/opds/{code}/users", headers=admin_headers(
        settings), json={"username": "tono.bappeda", "name": "Tono", "email": email})
    assert created.status_code == 201, created.text
    [text] = await mail_to(mailbox, email, 1)
    assert "berlaku 72 jam" in text and "Dinas Bappeda" in text and "Yth. Tono" in text
    link = LINK.search(text)
    assert link is not None, text
    no_password = await ingest.post("/v1/opd-auth/token", json={
        "username": "tono.bappeda", "password": "apa-saja-sepuluh"})
    assert no_password.status_code == 401
    set_first = await ingest.post("/v1/opd-auth/password-reset/confirm", json={
        "token": link.group(1), "password": "sandi-pertama-ku"})
    assert set_first.status_code == 204
    logged_in = await ingest.post("/v1/opd-auth/token", json={
        "username": "tono.bappeda", "password": "sandi-pertama-ku"})
    assert logged_in.status_code == 200
