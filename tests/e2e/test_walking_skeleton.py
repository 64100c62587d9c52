"""One report through the four real service processes, on the real Kafka and FerretDB."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina

from shared.settings import Settings
from tests.conftest import settings_env
from warta_cli import infra
from warta_cli.admin import create_first_admin
from warta_cli.editor import create_editor
from warta_cli.journalist import add_journalist, confirm_from_mail
from warta_cli.journey import Endpoints, run_journey
from warta_cli.mailsink import MailSink
from warta_cli.opd import create_opd
from warta_cli.second_factor import StackKeyring
from warta_cli.session import login
from warta_cli.stack import SERVICES, service_url, start_services, wait_services_ready

pytestmark = pytest.mark.e2e

EDITOR_PASSWORD = "redaksi-e2e-rahasia"
ADMIN_PASSWORD = "admin-e2e-rahasia-2026"


@pytest.fixture
def stack_settings(settings: Settings) -> Settings:
    ports = {f"{name}_port": infra.free_port() for name in SERVICES}
    return settings.model_copy(update={
        **ports, "smtp_port": infra.free_port(),
        "public_base_url": f"http://127.0.0.1:{ports['ingest_port']}",
        "website_base_url": f"http://127.0.0.1:{ports['publisher_port']}",
    })


@pytest.fixture
def mail_sink(stack_settings: Settings, tmp_path: Path) -> Iterator[MailSink]:
    sink = MailSink(tmp_path / "mail", stack_settings.smtp_port)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def services(stack_settings: Settings, tmp_path: Path) -> Iterator[list[infra.Process]]:
    env = {**os.environ, **settings_env(stack_settings)}
    processes = start_services(stack_settings, tmp_path, env)
    try:
        wait_services_ready(stack_settings, processes)
        yield processes
    finally:
        for process in processes:
            infra.stop(process)


def log_lines(path: Path) -> list[dict[str, object]]:
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


async def test_a_report_walks_from_the_opd_to_the_feed_and_a_journalists_inbox(
    stack_settings: Settings, mail_sink: MailSink, services: list[infra.Process],
    tmp_path: Path,
) -> None:
    keyring = StackKeyring(tmp_path)  # the admin's and the chief editor's TOTP, enrolled here
    endpoints = Endpoints(*(service_url(stack_settings, s) for s in SERVICES))
    # As an operator would: the first admin directly, everything else through the admin APIs.
    await create_first_admin(stack_settings, username="admin", name="Admin",
                             email="admin@diskominfo.example", password=ADMIN_PASSWORD)
    token = (await login(endpoints.editorial, "admin", ADMIN_PASSWORD, keyring)).access_token
    opd_id, api_key = await create_opd(endpoints.ingest, token, code="DISKOMINFO",
                                       name="Dinas Komunikasi dan Informatika",
                                       region="Kota Makassar", timezone="WITA")
    await create_editor(endpoints.editorial, token, username="redaktur", name="Rina",
                        role="chief_editor", password=EDITOR_PASSWORD,
                        email="rina@diskominfo.example")  # claims and approves: a chief editor
    await add_journalist(endpoints.notifier, token, name="Andi", email="andi@media.example",
                         opd_ids=[opd_id])
    # Double opt-in: Andi presses the button behind the link he was mailed.
    async for attempt in stamina.retry_context(on=AssertionError, timeout=60, wait_max=1):
        with attempt:
            assert await confirm_from_mail(endpoints.notifier, mail_sink.messages(),
                                           "andi@media.example")

    journey = await run_journey(endpoints, api_key=api_key,
                                editor=("redaktur", EDITOR_PASSWORD), second_factor=keyring,
                                mailbox=mail_sink.messages,
                                journalist_email="andi@media.example")

    emails = [m for m in mail_sink.messages() if journey.headline in str(m["Subject"])]
    assert len(emails) == 1
    assert emails[0]["List-Unsubscribe"]
    for process in services:
        correlated = [line for line in log_lines(process.log_path)
                      if line.get("correlation_id") == journey.report_id]
        assert correlated, f"{process.name} logged nothing with the report's correlation id"
