"""What must hold across instances: the rate limit, key revocation, the attachment store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from shared.auth import split_api_key
from shared.settings import Settings
from tests.e2e.replicas import replicas
from tests.integration.ingest.support import jpeg, make_opd
from warta_cli.admin import create_first_admin
from warta_cli.second_factor import StackKeyring
from warta_cli.session import login, request

pytestmark = pytest.mark.e2e

BURST = 10
# 10 requests per window of 10,000 s: the window does not roll over during the test.
RATE_ENV = {"WARTA_INGEST_RATE_PER_SECOND": "0.001", "WARTA_INGEST_RATE_BURST": str(BURST)}
KEY_CACHE_SECONDS = 2.0


@pytest.mark.parametrize("instances", [1, 3])
async def test_an_opds_rate_limit_is_the_same_with_one_or_three_instances(
    settings: Settings, tmp_path: Path, instances: int,
) -> None:
    with replicas(settings, tmp_path, instances, services=["ingest"],
                  extra_env=RATE_ENV) as stack:
        opd = await make_opd(stack.settings, "RATE")
        urls = [i.url for i in stack.of("ingest")]
        async with httpx.AsyncClient(timeout=10) as http:
            answers = await asyncio.gather(*(
                http.get(f"{urls[n % len(urls)]}/v1/reports", headers=opd.auth)
                for n in range(3 * BURST)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * BURST + [429] * (2 * BURST)
    refused = next(a for a in answers if a.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"


async def test_a_revoked_key_stops_working_on_every_instance_within_the_cache_ttl(
    settings: Settings, tmp_path: Path,
) -> None:
    extra = {"WARTA_KEY_CACHE_SECONDS": str(KEY_CACHE_SECONDS)}
    with replicas(settings, tmp_path, 2, services=["ingest", "editorial"],
                  extra_env=extra) as stack:
        await create_first_admin(stack.settings, username="admin-replika", name="Admin",
                                 email="admin@warta.example", password="rahasia-replika-123")
        tokens = await login(stack.base, "admin-replika", "rahasia-replika-123",
                             StackKeyring(tmp_path))  # an admin: TOTP enrolled on the way
        opd = await make_opd(stack.settings, "KUNCI")
        parts = split_api_key(opd.key)
        assert parts is not None
        first, second = (i.url for i in stack.of("ingest"))
        async with httpx.AsyncClient(timeout=10) as http:
            for url in (first, second):  # both instances now hold the key in their cache
                assert (await http.get(f"{url}/v1/reports", headers=opd.auth)).status_code == 200
            await request(first, tokens.access_token, "DELETE",
                          f"/v1/admin/opds/{opd.code}/keys/{parts[0]}")
            revoked = time.monotonic()
            at_once = await http.get(f"{first}/v1/reports", headers=opd.auth)
            assert at_once.status_code == 401  # the instance that revoked it forgot it
            await asyncio.sleep(KEY_CACHE_SECONDS - (time.monotonic() - revoked) + 0.2)
            later = await http.get(f"{second}/v1/reports", headers=opd.auth)
            assert later.status_code == 401, "the other instance still honours a revoked key"
            through_door = await http.get(f"{stack.base}/v1/reports", headers=opd.auth)
            assert through_door.status_code == 401


async def test_an_attachment_stored_by_one_instance_is_served_by_every_other(
    settings: Settings, tmp_path: Path,
) -> None:
    with replicas(settings, tmp_path, 2, services=["ingest"]) as stack:
        opd = await make_opd(stack.settings, "BERKAS")
        first, second = (i.url for i in stack.of("ingest"))
        photo = jpeg(320, 240)
        async with httpx.AsyncClient(timeout=30) as http:
            stored = await http.post(f"{first}/v1/attachments", headers=opd.auth,
                                     files={"file": ("a.jpg", photo, "image/jpeg")})
            assert stored.status_code == 201, stored.text
            path = stored.json()["url"].removeprefix(stack.base)
            from_second = await http.get(f"{second}{path}")
            from_door = await http.get(f"{stack.base}{path}")
        assert from_second.status_code == from_door.status_code == 200
        assert from_second.content == from_door.content
