"""What a fault run needs before its load: an OPD with a key, an editor who can log in, and a
few partner journalists subscribed to the OPD (so each approval becomes emails)."""

from __future__ import annotations

import uuid

import httpx
import stamina

from shared.auth import Principal, issue_token
from tests.accounts import create_editor, record_accounts, sign_in
from tests.faults.harness import Stack
from tests.integration.ingest.support import Opd, make_opd
from warta_cli.journalist import confirm_from_mail

EDITOR, EDITOR_PASSWORD = "fault-redaktur", "redaksi-gangguan-rahasia"
ADMIN = "fault-admin"


async def editor_token(stack: Stack) -> str:
    """Logged in at editorial, as the editors of the load are (by editorial's own use case)."""
    await create_editor(stack.settings, username=EDITOR, name="Redaktur Uji", role="chief_editor",
                        password=EDITOR_PASSWORD)
    async with httpx.AsyncClient(base_url=stack.url("editorial"), timeout=15) as client:
        pair = await sign_in(client, EDITOR, EDITOR_PASSWORD)  # a chief editor: with TOTP
    token: str = pair["access_token"]
    return token


async def opd(stack: Stack) -> Opd:
    return await make_opd(stack.settings, f"F{uuid.uuid4().hex[:8].upper()}")


async def journalists(stack: Stack, opd_id: str, count: int) -> list[str]:
    """`count` journalists subscribed to this OPD only; their email addresses."""
    await record_accounts(stack.settings, {ADMIN: "admin"}, services=("notifier",))
    token, _ = issue_token(stack.settings, Principal(subject=ADMIN, role="admin"))
    emails = [f"wartawan{n}-{uuid.uuid4().hex[:6]}@mitra.example" for n in range(count)]
    async with httpx.AsyncClient(base_url=stack.url("notifier"), timeout=15) as client:
        for n, email in enumerate(emails):
            response = await client.post(
                "/v1/journalists", headers={"Authorization": f"Bearer {token}"},
                json={"name": f"Wartawan {n}", "email": email, "opd_ids": [opd_id],
                      "categories": []})
            assert response.status_code == 201, response.text
    # Double opt-in: each presses the button behind the link they were mailed.
    for email in emails:
        async for attempt in stamina.retry_context(on=AssertionError, timeout=60, wait_max=1):
            with attempt:
                assert await confirm_from_mail(stack.url("notifier"),
                                               stack.receiver.messages(), email)
    return emails
