"""Regions at sign-up and in the admin API (they were only in the preferences link): the form
offers the regions of the OPDs known here, and what is chosen is stored as the filter reads it."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import httpx

from services.notifier.main import create_app
from shared import topics
from shared.events.common import OpdRef
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import auth
from tests.integration.notifier.signup_steps import NUMBERS, sign_up
from tests.integration.notifier.test_own_users import emit
from tests.integration.notifier.test_preferences import opd_registered
from tests.probes import eventually

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def regional_opd(place: str) -> OpdRef:
    tag = uuid.uuid4().hex[:6]
    return OpdRef(id=f"opd-{tag}", code=f"K{tag.upper()}", name=f"Diskominfo {place}",
                  region=f"{place} {tag}", timezone="Asia/Jakarta")


async def listed(client: httpx.AsyncClient, settings: Settings, email: str
                 ) -> dict[str, object]:
    page = (await client.get("/v1/journalists", headers=auth(settings, "editor"))).json()
    found: dict[str, object] = next(j for j in page["items"] if j["email"] == email)
    return found


async def test_the_form_offers_known_regions_and_stores_the_ones_ticked(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    garut, bogor = regional_opd("Kabupaten Garut"), regional_opd("Kota Bogor")
    async with running(create_app(settings)) as client:
        await emit(settings, *((topics.OPDS, opd_registered(o)) for o in (garut, bogor)))

        async def form_with_both() -> str | None:
            page = await client.get("/v1/signup")
            both = all(f'value="{o.region}"' in page.text for o in (garut, bogor))
            return page.text if both else None

        page = await eventually(form_with_both, "the OPDs' regions on the sign-up form")
        hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]+)"', page))
        question = re.search(r"Berapa (\w+) ditambah (\w+)\?", page)
        assert question and {"csrf_token", "challenge_token"} <= set(hidden)
        form = [*hidden.items(), ("name", "Hana"), ("outlet", "Radar Garut"),
                ("email", "hana@radar.example"), ("consents", "email"),
                ("regions", garut.region), ("regions", f"  {garut.region.upper()} "),
                ("challenge_answer",
                 str(NUMBERS.index(question[1]) + NUMBERS.index(question[2])))]
        accepted = await client.post("/v1/signup/form", content=urlencode(form), headers=FORM)
        assert accepted.status_code == 200, accepted.text
        hana = await listed(client, settings, "hana@radar.example")
        assert hana["regions"] == [garut.region]  # one region, however it was spelled

        # Bad input: which field to fix, in Indonesian (pydantic's English stays out).
        page = (await client.get("/v1/signup")).text
        hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]+)"', page))
        bad = [*hidden.items(), ("name", "Hana"), ("outlet", "Radar"), ("consents", "email"),
               ("email", "hana2@radar.example"), ("regions", "x" * 81),
               ("whatsapp", "12"), ("challenge_answer", "1")]
        refused = await client.post("/v1/signup/form", content=urlencode(bad), headers=FORM)
        assert refused.status_code == 422
        assert "Periksa isian: Nomor WhatsApp (nomor WhatsApp" in refused.text
        assert "Wilayah" in refused.text and "String should" not in refused.text

        # A post with more fields than the form has is refused as a form, not a crash.
        flood = "&".join(f"regions=r{n}" for n in range(150))
        refused = await client.post("/v1/signup/form", content=flood, headers=FORM)
        assert refused.status_code == 422 and "tidak dikenali" in refused.text


async def test_the_json_sign_up_and_the_admin_api_take_regions(settings: Settings) -> None:
    async with running(create_app(settings)) as client:
        answer = await sign_up(client, "rudi@pojok.example",
                               regions=[" kota  Bandung", "Kota Bandung", "Kota Cimahi"])
        assert answer.status_code == 202, answer.text
        rudi = await listed(client, settings, "rudi@pojok.example")
        assert rudi["regions"] == ["kota Bandung", "Kota Cimahi"]
        too_long = await sign_up(client, "x@pojok.example", regions=["x" * 81])
        assert too_long.status_code == 422, too_long.text

        added = await client.post("/v1/journalists", headers=auth(settings, "admin"), json={
            "name": "Sari", "email": "sari@kabar.example", "whatsapp": "0812-3456-7890",
            "regions": ["Kabupaten Garut"]})
        assert added.status_code == 201, added.text
        sari = added.json()
        assert (sari["regions"], sari["whatsapp"]) == (["Kabupaten Garut"], "+6281234567890")
        moved = await client.put(f"/v1/journalists/{sari['id']}/subscriptions",
                                 headers=auth(settings, "admin"),
                                 json={"categories": ["kesehatan"], "regions": ["Kota Bogor "]})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["regions"], moved.json()["categories"]) == (
            ["Kota Bogor"], ["kesehatan"])
        kept = await client.put(f"/v1/journalists/{sari['id']}/subscriptions",
                                headers=auth(settings, "admin"), json={"categories": []})
        assert kept.json()["regions"] == ["Kota Bogor"]  # left out: the journalist's choice stays
        bad = await client.post("/v1/journalists", headers=auth(settings, "admin"), json={
            "name": "Tono", "email": "tono@kabar.example", "whatsapp": "12"})
        assert bad.status_code == 422 and "nomor WhatsApp" in str(bad.json()["error"])
