"""Daily digest: a journalist who chose `daily` gets the day's releases in ONE email at their
local hour (run for a given moment by the admin job endpoint); corrections never wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.digest_rules import next_digest_at
from services.notifier.main import create_app
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    PUBLIC_BASE_URL,
    add_active,
    approved,
    auth,
    new_article_id,
    published,
)
from tests.integration.notifier.test_followups import corrected
from tests.integration.notifier.whatsapp_steps import stored
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit


def test_the_digest_is_due_at_the_next_local_hour_in_the_journalists_zone() -> None:
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 08.30 WITA, 07.30 WIB, 09.30 WIT
    assert next_digest_at(now, 8, "WITA") == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert next_digest_at(now, 9, "WITA") == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert next_digest_at(now, 8, "WIB") == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert next_digest_at(now, 0, "WIT") == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


async def test_daily_journalists_get_one_digest_at_their_hour_and_corrections_at_once(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    daily = await add_active(settings, "Dewi Harian", "dewi.harian@media.example")
    instant = await add_active(settings, "Iwan Segera", "iwan.segera@media.example")
    first, second = new_article_id(), new_article_id()
    async with running(create_app(settings, backoff_base=0.2, sweep_seconds=0.2)) as client:
        admin = auth(settings, "admin")
        bad = await client.put(f"/v1/journalists/{daily}/delivery", headers=admin,
                               json={"mode": "daily", "hour": 24, "zone": "WITA"})
        assert bad.status_code == 422 and bad.json()["error"]["code"]
        chosen = await client.put(f"/v1/journalists/{daily}/delivery", headers=admin,
                                  json={"mode": "daily", "hour": 8, "zone": "WITA"})
        assert chosen.status_code == 200, chosen.text
        link = (await client.post(f"/v1/journalists/{daily}/preferences-link",
                                  headers=admin)).json()["link"]
        path = link.removeprefix(PUBLIC_BASE_URL).replace(
            "/preferensi/", "/v1/preferences/")  # the page's JSON API
        assert (await client.get(path)).json()["delivery"] == {
            "mode": "daily", "hour": 8, "zone": "WITA"}
        editor = await client.post("/v1/admin/jobs/digests", headers=auth(settings, "editor"))
        assert editor.status_code == 403

        await publish(settings, approved(first, headline="Vaksinasi massal di Makassar"),
                      published(first),
                      approved(second, headline="Pasar murah jelang Natal"),
                      published(second, headline="Pasar murah jelang Natal"))
        await publish(settings, published(first))  # redelivered: nothing twice

        async def instant_got_both() -> list[object] | None:
            found = await mailbox.summaries("to:iwan.segera@media.example")
            return found if len(found) == 2 else None

        await eventually(instant_got_both, "the instant journalist's two releases")
        due_at = next_digest_at(datetime.now(UTC), 8, "WITA")
        key = f"{daily}:{due_at.strftime('%Y%m%dT%H%MZ')}"

        async def collected() -> dict[str, object] | None:
            digest = await stored(settings, "digests", key)
            return digest if digest and len(digest["article_ids"]) == 2 else None

        digest = await collected() or await eventually(collected, "both releases collected")
        assert digest["state"] == "pending"
        assert await stored(settings, "deliveries", f"{first}:{daily}:press_release") is None
        assert await mailbox.summaries("to:dewi.harian@media.example") == []

        early = await client.post("/v1/admin/jobs/digests", headers=admin,
                                  params={"at": (due_at - timedelta(minutes=1)).isoformat()})
        assert early.status_code == 200 and early.json()["sent"] == 0, early.text
        naive = await client.post("/v1/admin/jobs/digests", headers=admin,
                                  params={"at": "2026-12-01T08:00:00"})
        assert naive.status_code == 422 and "zona waktu" in naive.json()["error"]["message"]
        ran = await client.post("/v1/admin/jobs/digests", headers=admin,
                                params={"at": due_at.isoformat()})
        assert ran.status_code == 200 and ran.json()["sent"] == 1, ran.text
        again = await client.post("/v1/admin/jobs/digests", headers=admin,
                                  params={"at": due_at.isoformat()})
        assert again.json()["sent"] == 0

        [message] = await mailbox.messages("to:dewi.harian@media.example")
        assert message["Subject"].startswith("[Ringkasan Harian] 2 siaran pers")
        assert message["List-Unsubscribe"].startswith(f"<{PUBLIC_BASE_URL}/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"]
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        for headline, article in (("Vaksinasi massal di Makassar", first),
                                  ("Pasar murah jelang Natal", second)):
            assert headline in text and headline in html
            assert f"https://kota.example/berita/{article}" in text
        assert "Yth. Dewi Harian" in text

        await publish(settings, corrected(first, 4, "Tanggal kegiatan diperbaiki"))

        async def ralat() -> list[object] | None:
            found = await mailbox.summaries("to:dewi.harian@media.example subject:Ralat")
            return found or None

        await eventually(ralat, "the correction sent at once to the digest's reader")
    del instant
