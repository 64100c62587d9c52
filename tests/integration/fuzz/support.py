"""The fuzzed stack: every service as its own process, real accounts, an OPD, one Schemathesis run.

Accounts are real: the first admin by the bootstrap (`warta admin create`'s path), the editor and
the chief editor through editorial's admin API, every token from editorial's login. The other
services learn the accounts from editorial's events, so each token is tried there before use.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from services.editorial.account_handlers import NewAccount, bootstrap_admin
from services.editorial.account_repository import AccountRepository
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.accounts import sign_in
from tests.conftest import settings_env
from warta_cli import infra
from warta_cli.instances import SERVICES
from warta_cli.stack import start_services, wait_services_ready

CHECKS = ("not_a_server_error,status_code_conformance,response_schema_conformance,"
          "content_type_conformance")
MAX_EXAMPLES = 10  # per operation and phase: the 20 runs stay within a few minutes on 2 cores
SEED = 20261201
PASSWORD = "fuzz-password-" + "p" * 12
ROLES = ("editor", "chief_editor", "admin")
# A route each service guards with the lowest role: a token works there once the account is known.
PROBES = {"ingest": "/v1/admin/opds", "editorial": "/v1/articles",
          "publisher": "/v1/publications", "notifier": "/v1/deliveries"}


@dataclass(frozen=True)
class Stack:
    urls: dict[str, str]
    headers: dict[str, list[str]]  # caller -> the headers it sends
    home: Path


def stack_settings(settings: Settings) -> Settings:
    ports = {f"{name}_port": infra.free_port() for name in SERVICES}
    return settings.model_copy(update={
        **ports, "public_base_url": f"http://127.0.0.1:{ports['ingest_port']}"})


@contextlib.contextmanager
def running_stack(settings: Settings, home: Path) -> Iterator[Stack]:
    settings = stack_settings(settings)
    # A generous OPD rate: the fuzzer should exercise the handlers rather than the limiter.
    env = {**os.environ, **settings_env(settings), "WARTA_INGEST_RATE_PER_SECOND": "10000",
           "WARTA_INGEST_RATE_BURST": "10000"}
    processes = start_services(settings, home, env)
    try:
        wait_services_ready(settings, processes)
        urls = {p.name: f"http://127.0.0.1:{settings.port_of(p.name)}" for p in processes}
        tokens = asyncio.run(_accounts(settings, urls["editorial"]))
        for service, url in urls.items():
            for token in tokens.values():
                _wait_until_known(f"{url}{PROBES[service]}", token)
        key = _opd_key(urls["ingest"], tokens["admin"])
        _an_article(urls, key, tokens["editor"])
        headers = {"none": [], "opd": [f"Authorization: Bearer {key}"],
                   **{role: [f"Authorization: Bearer {tokens[role]}"] for role in ROLES}}
        yield Stack(urls, headers, home)
    finally:
        for process in processes:
            infra.stop(process)


async def _accounts(settings: Settings, editorial: str) -> dict[str, str]:
    mongo = MongoHandle(settings, "editorial")
    try:
        repository = AccountRepository(mongo.db)
        await repository.ensure_indexes()
        await bootstrap_admin(repository, NewAccount(
            "fuzz-admin", "Admin Fuzz", "admin@fuzz.example", "admin", PASSWORD))
    finally:
        mongo.close()
    async with httpx.AsyncClient(base_url=editorial, timeout=30) as client:
        tokens = {"admin": await _login(client, "fuzz-admin")}
        for role in ("editor", "chief_editor"):
            created = await client.post(
                "/v1/admin/accounts", headers=_bearer(tokens["admin"]),
                json={"username": f"fuzz-{role}", "name": f"Fuzz {role}", "role": role,
                      "email": f"{role}@fuzz.example", "password": PASSWORD})
            assert created.status_code == 201, created.text
            tokens[role] = await _login(client, f"fuzz-{role}")
    return tokens


async def _login(client: httpx.AsyncClient, username: str) -> str:
    """Admins and chief editors add the second factor (tests.accounts.sign_in)."""
    token: str = (await sign_in(client, username, PASSWORD))["access_token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _wait_until_known(url: str, token: str, patience: float = 30.0) -> None:
    """A 401 means the service has not had the account's event yet; anything else: it has."""
    deadline = time.monotonic() + patience
    while True:
        answer = httpx.get(url, headers=_bearer(token), timeout=10)
        if answer.status_code != 401:
            return
        assert time.monotonic() < deadline, f"{url} never knew the account: {answer.text}"
        time.sleep(0.2)


def _opd_key(ingest: str, admin_token: str) -> str:
    answer = httpx.post(f"{ingest}/v1/admin/opds", headers=_bearer(admin_token), timeout=30,
                        json={"code": "FUZZ-OPD", "name": "Dinas Uji Acak", "timezone": "WITA",
                              "region": "Kota Makassar", "email": "humas@fuzz.example"})
    assert answer.status_code == 201, answer.text
    key: str = answer.json()["api_key"]
    return key


def _an_article(urls: dict[str, str], key: str, editor_token: str, patience: float = 30.0
                ) -> None:
    """One report, until editorial lists its article: the fuzzer then finds some data."""
    answer = httpx.post(f"{urls['ingest']}/v1/reports", headers=_bearer(key), timeout=30, json={
        "title": "Vaksinasi massal di Kecamatan Tamalate", "body": "<p>500 warga divaksin.</p>",
        "activity_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "location": "Puskesmas Tamalate", "category": "kesehatan", "tags": ["vaksin"]})
    assert answer.status_code == 201, answer.text
    deadline = time.monotonic() + patience
    while not httpx.get(f"{urls['editorial']}/v1/articles", headers=_bearer(editor_token),
                        timeout=10).json()["items"]:
        assert time.monotonic() < deadline, "editorial never had the report's article"
        time.sleep(0.2)


def schemathesis(stack: Stack, service: str, caller: str) -> subprocess.CompletedProcess[str]:
    """One bounded Schemathesis run of every operation of `service`, as `caller`."""
    base_url = stack.urls[service]
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json",
               "--url", base_url, "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
               "--seed", str(SEED), "--workers", "1", "--no-color",
               "--report", "junit", "--report-dir", str(stack.home / "report" / service / caller)]
    for header in stack.headers[caller]:
        command += ["--header", header]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
