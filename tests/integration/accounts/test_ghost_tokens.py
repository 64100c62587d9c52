"""A correctly signed token counts only for an account the service knows as active."""

from __future__ import annotations

import importlib

import pytest

from shared.auth import Principal, issue_token
from shared.settings import Settings
from tests.conftest import running

# One route per service that a token alone used to open.
ROUTES = {"ingest": "/v1/admin/opds", "editorial": "/v1/articles",
          "publisher": "/v1/publications", "notifier": "/v1/journalists"}
GHOST = Principal(subject="ghost-nobody", role="admin", name="Ghost")


@pytest.mark.parametrize("service", sorted(ROUTES))
async def test_an_admin_token_for_an_account_that_does_not_exist_gets_401(
    service: str, settings: Settings,
) -> None:
    token, _ = issue_token(settings, GHOST)  # the right secret, a subject nobody created
    create_app = importlib.import_module(f"services.{service}.main").create_app
    async with running(create_app(settings)) as client:
        response = await client.get(ROUTES[service], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "account_unknown"


async def test_a_ghost_admin_cannot_create_an_opd_or_get_its_key(settings: Settings) -> None:
    from services.ingest.main import create_app

    token, _ = issue_token(settings, GHOST)
    body = {"code": "GHOST", "name": "Dinas Hantu", "region": "Kota Makassar",
            "timezone": "WITA"}
    async with running(create_app(settings)) as client:
        created = await client.post("/v1/admin/opds", json=body,
                                    headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 401, created.text
    assert "api_key" not in created.text
