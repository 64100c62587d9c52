"""Accounts live in editorial; every service follows them through the account stream."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.editorial.main import create_app as editorial_app
from services.ingest.main import create_app as ingest_app
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.accounts import sign_in
from tests.conftest import running
from tests.probes import eventually
from warta_cli.admin import create_first_admin

PASSWORD = "kata-sandi-rahasia-2026"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    """A token pair; admins and chief editors add the second factor (tests.accounts)."""
    return await sign_in(client, username, PASSWORD)


async def answers(client: httpx.AsyncClient, path: str, token: str, status: int) -> bool:
    return (await client.get(path, headers=bearer(token))).status_code == status


async def test_a_disabled_account_is_refused_by_editorial_at_once_and_by_ingest_when_told(
    settings: Settings,
) -> None:
    # Usernames are unique per run: the account topic is shared by the whole test session.
    chief, deputy = f"kepala-{uuid.uuid4().hex[:6]}", f"wakil-{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.kafka_bootstrap)
    await create_first_admin(settings, username=chief, name="Kepala Bidang",
                             email=f"{chief}@diskominfo.example", password=PASSWORD)
    async with running(editorial_app(settings)) as editorial, \
            running(ingest_app(settings)) as ingest:
        admin = bearer((await login(editorial, chief))["access_token"])
        created = await editorial.post("/v1/admin/accounts", headers=admin, json={
            "username": deputy, "name": "Wakil", "email": f"{deputy}@Diskominfo.example",
            "role": "admin", "password": PASSWORD})
        assert created.status_code == 201, created.text
        assert created.json()["email"] == f"{deputy}@diskominfo.example"
        tokens = await login(editorial, deputy)
        token = tokens["access_token"]
        await eventually(lambda: answers(ingest, "/v1/admin/opds", token, 200),
                         "ingest learns of the new admin")

        disabled = await editorial.post(f"/v1/admin/accounts/{deputy}/disable", headers=admin,
                                        json={"reason": "Pindah tugas"})
        assert disabled.status_code == 200, disabled.text
        refused = await editorial.get("/v1/articles", headers=bearer(token))
        assert refused.json()["error"]["code"] == "account_disabled"
        again = await editorial.post("/v1/auth/refresh",
                                     json={"refresh_token": tokens["refresh_token"]})
        assert again.status_code == 401
        await eventually(lambda: answers(ingest, "/v1/admin/opds", token, 401),
                         "ingest refuses the disabled admin")

        enabled = await editorial.post(f"/v1/admin/accounts/{deputy}/enable", headers=admin)
        assert enabled.status_code == 200, enabled.text
        await eventually(lambda: answers(ingest, "/v1/admin/opds", token, 200),
                         "ingest honours the enabled admin again")
        audit = (await editorial.get(f"/v1/admin/accounts/{deputy}", headers=admin)).json()
        assert [(h["action"], h["by"]) for h in audit["history"]] == [
            ("create", chief), ("disable", chief), ("enable", chief)]
        assert audit["history"][1]["reason"] == "Pindah tugas"


async def test_refresh_gives_a_new_pair_and_the_account_role_as_it_is_now(
    settings: Settings,
) -> None:
    chief = f"kepala-{uuid.uuid4().hex[:6]}"
    await create_first_admin(settings, username=chief, name="Kepala",
                             email=f"{chief}@diskominfo.example", password=PASSWORD)
    async with running(editorial_app(settings)) as editorial:
        tokens = await login(editorial, chief)
        assert tokens["expires_in"] <= 15 * 60 < tokens["refresh_expires_in"]
        renewed = await editorial.post("/v1/auth/refresh",
                                       json={"refresh_token": tokens["refresh_token"]})
        assert renewed.status_code == 200, renewed.text
        listed = await editorial.get("/v1/admin/accounts",
                                     headers=bearer(renewed.json()["access_token"]))
        assert listed.status_code == 200
        assert [a["username"] for a in listed.json()["items"]] == [chief]
        assert "password_hash" not in listed.text
        # An access token is no refresh token, and the reverse.
        wrong = await editorial.post("/v1/auth/refresh",
                                     json={"refresh_token": tokens["access_token"]})
        assert wrong.status_code == 401
        as_access = await editorial.get("/v1/articles",
                                        headers=bearer(tokens["refresh_token"]))
        assert as_access.status_code == 401
        self_disable = await editorial.post(f"/v1/admin/accounts/{chief}/disable",
                                            headers=bearer(tokens["access_token"]),
                                            json={"reason": "coba"})
        assert self_disable.status_code == 409


async def test_only_admins_manage_accounts_and_bad_input_is_a_clear_error(
    settings: Settings,
) -> None:
    from tests.accounts import create_editor

    await create_editor(settings, username="redaktur7", name="Rina", role="editor",
                        password=PASSWORD)
    chief = f"kepala-{uuid.uuid4().hex[:6]}"
    await create_first_admin(settings, username=chief, name="Kepala",
                             email=f"{chief}@diskominfo.example", password=PASSWORD)
    async with running(editorial_app(settings)) as editorial:
        editor = bearer((await login(editorial, "redaktur7"))["access_token"])
        forbidden = await editorial.get("/v1/admin/accounts", headers=editor)
        assert forbidden.status_code == 403
        admin = bearer((await login(editorial, chief))["access_token"])
        bad = await editorial.post("/v1/admin/accounts", headers=admin, json={
            "username": "x", "name": "", "email": "bukan-email", "password": "pendek"})
        assert bad.status_code == 422
        fields = {d["field"] for d in bad.json()["error"]["details"]}
        assert {"body.username", "body.name", "body.email", "body.password"} <= fields
        taken = await editorial.post("/v1/admin/accounts", headers=admin, json={
            "username": "redaktur7", "name": "Lagi", "email": "lagi@diskominfo.example",
            "password": PASSWORD})
        assert taken.status_code == 409
        missing = await editorial.post("/v1/admin/accounts/tidak-ada/enable", headers=admin)
        assert missing.status_code == 404
