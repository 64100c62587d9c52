"""The whole journey through the console in Debian's chromium at 360 px, on the real stack: a
pranata humas submits a report with two photos; an editor claims it, edits the headline and sets
the X text; the chief editor (TOTP) approves it for the website, X and Telegram; it appears on a
real WordPress (and the X and Telegram contract servers); the OPD sees it "Terbit" with links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from services.console.web import STATUS_LABELS
from tests.e2e.console.browsing import check_page, sign_in
from tests.e2e.console.conftest import PATIENCE_MS, PHONE
from tests.e2e.console.journey_support import (
    Outside,
    article_of_report,
    channels_set,
    publications,
    telegram_messages,
    tweets,
    until,
    wordpress_photos,
    wordpress_post,
)
from tests.e2e.console.stack import EDITOR, ConsoleStack
from tests.e2e.console.test_article_actions import chief_signs_in, new_chief
from tests.e2e.console.test_opd_reports import fill_report, opd_sign_in, photo
from warta_cli.wordpress import WordPress

pytestmark = pytest.mark.e2e

TITLE = "Imunisasi campak serentak di Mariso"
HEADLINE = "Imunisasi campak menjangkau 450 anak di Mariso"
X_TEXT = "Imunisasi campak serentak menjangkau 450 anak di Mariso. #Makassar"
PHOTOS = (("Petugas menyuntik seorang anak", "Humas Diskes"),
          ("Antrean orang tua di posyandu", "Rina, Diskes"))


def opd_submits(page: Page, stack: ConsoleStack, photos: list[Path]) -> str:
    """Through the OPD's sign-in and report form; the report's id."""
    stack.opd_user("humas.jalur")
    opd_sign_in(page, stack, "humas.jalur")
    expect(page).to_have_url(re.compile(r"/console/opd/laporan$"))
    page.get_by_role("link", name="Tulis laporan baru").click()
    fill_report(page, TITLE)
    page.get_by_label("Tambah foto dari kamera atau galeri").set_input_files(photos)
    expect(page.get_by_text("Terunggah.")).to_have_count(2)
    for number, (caption, credit) in enumerate(PHOTOS, start=1):
        page.get_by_label(f"Keterangan foto {number}").fill(caption)
        page.get_by_label(f"Kredit foto {number}").fill(credit)
    check_page(page)
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page).to_have_url(re.compile(r"/console/opd/laporan/[^/?]+\?ok=terkirim$"))
    expect(page.locator("#report-status")).to_have_text(STATUS_LABELS["submitted"])
    check_page(page)
    found = re.search(r"/opd/laporan/([^/?]+)\?", page.url)
    assert found is not None
    return found.group(1)


def editor_edits(page: Page, stack: ConsoleStack, article_id: str) -> None:
    sign_in(page, stack.base, EDITOR)
    expect(page).to_have_url(re.compile(r"/console/antrean$"))
    page.get_by_label("Status").select_option("submitted")
    page.get_by_role("button", name="Saring").click()
    page.get_by_role("link", name=TITLE).and_(
        page.locator(f'a[href="/console/artikel/{article_id}"]')).click()
    expect(page).to_have_url(re.compile(f"/console/artikel/{article_id}$"))
    page.get_by_role("button", name="Klaim artikel ini").click()
    expect(page.get_by_role("status")).to_have_text("Artikel Anda klaim.")
    page.get_by_label("Judul").fill(HEADLINE)
    page.get_by_label("Teks X").fill(X_TEXT)
    expect(page.locator("#counter-x")).to_contain_text(f"{len(X_TEXT)} / 280 karakter")
    page.get_by_role("button", name="Simpan perubahan").click()
    expect(page.get_by_role("status")).to_have_text("Perubahan tersimpan.")
    check_page(page)
    page.get_by_role("button", name="Tandai siap disetujui").click()
    expect(page.get_by_role("status")).to_have_text("Ditandai siap disetujui.")


def chief_approves(page: Page, stack: ConsoleStack, article_id: str) -> None:
    chief_signs_in(page, stack, new_chief(stack))
    page.get_by_label("Siap disetujui").select_option("true")
    page.get_by_role("button", name="Saring").click()
    page.get_by_role("link", name=HEADLINE).and_(
        page.locator(f'a[href="/console/artikel/{article_id}"]')).click()
    check_page(page)
    for name in ("Situs web", "X", "Telegram"):
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Setujui", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Artikel disetujui.")
    page.get_by_role("link", name="Publikasi per kanal").click()

    def all_posted() -> bool:  # the publisher hears of it over Kafka: reload until then
        page.reload()
        badges = [page.locator(f"#publication-{c} .badge").first for c in ("website", "x",
                                                                             "telegram")]
        return all(b.count() and b.inner_text() == "Terbit" for b in badges)
    until(all_posted, "the website, X and Telegram publications shown as Terbit")
    check_page(page)


def opd_sees_it_published(page: Page, stack: ConsoleStack, report_id: str, post_link: str
                          ) -> list[str]:
    """The OPD's report page once it shows "Terbit"; the links it lists."""
    page.goto(f"{stack.base}/console/opd/laporan")
    page.locator(f'a[href$="/opd/laporan/{report_id}"]').click()

    def published() -> bool:  # ingest hears of each publication over Kafka
        page.reload()
        return (page.locator("#report-status").inner_text() == STATUS_LABELS["published"]
                and page.locator(f'a[href="{post_link}"]').count() == 1
                and page.locator("#pub-title + ul a").count() >= 3)
    until(published, "the OPD's report shown as Terbit with its links")
    expect(page.locator("#pub-title")).to_be_visible()
    check_page(page)
    links: list[str] = page.locator("#pub-title + ul a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    page.locator(f'a[href="{post_link}"]').click()  # to the office's own website, as a reader
    expect(page).to_have_url(post_link)
    expect(page.locator("body")).to_contain_text(HEADLINE)
    return links


@pytest.fixture
def outside(stack: ConsoleStack, wordpress: WordPress, sandboxes: dict[str, str]
            ) -> Iterator[Outside]:
    with channels_set(stack, wordpress, sandboxes) as configured:
        yield configured


def test_a_report_goes_from_the_field_to_the_website_x_and_telegram_through_the_console(
    stack: ConsoleStack, phone: Page, browser: Browser, outside: Outside, tmp_path: Path,
) -> None:
    photos = [photo(tmp_path / "a.jpg", (200, 60, 40)), photo(tmp_path / "b.jpg", (40, 90, 200))]
    report_id = opd_submits(phone, stack, photos)  # the OPD's session stays open till step 5
    article_id = article_of_report(stack, report_id, TITLE)
    for actor in (editor_edits, chief_approves):
        context = browser.new_context(viewport=PHONE, locale="id-ID")
        context.set_default_timeout(PATIENCE_MS)
        try:
            actor(context.new_page(), stack, article_id)
        finally:
            context.close()
    post = until(lambda: wordpress_post(outside.site, article_id), "the WordPress post")
    links = opd_sees_it_published(phone, stack, report_id, str(post["link"]))
    posted = publications(stack, article_id)
    assert {posted[c]["url"] for c in ("website", "x", "telegram")} <= set(links)
    assert posted["website"]["url"] == post["link"]
    what_went_out(outside, post)


def what_went_out(outside: Outside, post: dict[str, Any]) -> None:
    """Each channel got this article as the editor left it, with both photos."""
    assert post["title"]["raw"] == HEADLINE and post["status"] == "publish"
    photos = wordpress_photos(outside.site, post)
    assert [p["caption"]["raw"] for p in photos] == [
        f"{caption} (Foto: {credit})" for caption, credit in PHOTOS]
    assert all(p["mime_type"] == "image/jpeg" for p in photos)
    # Only this article's posts: another test's failed X post may be retried onto this account
    # while it is configured.
    [tweet] = [t for t in tweets(outside) if X_TEXT in t["original_text"]]
    assert len(tweet["media_ids"]) == 2
    messages = telegram_messages(outside)
    [first] = [m for m in messages if HEADLINE in str(m.get("caption"))]
    album = [m for m in messages if m.get("media_group_id") == first["media_group_id"]]
    assert first["media_group_id"] and len(album) == 2 and all("photo" in m for m in album)
