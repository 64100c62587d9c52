"""Every editorial route against every role: below its role 403 naming the role, 401 without a
token, and at or above it past the role check (the article here does not exist: 404)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.editorial.main import create_app
from shared.auth import ROLES, Principal, issue_token
from shared.settings import Settings
from tests.accounts import create_editor
from tests.conftest import Infra
from tests.serving import served
from warta_cli.infra import free_port

NOWHERE = "nonexistent-article"
A = f"/v1/articles/{NOWHERE}"
IF_MATCH = {"If-Match": "1"}
# (method, path, body, extra headers, the least role)
Route = tuple[str, str, Any, dict[str, str], str]
ROUTES: list[Route] = [
    ("GET", "/v1/articles", None, {}, "editor"),
    ("GET", "/v1/articles?ready=true", None, {}, "editor"),
    ("GET", A, None, {}, "editor"),
    ("POST", f"{A}/claim", None, {}, "editor"),
    ("PATCH", A, {"headline": "Judul yang lebih baik"}, IF_MATCH, "editor"),
    ("PATCH", f"{A}/photos", {"photos": [{"id": "p1", "caption": "Foto"}]}, IF_MATCH, "editor"),
    ("POST", f"{A}/comments", {"text": "Cek angka"}, {}, "editor"),
    ("GET", f"{A}/comments", None, {}, "editor"),
    ("POST", f"{A}/ready", None, {}, "editor"),
    ("POST", f"{A}/request-revision", {"reason": "Lengkapi data"}, {}, "editor"),
    ("GET", f"{A}/versions", None, {}, "editor"),
    ("GET", f"{A}/diff?from=1&to=2", None, {}, "editor"),
    ("POST", f"{A}/versions/1/restore", None, IF_MATCH, "editor"),
    ("GET", f"{A}/preview?channels=x,telegram", None, {}, "editor"),
    ("POST", f"{A}/claim/take-over", {"reason": "Cuti"}, {}, "chief_editor"),
    ("POST", f"{A}/approve", {"channels": ["feed"]}, {}, "chief_editor"),
    ("POST", f"{A}/reject", {"reason": "Bukan berita"}, {}, "chief_editor"),
    ("POST", f"{A}/correct", {"correction_note": "Salah nama"}, {}, "chief_editor"),
    ("POST", f"{A}/take-down", {"reason": "Data keliru"}, {}, "chief_editor"),
    ("GET", "/v1/admin/accounts", None, {}, "admin"),
    ("GET", "/v1/admin/accounts/nobody-here", None, {}, "admin"),
    ("PATCH", "/v1/admin/accounts/nobody-here", {"email": "a@b.example"}, {}, "admin"),
    ("POST", "/v1/admin/accounts/nobody-here/disable", {"reason": "Pindah"}, {}, "admin"),
    ("POST", "/v1/admin/accounts/nobody-here/enable", None, {}, "admin"),
    ("DELETE", "/v1/admin/accounts/nobody-here/totp", None, {}, "admin"),
]
CALLERS = ("none", *ROLES)


@pytest.fixture(scope="module")
def editorial(real_infra: Infra) -> Iterator[tuple[str, Settings]]:
    """One editorial app for the module, served on a real port, with an account per role."""
    settings = Settings(
        env="test", jwt_secret="matrix-jwt-secret-" + "j" * 32,
        unsubscribe_secret="matrix-unsub-" + "u" * 32, kafka_bootstrap=real_infra.kafka_bootstrap,
        editorial_totp_key="dGVzdC1vbmx5LXRvdHAtc2VjcmV0cy1rZXktMDEyMzQ=",  # Fernet
        mongo_url=real_infra.mongo_url, db_prefix=f"m{uuid.uuid4().hex[:10]}")

    async def accounts() -> None:
        for role in ROLES:
            await create_editor(settings, username=f"test-{role}", name=role.title(), role=role,
                                password="matriks-peran-rahasia")

    asyncio.run(accounts())
    with served(create_app(settings), free_port()) as url:
        yield url, settings


def call(url: str, settings: Settings, caller: str, route: Route) -> httpx.Response:
    method, path, body, headers, _ = route
    auth = {}
    if caller != "none":
        token, _ = issue_token(settings, Principal(subject=f"test-{caller}", role=caller))
        auth = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, url + path, json=body, headers={**headers, **auth}, timeout=15)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES,
                         ids=[f"{r[0]} {r[1].replace(A, '{id}')}" for r in ROUTES])
def test_each_route_needs_its_role(editorial: tuple[str, Settings], caller: str, route: Route
                                   ) -> None:
    url, settings = editorial
    needed = route[4]
    response = call(url, settings, caller, route)
    if caller == "none":
        assert response.status_code == 401, response.text
    elif ROLES.index(caller) < ROLES.index(needed):
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["code"] == "forbidden"
        assert error["details"] == {"required_role": needed, "role": caller}
        assert f"'{needed}'" in error["message"] and "memerlukan peran" in error["message"]
    else:
        assert response.status_code in (200, 404), response.text


def test_an_mfa_token_opens_no_route(editorial: tuple[str, Settings]) -> None:
    """The password alone (a chief editor's or admin's mfa token) reaches nothing."""
    url, settings = editorial
    token, _ = issue_token(settings, Principal(subject="test-admin", role="admin"), kind="mfa")
    for method, path, body, headers, _ in ROUTES:
        answer = httpx.request(method, url + path, json=body, timeout=15,
                               headers={**headers, "Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, (method, path, answer.text)


def test_only_an_admin_creates_accounts_and_the_email_is_validated(
    editorial: tuple[str, Settings],
) -> None:
    url, settings = editorial
    new = {"username": f"baru{uuid.uuid4().hex[:6]}", "name": "Baru", "role": "editor",
           "email": "Baru@Diskominfo.Example", "password": "sandi-yang-panjang-sekali"}
    for caller in ("editor", "chief_editor"):
        refused = call(url, settings, caller, ("POST", "/v1/admin/accounts", new, {}, ""))
        assert refused.status_code == 403
        assert refused.json()["error"]["details"]["required_role"] == "admin"
    bad = call(url, settings, "admin", ("POST", "/v1/admin/accounts",
                                       {**new, "email": "bukan-email"}, {}, ""))
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "body.email"
    made = call(url, settings, "admin", ("POST", "/v1/admin/accounts", new, {}, ""))
    assert made.status_code == 201, made.text
    assert made.json()["email"] == "baru@diskominfo.example"
    path = f"/v1/admin/accounts/{new['username']}"
    invalid = call(url, settings, "admin", ("PATCH", path, {"email": "x@"}, {}, ""))
    assert invalid.status_code == 422
    changed = call(url, settings, "admin", ("PATCH", path, {
        "email": "rina@diskominfo.example", "role": "chief_editor"}, {}, ""))
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["role"]) == (
        "rina@diskominfo.example", "chief_editor")
    assert changed.json()["history"][-1]["action"] == "update"
    own = call(url, settings, "admin", ("PATCH", "/v1/admin/accounts/test-admin",
                                       {"role": "editor"}, {}, ""))
    assert own.status_code == 409
