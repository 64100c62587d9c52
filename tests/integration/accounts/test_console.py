"""The `warta` command changes other services' data only through their admin APIs."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.editorial.main import create_app as editorial_app
from services.ingest.main import create_app as ingest_app
from services.notifier.main import create_app as notifier_app
from shared import topics
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.accounts import SECRETS, fresh_code, sign_in
from tests.conftest import settings_env
from tests.probes import envelopes_in, read_topic
from tests.serving import served
from warta_cli import infra
from warta_cli.admin import create_first_admin
from warta_cli.commands import CommandError
from warta_cli.main import main

PASSWORD = "kata-sandi-rahasia-2026"
KEY = re.compile(r"wrt_[0-9a-f]+_\S+")


@pytest.fixture
def stack(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[Settings]:
    """Editorial, ingest and the notifier on real ports; the command's environment points there."""
    ports = {f"{name}_port": infra.free_port() for name in ("editorial", "ingest", "notifier")}
    served_settings = settings.model_copy(update=ports)
    asyncio.run(ensure_topics(settings.kafka_bootstrap))
    for name, value in settings_env(served_settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WARTA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WARTA_ADMIN_USERNAME", raising=False)
    with served(editorial_app(served_settings), ports["editorial_port"]), \
            served(ingest_app(served_settings), ports["ingest_port"]), \
            served(notifier_app(served_settings), ports["notifier_port"]):
        yield served_settings


async def enrolled(stack: Settings, username: str) -> str:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.editorial_port}") as client:
        await sign_in(client, username, PASSWORD)
    return SECRETS[username]


def test_the_console_bootstraps_logs_in_and_administers_through_the_apis(
    stack: Settings, capsys: pytest.CaptureFixture[str],
) -> None:
    admin = f"kepala-{uuid.uuid4().hex[:6]}"
    assert main(["opd", "list"]) == 2  # not logged in yet
    assert main(["admin", "create", "--username", admin, "--name", "Kepala", "--email",
                 f"{admin}@diskominfo.example", "--password", PASSWORD]) == 0
    assert main(["admin", "create", "--username", "kedua", "--name", "Kedua", "--email",
                 "kedua@diskominfo.example", "--password", PASSWORD]) == 2  # only the first
    # An admin: its TOTP enrolled through the API here, then the code given to `--otp`.
    secret = asyncio.run(enrolled(stack, admin))
    otp = asyncio.run(fresh_code(secret))
    assert main(["login", "--username", admin, "--password", PASSWORD, "--otp", "000000"]) == 2
    assert main(["login", "--username", admin, "--password", PASSWORD, "--otp", otp]) == 0
    assert main(["opd", "create", "--code", "DISHUB", "--name", "Dinas Perhubungan",
                 "--region", "Kota Makassar", "--timezone", "WITA"]) == 0
    assert main(["opd", "create", "--code", "DINKES", "--name", "Dinas Kesehatan",
                 "--region", "Kota Makassar", "--timezone", "WITA"]) == 0
    assert main(["opd", "create", "--code", "bad code", "--name", "X", "--region", "Y",
                 "--timezone", "UTC"]) == 2  # ingest's validation, in its words
    assert main(["opd", "rotate-key", "DISHUB"]) == 0
    out, err = capsys.readouterr()
    assert len(KEY.findall(out)) == 3 and "code" in err and "timezone" in err

    assert main(["opd", "keys", "DISHUB"]) == 0
    key_ids = re.findall(r"^([0-9a-f]{12})  active", capsys.readouterr().out, re.MULTILINE)
    assert len(key_ids) == 2
    assert main(["opd", "revoke-key", "DISHUB", key_ids[0]]) == 0
    assert main(["opd", "keys", "DISHUB"]) == 0
    assert "revoked" in capsys.readouterr().out

    assert main(["editor", "create", "--username", "redaktur5", "--name", "Rina", "--email",
                 "rina@diskominfo.example", "--role", "chief_editor", "--password",
                 PASSWORD]) == 0
    assert main(["editor", "create", "--username", "redaktur5", "--name", "Rina", "--email",
                 "rina@diskominfo.example", "--password", PASSWORD]) == 2
    assert main(["editor", "disable", "redaktur5", "--reason", "Cuti panjang"]) == 0
    assert main(["editor", "list"]) == 0
    out, err = capsys.readouterr()
    assert "already exists" in err
    assert re.search(r"redaktur5\s+disabled chief_editor", out)
    assert main(["editor", "reset-totp", admin]) == 0  # its next login enrols again
    assert main(["editor", "reset-totp", "tidak-ada"]) == 2

    assert main(["journalist", "add", "--name", "Andi", "--email", "Andi@Media.example",
                 "--opd", "dishub", "--opd", "DINKES", "--category", "Kesehatan"]) == 0
    assert main(["journalist", "add", "--name", "B", "--email", "b@media.example",
                 "--opd", "TIDAKADA"]) == 2  # an unknown OPD code is refused, not stored
    assert main(["journalist", "add", "--name", "Andi", "--email", "andi@media.example"]) == 2
    assert main(["journalist", "add", "--name", "X", "--email", "bukan-email"]) == 2
    assert main(["journalist", "list"]) == 0
    out, err = capsys.readouterr()
    assert "already exists" in err and "email" in err
    assert "andi@media.example" in out and "[kesehatan]" in out
    assert "no OPD with code or id 'TIDAKADA'" in err


async def test_bootstrap_publishes_the_first_admin_and_refuses_a_second(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    first = f"kepala-{uuid.uuid4().hex[:6]}"
    published = await create_first_admin(settings, username=first, name="Kepala",
                                         email=f"{first}@diskominfo.example", password=PASSWORD)
    assert published
    with pytest.raises(CommandError, match="exists already"):
        await create_first_admin(settings, username="lain", name="Lain",
                                 email="lain@diskominfo.example", password=PASSWORD)
    with pytest.raises(CommandError, match="password"):
        await create_first_admin(settings, username="pendek", name="P",
                                 email="p@diskominfo.example", password="pendek")
    records = await read_topic(settings.kafka_bootstrap, topics.ACCOUNTS, 10_000, 8)
    created = [e for e in envelopes_in(records) if e["subject"] == first]
    assert [(e["type"], e["data"]["role"], e["data"]["active"]) for e in created] == [
        ("account.created", "admin", True)]
