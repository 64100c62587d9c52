"""Preferences through the signed self-service link: channels switched off, quiet hours for
WhatsApp and Telegram in the journalist's zone (urgent notices pass), subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notifier.main import create_app
from services.notifier.preferences_rules import apply, quiet_until, wants_region
from shared import topics
from shared.envelope import Envelope, root_event
from shared.events.common import OpdRef
from shared.events.opds import OPD_REGISTERED, OpdRegisteredV1
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add_active,
    approved,
    auth,
    new_article_id,
    published,
)
from tests.integration.notifier.test_own_users import emit
from tests.integration.notifier.whatsapp_steps import (
    add_whatsapp_journalist,
    messages_to,
    sandbox,
    stored,
    whatsapp_settings,
)
from tests.probes import eventually, publish

MAKASSAR = ZoneInfo("Asia/Makassar")
BANDUNG = OpdRef(id="opd-diskominfo-bandung", code="KOMINFOBDG", name="Diskominfo Kota Bandung",
                 region="Kota Bandung", timezone="Asia/Jakarta")
BOGOR = OpdRef(id="opd-diskominfo-bogor", code="KOMINFOBGR", name="Diskominfo Kota Bogor",
               region="Kota Bogor", timezone="Asia/Jakarta")


@pytest.mark.parametrize(("local", "quiet"), [
    (datetime(2026, 12, 1, 23, 30, tzinfo=MAKASSAR), datetime(2026, 12, 2, 6, 0,
                                                              tzinfo=MAKASSAR)),
    (datetime(2026, 12, 2, 5, 59, tzinfo=MAKASSAR), datetime(2026, 12, 2, 6, 0,
                                                             tzinfo=MAKASSAR)),
    (datetime(2026, 12, 2, 6, 0, tzinfo=MAKASSAR), None),
    (datetime(2026, 12, 2, 12, 0, tzinfo=MAKASSAR), None),
])
def test_quiet_hours_across_midnight_in_the_journalists_zone(
    local: datetime, quiet: datetime | None,
) -> None:
    found = quiet_until(local.astimezone(UTC), "21:00", "06:00", "WITA")
    assert found == (quiet.astimezone(UTC) if quiet else None)


def test_urgent_notices_pass_quiet_hours_and_switched_off_channels_get_nothing() -> None:
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 23:00 WITA
    person = {"preferences": {"quiet_hours": {"start": "21:00", "end": "06:00",
                                              "zone": "WITA"}, "channels": {"telegram": False}}}
    record = {"channel": "whatsapp", "kind": "press_release", "next_attempt_at": now}
    assert apply(record, person, now)["next_attempt_at"] == datetime(2026, 12, 1, 22, 0,
                                                                     tzinfo=UTC)
    assert apply({**record, "kind": "correction"}, person, now)["next_attempt_at"] == now
    assert apply({**record, "channel": "email"}, person, now)["next_attempt_at"] == now
    assert apply({**record, "channel": "telegram"}, person, now) is None


async def test_the_signed_link_sets_quiet_hours_that_hold_whatsapp_but_not_email(
    settings: Settings, sandboxes: dict[str, str],
) -> None:
    base = sandboxes["whatsapp"]
    await sandbox(base, "/_sandbox/config", {"pair_interval_seconds": 0})
    wa = whatsapp_settings(settings, base)
    await ensure_topics(wa.kafka_bootstrap)
    journalist = await add_whatsapp_journalist(wa, "+6281270000099")
    async with running(create_app(wa, backoff_base=0.2, sweep_seconds=0.2)) as client:
        link = (await client.post(f"/v1/journalists/{journalist}/preferences-link",
                                  headers=auth(wa, "admin"))).json()["link"]
        path = link.removeprefix(wa.public_base_url.rstrip("/")).replace(
            "/preferensi/", "/v1/preferences/")  # the page's JSON API
        wib = datetime.now(ZoneInfo("Asia/Jakarta"))
        window = {"start": (wib - timedelta(hours=1)).strftime("%H:%M"),
                  "end": (wib + timedelta(hours=2)).strftime("%H:%M"), "zone": "WIB"}
        bad = await client.put(path, json={"quiet_hours": {**window, "start": "25:00"}})
        assert bad.status_code == 422
        saved = await client.put(path, json={"categories": ["Kesehatan"],
                                             "quiet_hours": window})
        assert saved.status_code == 200, saved.text
        assert saved.json()["categories"] == ["kesehatan"]
        assert (await client.get(path)).json()["quiet_hours"] == window
        forged = await client.get(path[:-3] + "AAA")
        assert forged.status_code == 404 and "Tautan" in forged.json()["error"]["message"]

        article_id = new_article_id()
        await publish(wa, approved(article_id), published(article_id))
        email = f"{article_id}:{journalist}:press_release"

        async def email_settled() -> dict[str, object] | None:
            found = await stored(wa, "deliveries", email)
            return found if found and found["state"] in ("sent", "failed", "dead") else None

        await eventually(email_settled, "the email attempted")  # email ignores quiet hours
        held = await stored(wa, "deliveries", f"{email}:whatsapp")
        assert held is not None and held["state"] == "pending"
        assert held["held_for_quiet_hours"] is True and held["next_attempt_at"] > datetime.now(UTC)
        assert await messages_to(base, "+6281270000099") == []


def test_regions_compare_by_their_normalised_key_and_none_means_every_region() -> None:
    assert wants_region({"regions": []}, "Kota Bogor")
    assert wants_region({}, "Kota Bogor")
    assert wants_region({"regions": [" kota  BANDUNG "]}, "Kota Bandung")
    assert not wants_region({"regions": ["Kota Bandung"]}, "Kota Bogor")
    assert not wants_region({"regions": ["Kota Bandung"]}, None)


def opd_registered(opd: OpdRef) -> Envelope:
    data = OpdRegisteredV1(opd_id=opd.id, code=opd.code, name=opd.name, region=opd.region,
                           timezone=opd.timezone, contact_name="Humas",
                           contact_email=f"humas@{opd.code.lower()}.example", opd_version=1,
                           changed_at=datetime.now(UTC))
    return root_event(type=OPD_REGISTERED, version=1, source="ingest", subject=opd.id, data=data)


async def test_a_journalist_following_kota_bandung_gets_bandungs_release_not_bogors(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    regional = await add_active(settings, "Rani", f"rani-{new_article_id()[:8]}@media.example")
    async with running(create_app(settings, backoff_base=0.2, sweep_seconds=0.2)) as client:
        await emit(settings, *((topics.OPDS, opd_registered(opd)) for opd in (BANDUNG, BOGOR)))
        link = (await client.post(f"/v1/journalists/{regional}/preferences-link",
                                  headers=auth(settings, "admin"))).json()["link"]
        path = link.removeprefix(settings.public_base_url.rstrip("/")).replace(
            "/preferensi/", "/v1/preferences/")  # the page's JSON API
        saved = await client.put(path, json={"regions": [" kota  Bandung", "Kota Bandung "]})
        assert saved.status_code == 200, saved.text
        assert saved.json()["regions"] == ["kota Bandung"]

        async def offered() -> list[str] | None:
            regions: list[str] = (await client.get(path)).json()["known_regions"]
            return regions if {"Kota Bandung", "Kota Bogor"} <= set(regions) else None
        await eventually(offered, "the OPDs' regions offered on the preferences page")
        # Added after the regional journalist: its record is created no earlier than theirs.
        witness = await add_active(settings, "Bima", f"bima-{new_article_id()[:8]}@media.example")
        bogor, bandung = new_article_id(), new_article_id()
        await publish(settings, approved(bogor, opd=BOGOR), published(bogor),
                      approved(bandung, opd=BANDUNG), published(bandung))

        async def fanned_out() -> bool | None:
            return (await stored(settings, "deliveries", f"{bogor}:{witness}:press_release")
                    is not None and await stored(
                        settings, "deliveries", f"{bandung}:{regional}:press_release")
                    is not None) or None
        await eventually(fanned_out, "both releases fanned out")
        assert await stored(settings, "deliveries", f"{bogor}:{regional}:press_release") is None
