"""The desk's further decisions in Debian's chromium at 360 px, through the front door: a chief
editor rejects with a reason and schedules for a WIB time; an editor's edit shows in the versions
and the diff; a published article shows its publications per channel (link, error, retry), is
corrected, and is taken down after a confirmation page. Each page and refusal passes axe-core."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.accounts import create_editor
from tests.e2e.console.browsing import check_page, second_factor, sign_in
from tests.e2e.console.stack import EDITOR, PASSWORD, ConsoleStack

pytestmark = pytest.mark.e2e
T = TypeVar("T")
PATIENCE = 60.0


def off_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Playwright's sync API keeps an event loop running in this thread: asyncio.run elsewhere."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def new_chief(stack: ConsoleStack) -> str:
    """A chief editor of this test alone: a fresh TOTP enrolment, whatever ran before."""
    username = f"pelaksana-{uuid.uuid4().hex[:8]}"
    assert off_loop(create_editor(stack.settings, username=username, name="Pelaksana Uji",
                                  role="chief_editor", password=PASSWORD))
    return username


def chief_signs_in(page: Page, stack: ConsoleStack, username: str) -> None:
    sign_in(page, stack.base, username)
    expect(page).to_have_url(re.compile(r"/console/verifikasi$"))
    second_factor(page)
    expect(page).to_have_url(re.compile(r"/console/antrean$"))


def api(stack: ConsoleStack, who: str, role: str) -> httpx.Client:
    return httpx.Client(base_url=stack.base, timeout=15, headers={
        "Authorization": f"Bearer {stack.token(who, role)}"})


def until(probe: Any, what: str) -> Any:
    deadline = time.monotonic() + PATIENCE
    while not (found := probe()):
        assert time.monotonic() < deadline, f"{what}: not within {PATIENCE} s"
        time.sleep(0.3)
    return found


def test_a_chief_editor_rejects_with_a_reason_and_the_queue_shows_ditolak(
    stack: ConsoleStack, phone: Page,
) -> None:
    article_id = stack.submit_report("Kerja bakti kanal di Panakkukang")
    chief_signs_in(phone, stack, new_chief(stack))
    phone.goto(f"{stack.base}/console/artikel/{article_id}")
    form = phone.locator("#reject-form")
    form.get_by_role("button", name="Tolak").click()  # no reason: refused beside the box
    expect(phone.locator("#reject_reason-act-error")).to_have_text("Tulis alasan penolakan.")
    expect(phone.get_by_label("Alasan penolakan (dikirim ke OPD)")).to_have_attribute(
        "aria-invalid", "true")
    check_page(phone)
    phone.get_by_label("Alasan penolakan (dikirim ke OPD)").fill(
        "Kegiatan ini sudah diberitakan pekan lalu.")
    phone.locator("#reject-form").get_by_role("button", name="Tolak").click()
    expect(phone.get_by_role("status")).to_have_text("Naskah ditolak; OPD menerima alasannya.")
    expect(phone.locator(".badges .badge").first).to_have_text("Ditolak")
    expect(phone.locator("#reject-form")).to_have_count(0)  # nothing left to reject
    phone.goto(f"{stack.base}/console/antrean")
    phone.get_by_label("Status").select_option(label="Ditolak")  # the queue filters by it
    phone.get_by_role("button", name="Saring").click()
    expect(phone).to_have_url(f"{stack.base}/console/antrean?status=rejected&ready=")
    entry = phone.locator("li.card").filter(
        has=phone.locator(f'a[href="/console/artikel/{article_id}"]'))
    expect(entry.locator(".badge").first).to_have_text("Ditolak")
    check_page(phone)


def test_a_chief_editor_schedules_for_a_local_time_shown_in_wib(
    stack: ConsoleStack, phone: Page,
) -> None:
    article_id = stack.submit_report("Pasar murah di Tallo")
    chief_signs_in(phone, stack, new_chief(stack))
    phone.goto(f"{stack.base}/console/artikel/{article_id}")
    phone.get_by_role("button", name="Klaim artikel ini").click()
    expect(phone.get_by_role("status")).to_have_text("Artikel Anda klaim.")
    check_page(phone)
    jakarta = datetime.now(ZoneInfo("Asia/Jakarta"))
    phone.get_by_label("Umpan RSS (jadwal)").check()
    phone.get_by_label("Tanggal terbit").fill((jakarta - timedelta(days=1)).date().isoformat())
    phone.get_by_label("Jam terbit").fill("09:00")
    phone.get_by_label("Zona waktu").select_option("WIB")
    phone.get_by_role("button", name="Jadwalkan").click()  # yesterday: refused, nothing sent
    expect(phone.locator("#publish_date-act-error")).to_contain_text("sudah lewat")
    check_page(phone)
    tomorrow = (jakarta + timedelta(days=1)).date()
    phone.get_by_label("Tanggal terbit").fill(tomorrow.isoformat())
    phone.get_by_label("Jam terbit").fill("09:00")
    phone.get_by_label("Zona waktu").select_option("WIB")
    phone.get_by_role("button", name="Jadwalkan").click()
    expect(phone.get_by_role("status")).to_have_text("Artikel dijadwalkan terbit.")
    expect(phone.locator(".badges .badge").first).to_have_text("Terjadwal")
    day = f"{tomorrow.day} {MONTHS[tomorrow.month - 1]} {tomorrow.year}"
    expect(phone.locator("#schedule strong")).to_have_text(f"{day} 09:00 WIB")
    expect(phone.locator("#schedule")).to_contain_text("10:00 WITA")
    expect(phone.get_by_role("button", name="Ubah jadwal")).to_be_visible()
    check_page(phone)
    with api(stack, EDITOR, "editor") as client:
        scheduled = client.get(f"/v1/articles/{article_id}").json()
    assert scheduled["status"] == "scheduled" and scheduled["channels"] == ["feed"]
    publish_at = datetime.fromisoformat(scheduled["publish_at"])
    assert publish_at.astimezone(ZoneInfo("Asia/Jakarta")).hour == 9


MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")


def test_the_versions_list_shows_an_edit_and_the_diff_its_changed_words(
    stack: ConsoleStack, phone: Page,
) -> None:
    article_id = stack.submit_report("Vaksinasi anak sekolah di Tamalate")
    sign_in(phone, stack.base, EDITOR)
    expect(phone).to_have_url(re.compile(r"/console/antrean$"))
    phone.goto(f"{stack.base}/console/artikel/{article_id}")
    phone.get_by_role("button", name="Klaim artikel ini").click()
    expect(phone.get_by_role("status")).to_have_text("Artikel Anda klaim.")
    expect(phone.locator("#more-decisions")).to_have_count(0)  # an editor decides none of these
    phone.get_by_label("Judul").fill("Vaksinasi anak sekolah di Rappocini")
    phone.get_by_role("button", name="Simpan perubahan").click()
    expect(phone.get_by_role("status")).to_have_text("Perubahan tersimpan.")
    phone.get_by_role("link", name="Versi dan perbandingan").click()
    expect(phone.get_by_role("heading", name="Versi 2 (sekarang)")).to_be_visible()
    expect(phone.locator("ol.versions li").first).to_contain_text(f"oleh {EDITOR}")
    check_page(phone)
    phone.get_by_role("link", name="Lihat perubahan dari versi 1").click()
    expect(phone.get_by_role("heading", name="Perubahan versi 1 ke 2")).to_be_visible()
    headline = phone.locator("section.diff").filter(has=phone.get_by_role("heading",
                                                                          name="Judul"))
    expect(headline.locator("del")).to_have_text("dihapus: Tamalate")
    expect(headline.locator("ins")).to_have_text("ditambahkan: Rappocini")
    check_page(phone)


def published(stack: ConsoleStack, chief: str) -> str:
    """An article approved for the feed (ours, always on) and X (no credentials in this stack),
    once editorial has it published; the chief editor reaches the publisher too."""
    article_id = stack.submit_report("Lomba perahu tradisional di Losari")
    with api(stack, chief, "chief_editor") as client:
        assert client.post(f"/v1/articles/{article_id}/claim").status_code == 200
        approved = client.post(f"/v1/articles/{article_id}/approve",
                               json={"channels": ["feed", "x"]})
        assert approved.status_code == 200, approved.text
        until(lambda: client.get(f"/v1/articles/{article_id}").json()["status"] == "published",
              "the article published")
        until(lambda: client.get("/v1/publications", params={
            "article_id": article_id}).status_code == 200, "the account reaching the publisher")
    return article_id


def test_a_published_article_shows_its_publications_is_corrected_and_taken_down(
    stack: ConsoleStack, phone: Page,
) -> None:
    chief = new_chief(stack)
    article_id = published(stack, chief)
    chief_signs_in(phone, stack, chief)
    phone.goto(f"{stack.base}/console/artikel/{article_id}")
    phone.get_by_role("link", name="Publikasi per kanal").click()
    feed, x = phone.locator("#publication-feed"), phone.locator("#publication-x")
    expect(feed.locator(".badge")).to_have_text("Terbit")
    expect(feed.locator(f'a[href$="/berita/{article_id}"]')).to_have_text(re.compile(
        f"/berita/{article_id}$"))
    expect(x.locator(".badge").first).to_have_text("Gagal, berhenti mencoba")
    expect(x.locator(".error")).to_contain_text("Galat:")
    expect(feed.get_by_role("button")).to_have_count(0)  # only a failed one can be retried
    check_page(phone)
    x.get_by_role("button", name="Kirim ulang ke X").click()
    expect(phone.get_by_role("status")).to_contain_text("Publikasi dikirim ulang")
    check_page(phone)

    phone.get_by_role("link", name="← Kembali ke artikel").click()
    phone.get_by_role("link", name="Koreksi artikel yang sudah terbit").click()
    expect(phone.get_by_role("heading", name="Koreksi artikel")).to_be_visible()
    check_page(phone)
    phone.get_by_label("Judul").fill("Lomba perahu tradisional di Pantai Losari")
    phone.get_by_label("Catatan koreksi untuk pembaca").fill("Nama lokasi diperjelas.")
    phone.get_by_role("button", name="Terbitkan koreksi").click()
    expect(phone.get_by_role("status")).to_have_text("Koreksi diterbitkan.")
    expect(phone.locator(".badges .badge").first).to_have_text("Dikoreksi")

    phone.get_by_label("Alasan penurunan").fill("Permintaan OPD: data peserta keliru.")
    phone.get_by_role("button", name="Turunkan…").click()
    expect(phone.get_by_role("heading", name="Turunkan artikel ini?")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("Permintaan OPD: data peserta keliru.")
    check_page(phone)
    with api(stack, chief, "chief_editor") as client:  # the confirmation page sent nothing
        assert client.get(f"/v1/articles/{article_id}").json()["status"] == "corrected"
    phone.get_by_role("button", name="Ya, turunkan sekarang").click()
    expect(phone.get_by_role("status")).to_have_text("Artikel diturunkan.")
    expect(phone.locator(".badges .badge").first).to_have_text("Diturunkan")
    check_page(phone)
    phone.get_by_role("link", name="Publikasi per kanal").click()

    def feed_withdrawn() -> bool:  # the publisher hears of it over Kafka: reload until then
        phone.reload()
        return phone.locator("#publication-feed .badge").first.inner_text() == "Diturunkan"
    until(feed_withdrawn, "the feed item taken down")
    check_page(phone)
