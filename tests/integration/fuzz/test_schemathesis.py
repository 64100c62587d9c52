"""Schemathesis against each service's own OpenAPI, on the real processes, broker and database.

Once per kind of caller (none, an OPD key, an editor, a chief editor, an admin): no 5xx, and
no status, content type or body outside what the route declares.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from shared.settings import Settings
from tests.conftest import Infra
from tests.integration.fuzz.support import Stack, running_stack, schemathesis

pytestmark = pytest.mark.fuzz
SERVICES = ("ingest", "editorial", "publisher", "notifier")
# The admin last: its runs may create, disable or revoke things the other callers rely on.
CALLERS = ("none", "opd", "editor", "chief_editor", "admin")


@pytest.fixture(scope="module")
def stack(real_infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for the module: starting four processes per run would cost more than fuzzing."""
    home = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        env="test", jwt_secret="fuzz-jwt-secret-" + "j" * 32,
        unsubscribe_secret="fuzz-unsub-" + "u" * 32,
        publisher_credentials_key="ZnV6ei1vbmx5LWNyZWRlbnRpYWxzLWtleS0wMTIzNDU=",  # Fernet
        editorial_totp_key="dGVzdC1vbmx5LXRvdHAtc2VjcmV0cy1rZXktMDEyMzQ=",  # Fernet
        kafka_bootstrap=real_infra.kafka_bootstrap, mongo_url=real_infra.mongo_url,
        db_prefix=f"f{uuid.uuid4().hex[:10]}", attachments_dir=str(home / "attachments"),
        outbox_sweep_seconds=0.5,
    )
    with running_stack(settings, home) as running:
        yield running


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("service", SERVICES)
def test_no_generated_request_gets_a_5xx_or_an_undeclared_answer(
    stack: Stack, service: str, caller: str,
) -> None:
    result = schemathesis(stack, service, caller)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
