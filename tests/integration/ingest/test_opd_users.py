"""OPD user accounts on the real stack: admin API, login, the token on OPD routes, lockout,
and photos with caption and credit into editorial's queue."""

from __future__ import annotations

import asyncio

import httpx

from services.editorial.main import create_app as editorial_app
from services.ingest.config import IngestConfig
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.ingest.support import admin_headers, ingest, jpeg, make_opd, report
from tests.probes import eventually

PASSWORD = "sandi-yang-panjang-1"


async def add_user(client: httpx.AsyncClient, settings: Settings, code: str, username: str,
                   password: str | None = PASSWORD) -> httpx.Response:
    body = {"username": username, "name": "Sari Humas", "email": f"{username}@opd.example.go.id"}
    if password is not None:
        body["password"] = password
    return await client.post(f"/v1/admin/opds/{code}/users", json=body,
                             headers=admin_headers(settings))


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD,
                address: str = "203.0.113.7") -> httpx.Response:
    return await client.post("/v1/opd-auth/token", json={"username": username,
                             "password": password}, headers={"X-Forwarded-For": address})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_user_logs_in_and_reports_with_the_token_until_disabled(settings: Settings
                                                                       ) -> None:
    opd = await make_opd(settings, "DINKES")
    async with ingest(settings) as client:
        created = await add_user(client, settings, opd.code, "sari.dinkes")
        assert created.status_code == 201, created.text
        assert created.json()["opd_code"] == "DINKES" and created.json()["active"] is True
        assert "password" not in created.text and "hash" not in created.text
        taken = await add_user(client, settings, opd.code, "sari.dinkes")
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "username_taken"
        short = await add_user(client, settings, opd.code, "budi.dinkes", password="pendek")
        assert short.status_code == 422

        wrong = await login(client, "sari.dinkes", "salah-sandi-sekali")
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_credentials"
        assert "salah" in wrong.json()["error"]["message"]
        unknown = await login(client, "tidak.ada")
        assert unknown.status_code == 401

        answer = await login(client, "sari.dinkes")
        assert answer.status_code == 200, answer.text
        session = answer.json()
        assert session["token_type"] == "bearer" and session["expires_in"] == 8 * 3600
        assert (session["username"], session["opd_code"]) == ("sari.dinkes", "DINKES")
        assert session["opd_name"] == "Dinas Dinkes"
        assert session["opd_timezone"] == "Asia/Makassar"  # made with WITA: times read there
        token = session["access_token"]

        submitted = await client.post("/v1/reports", json=report(), headers=bearer(token))
        assert submitted.status_code == 201, submitted.text
        listed = await client.get("/v1/reports", headers=bearer(token))
        assert [r["id"] for r in listed.json()["items"]] == [submitted.json()["id"]]
        # The OPD's API key sees the same reports: one OPD, two kinds of credential.
        by_key = await client.get("/v1/reports", headers=opd.auth)
        assert [r["id"] for r in by_key.json()["items"]] == [submitted.json()["id"]]

        # Never crossed: the OPD token on an admin route, an editor token on an OPD route.
        admin_route = await client.get("/v1/admin/opds", headers=bearer(token))
        assert admin_route.status_code == 401
        editor = await client.get("/v1/reports", headers=admin_headers(settings, "editor"))
        assert editor.status_code == 401

        users = await client.get(f"/v1/admin/opds/{opd.code}/users",
                                 headers=admin_headers(settings))
        assert [u["username"] for u in users.json()] == ["sari.dinkes"]
        disabled = await client.delete(f"/v1/admin/opds/{opd.code}/users/sari.dinkes",
                                       headers=admin_headers(settings))
        assert disabled.status_code == 204
        refused = await client.get("/v1/reports", headers=bearer(token))
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
        assert (await login(client, "sari.dinkes")).status_code == 401
        users = await client.get(f"/v1/admin/opds/{opd.code}/users",
                                 headers=admin_headers(settings))
        assert [u["active"] for u in users.json()] == [False]


async def test_failed_logins_lock_out_across_instances(settings: Settings) -> None:
    opd = await make_opd(settings, "DISHUB")
    config = IngestConfig(ingest_opd_login_failures=3)
    async with ingest(settings, config) as first, ingest(settings, config) as second:
        assert (await add_user(first, settings, opd.code, "andi.dishub")).status_code == 201
        assert (await add_user(first, settings, opd.code, "rina.dishub")).status_code == 201
        for client in (first, second, first):
            assert (await login(client, "andi.dishub", "bukan-sandinya-x")).status_code == 401
        # Counted in the database: the other instance refuses even the right password now.
        locked = await login(second, "andi.dishub")
        assert locked.status_code == 429, locked.text
        assert locked.json()["error"]["code"] == "rate_limited"
        assert int(locked.headers["retry-after"]) >= 1
        # Another user is not locked out by it, from another address or from the same one (an
        # office's officers share one public address)...
        assert (await login(second, "rina.dishub", address="198.51.100.9")).status_code == 200
        assert (await login(first, "rina.dishub", address="203.0.113.7")).status_code == 200
        # ...until that address has failed six times the per-user limit, whichever user it tries.
        for n in range(3 * 6 - 3):
            await login(first, f"tebakan{n}.dishub", "bukan-sandinya-x", address="203.0.113.7")
        from_there = await login(first, "rina.dishub", address="203.0.113.7")
        assert from_there.status_code == 429, from_there.text


async def test_parallel_guesses_cannot_slip_under_the_limit(settings: Settings) -> None:
    """Each attempt is counted before its password is checked: twenty guesses sent at once
    get at most the limit's worth of answers; the rest are refused unchecked."""
    opd = await make_opd(settings, "DISPORA")
    async with ingest(settings, IngestConfig(ingest_opd_login_failures=3)) as client:
        assert (await add_user(client, settings, opd.code, "budi.dispora")).status_code == 201
        answers = await asyncio.gather(*(
            login(client, "budi.dispora", f"tebakan-ke-{n}-salah", address=f"192.0.2.{n}")
            for n in range(20)))
        codes = sorted(answer.status_code for answer in answers)
        assert codes.count(401) <= 3 and codes.count(429) >= 17, codes


async def test_photos_keep_their_caption_and_credit_into_the_editorial_queue(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "DISKOMINFO")
    await ensure_topics(settings.kafka_bootstrap)
    editorial_db = MongoHandle(settings, "editorial").db
    async with ingest(settings) as client, running(editorial_app(settings)):
        assert (await add_user(client, settings, opd.code, "ayu.kominfo")).status_code == 201
        token = bearer((await login(client, "ayu.kominfo")).json()["access_token"])
        ids = [(await client.post("/v1/attachments", headers=token, files={
            "file": (f"{n}.jpg", jpeg(color=(n, 90, 20)), "image/jpeg")})).json()["id"]
            for n in (10, 20)]
        body = report(attachment_ids=[ids[0]], photos=[
            {"attachment_id": ids[1], "caption": " Warga antre vaksin ", "credit": "Humas Dinkes"},
            {"attachment_id": ids[0], "caption": "Petugas mencatat", "credit": ""}])
        submitted = await client.post("/v1/reports", json=body, headers=token)
        assert submitted.status_code == 201, submitted.text
        shown = submitted.json()
        assert [a["id"] for a in shown["attachments"]] == ids
        assert shown["photos"] == [
            {"attachment_id": ids[0], "caption": "Petugas mencatat", "credit": None},
            {"attachment_id": ids[1], "caption": "Warga antre vaksin", "credit": "Humas Dinkes"}]
        too_long = await client.post("/v1/reports", headers=token, json=report(photos=[
            {"attachment_id": ids[0], "caption": "x" * 301}]))
        assert too_long.status_code == 422
        unknown = await client.post("/v1/reports", headers=token, json=report(photos=[
            {"attachment_id": "tidak-ada"}]))
        assert unknown.status_code == 422

        async def queued() -> list[dict[str, object]] | None:
            article = await editorial_db["articles"].find_one({"_id": shown["id"]})
            return article["attachments"] if article else None
        attachments = await eventually(queued, "the report in editorial's queue")
        assert [(a["id"], a["caption"], a["credit"]) for a in attachments] == [
            (ids[0], "Petugas mencatat", None), (ids[1], "Warga antre vaksin", "Humas Dinkes")]
