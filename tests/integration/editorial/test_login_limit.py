"""The login limit holds across editorial replicas: failures are counted in the database."""

from __future__ import annotations

import asyncio
import uuid

from services.editorial.main import create_app
from shared.settings import Settings
from tests.accounts import create_editor
from tests.conftest import running
from tests.integration.editorial.test_editorial_flow import PASSWORD, login


async def test_five_failures_spread_over_two_replicas_lock_the_account(settings: Settings
                                                                       ) -> None:
    username = f"redaktur-{uuid.uuid4().hex[:8]}"
    await create_editor(settings, username=username, name="Sari", role="editor",
                        password=PASSWORD)
    async with running(create_app(settings)) as first, running(create_app(settings)) as second:
        for replica in (first, second, first, second, first):
            wrong = await login(replica, username, "bukan-sandinya-123")
            assert wrong.status_code == 401, wrong.text
        # Each replica saw only two or three failures; together they reached the limit.
        for replica in (first, second):
            limited = await login(replica, username, PASSWORD)
            assert limited.status_code == 429, limited.text
            assert 0 < int(limited.headers["Retry-After"]) <= 301


async def test_a_correct_password_below_the_limit_still_signs_in(settings: Settings) -> None:
    username = f"redaktur-{uuid.uuid4().hex[:8]}"
    await create_editor(settings, username=username, name="Sari", role="editor",
                        password=PASSWORD)
    async with running(create_app(settings)) as client:
        for _ in range(4):
            assert (await login(client, username, "bukan-sandinya-123")).status_code == 401
        assert (await login(client, username, PASSWORD)).status_code == 200


async def test_parallel_guesses_cannot_slip_under_the_limit(settings: Settings) -> None:
    """Each attempt is counted before its password is checked: of twenty wrong passwords sent
    at once, at most the limit's five are checked; the rest are refused unchecked."""
    username = f"redaktur-{uuid.uuid4().hex[:8]}"
    await create_editor(settings, username=username, name="Sari", role="editor",
                        password=PASSWORD)
    async with running(create_app(settings)) as client:
        answers = await asyncio.gather(*(login(client, username, f"tebakan-{n}-salah")
                                         for n in range(20)))
        codes = sorted(answer.status_code for answer in answers)
        assert codes.count(401) <= 5 and codes.count(429) >= 15, codes
