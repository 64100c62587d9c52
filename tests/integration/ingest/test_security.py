"""The security notes' table, route by route, on the real database (OWASP API Top 10 rows)."""

from __future__ import annotations

import logging

import httpx
import pytest

from services.ingest.config import IngestConfig
from shared.settings import Settings
from tests.integration.ingest.support import admin_headers, ingest, jpeg, make_opd, report

OPD_ROUTES = [("POST", "/v1/reports"), ("GET", "/v1/reports"), ("GET", "/v1/reports/{id}"),
              ("PUT", "/v1/reports/{id}"), ("DELETE", "/v1/reports/{id}"),
              ("POST", "/v1/attachments")]


async def call(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
               ) -> httpx.Response:
    if path == "/v1/attachments":
        return await client.post(path, headers=headers,
                                 files={"file": ("a.jpg", jpeg(), "image/jpeg")})
    body = report() if method in ("POST", "PUT") else None
    return await client.request(method, path, json=body, headers=headers)


async def test_every_opd_route_refuses_missing_malformed_revoked_and_editor_credentials(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "SATPOLPP")
    async with ingest(settings) as client:
        report_id = (await client.post("/v1/reports", json=report(),
                                       headers=opd.auth)).json()["id"]
        # The amendment (PUT) leaves a request pending, which a withdrawal of the same report
        # would wait for (409 request_pending): DELETE gets a report of its own.
        to_withdraw = (await client.post("/v1/reports", json=report(),
                                         headers=opd.auth)).json()["id"]
        rotated = await client.post(f"/v1/admin/opds/{opd.code}/keys",
                                    headers=admin_headers(settings))
        new_key = rotated.json()["api_key"]
        old_key_id = opd.key.split("_")[1]
        revoked = await client.delete(f"/v1/admin/opds/{opd.code}/keys/{old_key_id}",
                                      headers=admin_headers(settings))
        assert revoked.status_code == 204
        credentials = {
            "none": {},
            "malformed": {"Authorization": "Bearer not-a-key"},
            "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
            "wrong secret": {"Authorization": f"Bearer {new_key[:-4]}AAAA"},
            "revoked": opd.auth,
            "editor token": admin_headers(settings, "editor"),
        }
        for method, template in OPD_ROUTES:
            path = template.format(id=to_withdraw if method == "DELETE" else report_id)
            for name, headers in credentials.items():
                response = await call(client, method, path, headers)
                assert response.status_code == 401, (method, path, name, response.text)
                assert response.json()["error"]["code"] == "unauthorized"
                assert response.headers["www-authenticate"] == "Bearer"
            ok = await call(client, method, path, {"Authorization": f"Bearer {new_key}"})
            assert ok.status_code < 400, (method, path, ok.text)


async def test_another_opds_reports_are_indistinguishable_from_missing_ones(settings: Settings
                                                                           ) -> None:
    owner, other = await make_opd(settings, "DISPERKIM"), await make_opd(settings, "DISSOS")
    async with ingest(settings) as client:
        report_id = (await client.post("/v1/reports", json=report(),
                                       headers=owner.auth)).json()["id"]
        for method in ("GET", "PUT", "DELETE"):
            theirs = await call(client, method, f"/v1/reports/{report_id}", other.auth)
            missing = await call(client, method, "/v1/reports/01a20000-0000-7000-8000-000000000000",
                                 other.auth)
            assert theirs.status_code == missing.status_code == 404, method
        listed = await client.get("/v1/reports", headers=other.auth)
        assert listed.json()["items"] == []
        mine = await client.get(f"/v1/reports/{report_id}", headers=owner.auth)
        assert mine.json()["status"] == "submitted"  # untouched by the other OPD's attempts


async def test_admin_routes_need_the_admin_role(settings: Settings) -> None:
    opd = await make_opd(settings, "DPRD")
    routes = [("GET", "/v1/admin/opds"), ("GET", f"/v1/admin/opds/{opd.code}"),
              ("GET", f"/v1/admin/opds/{opd.code}/keys"),
              ("POST", f"/v1/admin/opds/{opd.code}/keys"),
              ("GET", f"/v1/admin/opds/{opd.code}/users"),
              ("POST", f"/v1/admin/opds/{opd.code}/users"),
              ("DELETE", f"/v1/admin/opds/{opd.code}/users/humas.dprd")]
    async with ingest(settings) as client:
        # An OPD user's token is no admin credential either (nor an editor's, of any role).
        user = await client.post(f"/v1/admin/opds/{opd.code}/users", headers=admin_headers(
            settings), json={"username": "humas.dprd", "name": "Humas DPRD",
                             "email": "humas@dprd.example.go.id", "password": "sandi-humas-dprd"})
        assert user.status_code == 201, user.text
        session = await client.post("/v1/opd-auth/token", json={
            "username": "humas.dprd", "password": "sandi-humas-dprd"})
        opd_user = {"Authorization": f"Bearer {session.json()['access_token']}"}
        for method, path in routes:
            assert (await client.request(method, path)).status_code == 401
            assert (await client.request(method, path, headers=opd.auth)).status_code == 401
            assert (await client.request(method, path, headers=opd_user)).status_code == 401
            for role in ("editor", "chief_editor"):
                refused = await client.request(method, path, headers=admin_headers(settings, role))
                assert refused.status_code == 403, (method, path, role)
        created = await client.post("/v1/admin/opds", headers=admin_headers(settings), json={
            "code": "DISPUPR", "name": "Dinas PU dan Penataan Ruang", "region": "Kota Makassar",
            "timezone": "WITA", "email": "humas@pu.example.go.id"})
        assert created.status_code == 201, created.text
        key = created.json()["api_key"]
        fresh = await client.post("/v1/reports", json=report(),
                                  headers={"Authorization": f"Bearer {key}"})
        assert fresh.status_code == 201
        duplicate = await client.post("/v1/admin/opds", headers=admin_headers(settings), json={
            "code": "DISPUPR", "name": "Lagi", "region": "Kota Makassar", "timezone": "WITA"})
        assert duplicate.status_code == 409


async def test_keys_rotate_to_two_active_at_most_and_record_their_last_use(settings: Settings
                                                                           ) -> None:
    opd = await make_opd(settings, "DISDUKCAPIL")
    admin = admin_headers(settings)
    async with ingest(settings) as client:
        await client.get("/v1/reports", headers=opd.auth)
        second = await client.post(f"/v1/admin/opds/{opd.code}/keys", headers=admin)
        assert second.status_code == 201
        third = await client.post(f"/v1/admin/opds/{opd.code}/keys", headers=admin)
        assert third.status_code == 409 and "revoke one first" in third.json()["error"]["message"]
        # Both keys work during the change-over.
        for key in (opd.key, second.json()["api_key"]):
            ok = await client.get("/v1/reports", headers={"Authorization": f"Bearer {key}"})
            assert ok.status_code == 200
        keys = (await client.get(f"/v1/admin/opds/{opd.code}/keys", headers=admin)).json()
        assert [k["active"] for k in keys] == [True, True]
        assert keys[0]["last_used_at"] is not None and keys[1]["last_used_at"] is not None
        assert all("api_key" not in k and "key_hash" not in k for k in keys)


async def test_oversized_bodies_and_fields_are_refused_before_any_write(settings: Settings
                                                                        ) -> None:
    opd = await make_opd(settings, "DISPERINDAG")
    async with ingest(settings) as client:
        huge = await client.post("/v1/reports", headers=opd.auth,
                                 content=b'{"title": "' + b"a" * 2_000_000 + b'"}')
        assert huge.status_code == 413
        long_field = await client.post("/v1/reports", headers=opd.auth,
                                       json=report(summary="s" * 5000))
        assert long_field.status_code == 422
        assert "summary" in long_field.json()["error"]["details"][0]["field"]
        assert (await client.get("/v1/reports", headers=opd.auth)).json()["items"] == []


async def test_too_many_requests_per_key_get_429_with_retry_after(settings: Settings) -> None:
    opd, other = await make_opd(settings, "KESBANGPOL"), await make_opd(settings, "DISNAKER")
    config = IngestConfig(ingest_rate_per_second=0.2, ingest_rate_burst=3)
    async with ingest(settings, config) as client:
        statuses = [(await client.get("/v1/reports", headers=opd.auth)).status_code
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await client.get("/v1/reports", headers=opd.auth)
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == "rate_limited"
        # One key's budget is its own.
        assert (await client.get("/v1/reports", headers=other.auth)).status_code == 200


async def test_the_full_key_never_reaches_the_logs(settings: Settings,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    opd = await make_opd(settings, "DISKOMINFO2")
    caplog.set_level(logging.DEBUG)
    async with ingest(settings) as client:
        await client.post("/v1/reports", json=report(), headers=opd.auth)
        await client.get("/v1/reports", headers={"Authorization": f"Bearer {opd.key}x"})
    secret = opd.key.split("_", 2)[2]  # the secret itself may contain "_"
    assert len(secret) >= 32
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert secret not in text, record
