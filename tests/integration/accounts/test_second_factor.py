"""A chief editor's or admin's password alone buys no token: the second factor is editorial's."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pyotp

from services.editorial.main import create_app
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.accounts import create_editor, sign_in
from tests.conftest import running

PASSWORD = "kata-sandi-kedua-2026"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def password_only(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"username": username, "password": PASSWORD})


async def mfa_token(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    answer = await password_only(client, username)
    assert answer.status_code == 403, answer.text
    details: dict[str, Any] = answer.json()["error"]["details"]
    return details


async def stored_secret(settings: Settings, username: str) -> dict[str, Any] | None:
    mongo = MongoHandle(settings, "editorial")
    try:
        doc: dict[str, Any] | None = await mongo.db["totp_secrets"].find_one({"_id": username})
        return doc
    finally:
        mongo.close()


async def test_a_chief_editor_needs_the_second_factor_and_an_editor_does_not(
    settings: Settings,
) -> None:
    chief, editor = f"kepala-{uuid.uuid4().hex[:6]}", f"redaktur-{uuid.uuid4().hex[:6]}"
    for username, role in ((chief, "chief_editor"), (editor, "editor")):
        await create_editor(settings, username=username, name=username, role=role,
                            password=PASSWORD)
    async with running(create_app(settings)) as client:
        answer = await password_only(client, chief)
        assert answer.status_code == 403, answer.text
        error = answer.json()["error"]
        assert error["code"] == "second_factor_required"
        assert "access_token" not in answer.text and "refresh_token" not in answer.text
        assert error["details"]["enrolled"] is False
        mfa = error["details"]["mfa_token"]
        refused = await client.get("/v1/articles", headers=bearer(mfa))
        assert refused.status_code == 401, refused.text

        enrolled = await client.post("/v1/auth/totp/enrol", headers=bearer(mfa))
        assert enrolled.status_code == 200, enrolled.text
        secret = enrolled.json()["secret"]
        assert enrolled.json()["otpauth_uri"].startswith("otpauth://totp/")
        again = await client.post("/v1/auth/totp/enrol", headers=bearer(mfa))
        assert again.json()["secret"] == secret  # a second tab shows the same pending key
        doc = await stored_secret(settings, chief)
        assert doc is not None and secret not in str(doc), "the secret is stored in clear"

        code = pyotp.TOTP(secret).now()
        pair = await client.post("/v1/auth/totp/verify", json={"mfa_token": mfa, "otp": code})
        assert pair.status_code == 200, pair.text
        works = await client.get("/v1/articles", headers=bearer(pair.json()["access_token"]))
        assert works.status_code == 200, works.text

        second = await mfa_token(client, chief)
        assert second["enrolled"] is True
        confirmed = await client.post("/v1/auth/totp/enrol", headers=bearer(second["mfa_token"]))
        assert confirmed.status_code == 409, confirmed.text
        reused = await client.post("/v1/auth/totp/verify",
                                   json={"mfa_token": second["mfa_token"], "otp": code})
        assert reused.status_code == 401, reused.text
        assert reused.json()["error"]["code"] == "invalid_second_factor"

        plain = await password_only(client, editor)
        assert plain.status_code == 200, plain.text
        assert plain.json()["access_token"]


async def test_an_admin_reset_makes_the_next_sign_in_enrol_again(settings: Settings) -> None:
    admin, chief = f"admin-{uuid.uuid4().hex[:6]}", f"kepala-{uuid.uuid4().hex[:6]}"
    for username, role in ((admin, "admin"), (chief, "chief_editor")):
        await create_editor(settings, username=username, name=username, role=role,
                            password=PASSWORD)
    async with running(create_app(settings)) as client:
        admin_token = (await sign_in(client, admin, PASSWORD))["access_token"]
        await sign_in(client, chief, PASSWORD)
        assert (await mfa_token(client, chief))["enrolled"] is True

        reset = await client.delete(f"/v1/admin/accounts/{chief}/totp",
                                    headers=bearer(admin_token))
        assert reset.status_code == 204, reset.text
        assert await stored_secret(settings, chief) is None
        assert (await mfa_token(client, chief))["enrolled"] is False
        assert (await sign_in(client, chief, PASSWORD))["access_token"]
        gone = await client.delete("/v1/admin/accounts/nobody-here/totp",
                                   headers=bearer(admin_token))
        assert gone.status_code == 404, gone.text


async def test_wrong_codes_are_limited_in_the_database(settings: Settings) -> None:
    chief = f"kepala-{uuid.uuid4().hex[:6]}"
    await create_editor(settings, username=chief, name=chief, role="chief_editor",
                        password=PASSWORD)
    async with running(create_app(settings)) as client:
        mfa = (await mfa_token(client, chief))["mfa_token"]
        await client.post("/v1/auth/totp/enrol", headers=bearer(mfa))
        statuses = []
        for _ in range(6):
            answer = await client.post("/v1/auth/totp/verify",
                                       json={"mfa_token": mfa, "otp": "000000"})
            statuses.append(answer.status_code)
        assert statuses[:5] == [401] * 5 and statuses[5] == 429, statuses
        assert int(answer.headers["Retry-After"]) >= 1


async def test_a_refresh_bought_with_the_password_alone_cannot_renew_a_promoted_account(
    settings: Settings,
) -> None:
    """An editor's refresh token, once the account is promoted, would otherwise mint chief
    tokens for ever without a code; after the second factor, refreshes keep working."""
    editor, admin = f"redaktur-{uuid.uuid4().hex[:6]}", f"admin-{uuid.uuid4().hex[:6]}"
    await create_editor(settings, username=editor, name=editor, role="editor",
                        password=PASSWORD)
    await create_editor(settings, username=admin, name=admin, role="admin", password=PASSWORD)
    async with running(create_app(settings)) as client:
        plain = (await password_only(client, editor)).json()
        assert (await client.post("/v1/auth/refresh", json={
            "refresh_token": plain["refresh_token"]})).status_code == 200  # editors need none
        admin_pair = await sign_in(client, admin, PASSWORD)
        promoted = await client.patch(f"/v1/admin/accounts/{editor}", json={
            "role": "chief_editor"}, headers=bearer(admin_pair["access_token"]))
        assert promoted.status_code == 200, promoted.text
        renewed = await client.post("/v1/auth/refresh",
                                    json={"refresh_token": plain["refresh_token"]})
        assert renewed.status_code == 401, renewed.text
        assert renewed.json()["error"]["code"] == "second_factor_required"
        # The admin's pair came through the code: its refreshes carry that on.
        again = await client.post("/v1/auth/refresh",
                                  json={"refresh_token": admin_pair["refresh_token"]})
        assert again.status_code == 200, again.text
        twice = await client.post("/v1/auth/refresh",
                                  json={"refresh_token": again.json()["refresh_token"]})
        assert twice.status_code == 200, twice.text
