"""Two instances of every service behind the front door, a mixed load, and kill -9 of one
instance of each service mid-load: nothing acknowledged is lost and no effect is doubled.

The effects are read back through the services' own APIs (and the mail sink), after the killed
instances were restarted by the supervisor. The figures are printed (docs/reliability.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

from shared.settings import Settings
from tests.e2e import mixed_load as load
from tests.e2e.replicas import Replicas, replicas
from warta_cli.admin import create_first_admin
from warta_cli.journalist import add_journalist, confirm_from_mail
from warta_cli.opd import create_opd
from warta_cli.second_factor import StackKeyring
from warta_cli.session import login

pytestmark = [pytest.mark.e2e, pytest.mark.crash]

SUBMITTERS, REPORTS_EACH = 4, 40
VICTIMS = ("ingest-1", "editorial-2", "publisher-1", "notifier-2")
JOURNALIST = "wartawan.beban@media.example"
PATIENCE = 120.0
# The limit is not under test here (test_replicas.py): keep it out of the figures.
ENV = {"WARTA_INGEST_RATE_PER_SECOND": "1000", "WARTA_INGEST_RATE_BURST": "1000"}


async def test_killing_one_instance_of_each_service_mid_load_loses_and_doubles_nothing(
    settings: Settings, tmp_path: Path,
) -> None:
    with replicas(settings, tmp_path, 2, extra_env=ENV) as stack:
        await create_first_admin(stack.settings, username="admin-beban", name="Admin Beban",
                                 email="admin@warta.example", password="rahasia-beban-123")
        token = (await login(stack.base, "admin-beban", "rahasia-beban-123",
                             StackKeyring(tmp_path))).access_token  # an admin: with TOTP
        opd_id, key = await create_opd(stack.base, token, code="BEBAN", name="Dinas Beban",
                                       region="Kota Makassar", timezone="WITA")
        await add_journalist(stack.base, token, name="Wartawan Beban", email=JOURNALIST,
                             opd_ids=[opd_id])
        async for attempt in stamina.retry_context(on=AssertionError, timeout=60, wait_max=1):
            with attempt:  # double opt-in: the journalist presses the mailed button
                assert await confirm_from_mail(stack.base, stack.sink.messages(), JOURNALIST)
        ledger = load.Ledger()
        figures = await _run(stack, key, token, ledger)
        figures.update(await _effects(stack, token, ledger))
    figures["client_answers"] = dict(sorted(ledger.answers.items()))
    figures["transport_errors"] = dict(ledger.transport_errors)
    print("\nreplicas-kill9 figures:", json.dumps(figures, indent=2))
    (tmp_path / "figures.json").write_text(json.dumps(figures, indent=2))
    assert figures["lost"] == [] and figures["duplicate_articles"] == 0
    assert figures["not_published_once"] == [] and figures["duplicate_emails"] == 0
    assert figures["missing_emails"] == []


async def _run(stack: Replicas, key: str, token: str, ledger: load.Ledger) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        mixed = load.MixedLoad(http, stack.base, key, token, "BEBAN", ledger,
                               milestone=SUBMITTERS * REPORTS_EACH // 3)
        started = time.monotonic()
        submitters = [asyncio.create_task(mixed.submitter(f"c{n}", REPORTS_EACH))
                      for n in range(SUBMITTERS)]
        editor = asyncio.create_task(mixed.editor())
        reader = asyncio.create_task(mixed.reader())
        await mixed.reached.wait()
        killed_at = time.monotonic()
        for victim in VICTIMS:
            os.kill(stack.pid(victim), signal.SIGKILL)
        recovered = await asyncio.gather(*(_ready_again(stack, v, killed_at) for v in VICTIMS))
        await asyncio.gather(*submitters)
        mixed.submitted.set()
        # A lost report never reaches the editor's queue: counted below, instead of a hang.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(editor, PATIENCE)
        mixed.stop.set()
        await reader
    return {"instances": len(stack.instances), "killed": list(VICTIMS),
            "acknowledged": len(ledger.acknowledged), "approved": len(ledger.approved),
            "load_seconds": round(time.monotonic() - started, 1),
            "killed_after_acknowledged": mixed.milestone,
            "seconds_to_ready_again": dict(zip(VICTIMS, recovered, strict=True)),
            "client_retryable_answers": ledger.retryable_answers()}


async def _ready_again(stack: Replicas, name: str, killed_at: float) -> float:
    """Seconds from the kill until the restarted instance answers /readyz itself."""
    url = f"{stack.instance(name).url}/readyz"
    async with httpx.AsyncClient(timeout=2) as http:
        await asyncio.sleep(0.5)  # past the kill, before probing
        while time.monotonic() - killed_at < PATIENCE:
            try:
                if (await http.get(url)).status_code == 200:
                    return round(time.monotonic() - killed_at, 2)
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{name} was not restarted")


async def _effects(stack: Replicas, token: str, ledger: load.Ledger) -> dict[str, Any]:
    """Every acknowledged report is one article, approved ones one publication and one email."""
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.base, timeout=30, headers=auth) as http:
        articles = await _all_articles(http, ledger)
        titles = Counter(a["headline"] for a in articles)
        ids = {a["id"] for a in articles}
        lost = sorted(rid for rid in ledger.acknowledged.values() if rid not in ids)
        deadline = time.monotonic() + PATIENCE
        unpublished = set(ledger.approved)
        while unpublished and time.monotonic() < deadline:
            for article_id in sorted(unpublished):
                answer = await load.call(http, ledger, "check", "GET", "/v1/publications",
                                         params={"article_id": article_id})
                items = answer.json()["items"]
                if len(items) == 1 and items[0]["state"] == "published":
                    unpublished.discard(article_id)
            await asyncio.sleep(0.5)
        emails = await _emails(stack, ledger, deadline)
    return {"lost": lost, "duplicate_articles": sum(n - 1 for n in titles.values()),
            "articles": len(articles), "not_published_once": sorted(unpublished),
            "duplicate_emails": sum(n - 1 for n in emails.values() if n > 1),
            "missing_emails": sorted(t for t in ledger.acknowledged if emails[t] == 0)}


async def _all_articles(http: httpx.AsyncClient, ledger: load.Ledger) -> list[dict[str, Any]]:
    """This OPD's articles, once all acknowledged ones have arrived (or patience ran out)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = (await load.call(http, ledger, "check", "GET", "/v1/articles",
                                    params=params)).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        if set(ledger.acknowledged.values()) <= {a["id"] for a in items} or (
                time.monotonic() > deadline):
            return items
        await asyncio.sleep(1)


async def _emails(stack: Replicas, ledger: load.Ledger, deadline: float) -> Counter[str]:
    """How many press-release emails each acknowledged report's headline got, once the
    counts stop changing (a duplicate would arrive after the original)."""
    counts = _count(stack, ledger)
    while time.monotonic() < deadline:
        if all(counts[t] >= 1 for t in ledger.acknowledged):
            await asyncio.sleep(3)  # quiet period: late duplicates would land now
            if _count(stack, ledger) == counts:
                return counts
        await asyncio.sleep(1)
        counts = _count(stack, ledger)
    return counts


def _count(stack: Replicas, ledger: load.Ledger) -> Counter[str]:
    counts: Counter[str] = Counter()
    for message in stack.sink.messages():
        for title in ledger.acknowledged:
            if title in str(message["Subject"]) and JOURNALIST in str(message["To"]):
                counts[title] += 1
    return counts
