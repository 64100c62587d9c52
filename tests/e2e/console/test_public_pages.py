"""The notifier's public pages, as a journalist opens them through the front door in chromium
at 360 px: sign-up, preferences (changed and saved through the form), RSVP and unsubscribe.
Each passes axe-core's WCAG A/AA rules and scrolls only downwards (`check_page`)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Page, expect

from services.notifier import domain
from services.notifier.rsvp_api import rsvp_link
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.e2e.console.browsing import check_page
from tests.e2e.console.stack import ADMIN, ConsoleStack
from tests.integration.notifier.conftest import approved
from tests.probes import publish

T = TypeVar("T")


def off_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine to its end in a thread of its own: Playwright's sync API keeps an
    event loop running in this one, so asyncio.run here is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _journalist(settings: Settings, journalist_id: str) -> dict[str, object] | None:
    async def read() -> dict[str, object] | None:
        mongo = MongoHandle(settings, "notifier")
        try:
            found: dict[str, object] | None = await mongo.db["journalists"].find_one(
                {"_id": journalist_id})
            return found
        finally:
            mongo.close()
    return off_loop(read())


def _invited(settings: Settings, article_id: str) -> bool:
    async def read() -> bool:
        mongo = MongoHandle(settings, "notifier")
        try:
            return await mongo.db["articles"].find_one({"_id": article_id}) is not None
        finally:
            mongo.close()
    return off_loop(read())


def _until(probe: Callable[[], bool], what: str, patience: float = 60.0) -> None:
    deadline = time.monotonic() + patience
    while not probe():
        assert time.monotonic() < deadline, f"{what}: not within {patience} s"
        time.sleep(0.3)


def test_the_notifiers_public_pages_pass_axe_and_the_preferences_form_saves(
    stack: ConsoleStack, phone: Page,
) -> None:
    base, settings = stack.base, stack.settings
    admin = {"Authorization": f"Bearer {stack.token(ADMIN, 'admin')}"}
    email = f"nadia-{uuid.uuid4().hex[:8]}@media.example"
    added = httpx.post(f"{base}/v1/journalists", headers=admin, timeout=15,
                       json={"name": "Nadia Putri", "email": email})
    assert added.status_code == 201, added.text
    journalist_id = added.json()["id"]

    phone.goto(f"{base}/v1/signup")
    expect(phone.get_by_role("heading", name="Pendaftaran wartawan mitra")).to_be_visible()
    check_page(phone)

    link = httpx.post(f"{base}/v1/journalists/{journalist_id}/preferences-link",
                      headers=admin, timeout=15).json()["link"]
    assert "/preferensi/" in link
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Pengaturan langganan")).to_be_visible()
    check_page(phone)
    phone.get_by_label("Ringkasan harian (email)", exact=True).check()
    phone.get_by_label("Jam ringkasan", exact=True).select_option("18")
    phone.get_by_label("Kategori (pisahkan dengan koma, contoh: kesehatan, pendidikan)").fill(
        "kesehatan, Pendidikan")
    phone.get_by_label("Telegram", exact=True).uncheck()
    phone.get_by_role("button", name="Simpan pengaturan").click()
    expect(phone.get_by_text("Pengaturan tersimpan.")).to_be_visible()
    check_page(phone)
    token = link.rsplit("/", 1)[1]
    saved = httpx.get(f"{base}/v1/preferences/{token}", timeout=15).json()
    assert saved["delivery"]["mode"] == "daily" and saved["delivery"]["hour"] == 18
    assert saved["categories"] == ["kesehatan", "pendidikan"]
    assert saved["channels"]["telegram"] is False and saved["channels"]["email"] is True

    article_id = str(uuid.uuid4())
    off_loop(publish(settings, approved(article_id, invitation_in=timedelta(days=3))))
    _until(lambda: _invited(settings, article_id), "the invitation reaching the notifier")
    rsvp = rsvp_link(settings, journalist_id, article_id, "hadir")
    phone.goto(rsvp)
    expect(phone.get_by_role("button", name="Hadir", exact=True)).to_be_visible()
    check_page(phone)
    phone.get_by_role("button", name="Hadir", exact=True).click()
    expect(phone.get_by_text("telah dicatat")).to_be_visible()
    check_page(phone)

    person = _journalist(settings, journalist_id)
    assert person is not None
    secret = settings.unsubscribe_keys()[0]
    unsubscribe = domain.unsubscribe_token(secret, journalist_id, str(person["token_nonce"]))
    phone.goto(f"{base}/unsubscribe/{unsubscribe}")
    check_page(phone)
