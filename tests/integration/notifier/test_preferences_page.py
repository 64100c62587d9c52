"""The self-service preferences page: every journalist's email links to it (it linked nowhere:
the preferences API was reachable only with a link an admin asked for, and answered JSON), and
its form saves what `PUT /v1/preferences/{token}` saves, refusing bad input in Indonesian."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx

from services.notifier.main import create_app
from shared import topics
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add_active,
    approved,
    auth,
    mail_about,
    new_article_id,
    published,
)
from tests.integration.notifier.signup_steps import text_of
from tests.integration.notifier.test_own_users import emit
from tests.integration.notifier.test_preferences import BANDUNG, opd_registered
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def page_path(client: httpx.AsyncClient, settings: Settings, journalist: str) -> str:
    answer = await client.post(f"/v1/journalists/{journalist}/preferences-link",
                               headers=auth(settings, "admin"))
    assert answer.status_code == 200, answer.text
    path = str(answer.json()["link"]).removeprefix(settings.public_base_url.rstrip("/"))
    assert path.startswith("/preferensi/"), path
    return path


async def test_the_form_saves_the_choices_and_refuses_bad_input_without_saving(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    journalist = await add_active(settings, "Dewi", f"dewi-{new_article_id()[:8]}@media.example")
    async with running(create_app(settings)) as client:
        await emit(settings, (topics.OPDS, opd_registered(BANDUNG)))
        path = await page_path(client, settings, journalist)
        api = path.replace("/preferensi/", "/v1/preferences/")

        async def offered() -> str | None:
            page = await client.get(path)
            return page.text if BANDUNG.name in page.text else None
        shown = await eventually(offered, "the known OPD offered on the page")
        page = await client.get(path)
        assert page.status_code == 200 and "Dewi" in shown
        assert "<script" not in shown and "style=" not in shown and "<style" not in shown
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert re.search(rf'name="opd_ids" value="{BANDUNG.id}"', shown)

        choices = [("opd_ids", BANDUNG.id), ("regions", "Kota Bandung"),
                   ("categories", "kesehatan, Pendidikan"), ("channels", "email"),
                   ("channels", "whatsapp"), ("delivery_mode", "daily"), ("delivery_hour", "18"),
                   ("delivery_zone", "WITA"), ("quiet_start", "21:00"), ("quiet_end", "06:00"),
                   ("quiet_zone", "WITA")]
        saved = await client.post(path, content=urlencode(choices), headers=FORM)
        assert saved.status_code == 200 and "Pengaturan tersimpan." in saved.text
        assert re.search(rf'value="{BANDUNG.id}" checked', saved.text)
        stored = (await client.get(api)).json()
        stored.pop("known_regions")  # may grow meanwhile: OPD events other tests left
        assert (stored["opd_ids"], stored["regions"], stored["categories"]) == (
            [BANDUNG.id], ["Kota Bandung"], ["kesehatan", "pendidikan"])
        assert stored["channels"] == {"email": True, "whatsapp": True, "telegram": False,
                                      "webhook": False}
        assert stored["delivery"] == {"mode": "daily", "hour": 18, "zone": "WITA"}
        assert stored["quiet_hours"] == {"start": "21:00", "end": "06:00", "zone": "WITA"}

        bad = [*[c for c in choices if c[0] not in ("delivery_hour", "quiet_start")],
               ("delivery_hour", "99"), ("quiet_start", "25:00")]
        refused = await client.post(path, content=urlencode(bad), headers=FORM)
        assert refused.status_code == 422
        assert "Periksa isian: Jam tenang, Pengiriman." in refused.text
        after = (await client.get(api)).json()
        after.pop("known_regions")
        assert after == stored  # nothing half-written

        # An OPD followed but not known here (yet) keeps its ticked box: the next save would
        # drop it otherwise, and none ticked means every OPD.
        admin = auth(settings, "admin")
        kept = await client.put(f"/v1/journalists/{journalist}/subscriptions", headers=admin,
                                json={"opd_ids": [BANDUNG.id, "opd-belum-dikenal"]})
        assert kept.status_code == 200, kept.text
        assert kept.json()["regions"] == ["Kota Bandung"]  # left out: unchanged
        reopened = (await client.get(path)).text
        assert 'value="opd-belum-dikenal" checked' in reopened
        assert re.search(rf'value="{BANDUNG.id}" checked', reopened)

        unknown = await client.get("/preferensi/bukan-tautan")
        assert unknown.status_code == 404 and "kedaluwarsa" in unknown.text
        forged = await client.post("/preferensi/bukan-tautan", content=urlencode(choices),
                                   headers=FORM)
        assert forged.status_code == 404


async def test_every_release_email_links_to_the_recipients_own_preferences_page(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    await add_active(settings, "Eka", f"eka-{new_article_id()[:8]}@media.example")
    article_id = new_article_id()
    async with running(create_app(settings)) as client:
        await publish(settings, approved(article_id), published(article_id))

        async def mailed() -> list[object] | None:
            return await mail_about(mailbox, client, settings, article_id) or None
        [message] = await eventually(mailed, "the press release")  # type: ignore[misc]
        base = re.escape(settings.public_base_url.rstrip("/"))
        found = re.search(rf"{base}(/preferensi/[A-Za-z0-9_.\-]+)", text_of(message))
        assert found, text_of(message)
        html = message.get_body(("html",))
        assert html is not None and f'{found[1]}">Atur langganan' in html.get_content()
        page = await client.get(found[1])
        assert page.status_code == 200 and "Eka" in page.text
        api = found[1].replace("/preferensi/", "/v1/preferences/")
        assert (await client.get(api)).json()["name"] == "Eka"
