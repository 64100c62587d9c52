"""Integration-test wiring shared by every service's tests."""

from __future__ import annotations

import asyncio

import pytest

from tests.accounts import record_accounts

# The subjects the test helpers mint tokens for (ingest's `admin_headers`, the notifier's and
# the publisher's `auth`/`editor_headers`): known and active in each service's projection, as
# if editorial had announced them. Any other subject, e.g. `ghost-nobody`, stays unknown.
TEST_ACCOUNTS = {"root": "admin", "redaktur1": "editor", "test-editor": "editor",
                 "test-chief_editor": "chief_editor", "test-admin": "admin"}


@pytest.fixture(autouse=True)
def known_test_accounts(request: pytest.FixtureRequest) -> None:
    if "settings" not in request.fixturenames:
        return
    asyncio.run(record_accounts(request.getfixturevalue("settings"), TEST_ACCOUNTS))
