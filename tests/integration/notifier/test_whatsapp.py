"""WhatsApp on the real broker and database against the Cloud API contract server: the sign-up
code, template deliveries, the signed status webhook, and each documented error's handling."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from services.notifier.main import create_app
from services.notifier.whatsapp_templates import TEMPLATES, TemplateMismatch
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import approved, auth, new_article_id, published
from tests.integration.notifier.signup_steps import sign_up
from tests.integration.notifier.whatsapp_steps import (
    APP_SECRET,
    VERIFY_TOKEN,
    add_whatsapp_journalist,
    messages_to,
    sandbox,
    stored,
    whatsapp_settings,
)
from tests.probes import eventually, publish
from tests.serving import served
from warta_cli.infra import free_port


@pytest.fixture
def wa_settings(settings: Settings, sandboxes: dict[str, str]) -> Settings:
    return whatsapp_settings(settings, sandboxes["whatsapp"])


@pytest.fixture
def notifier_url(wa_settings: Settings) -> Iterator[str]:
    """The notifier on a real port: the contract server calls its webhook."""
    with served(create_app(wa_settings, backoff_base=0.2, sweep_seconds=0.2),
                free_port()) as base:
        yield base


async def quiet(base: str) -> None:
    await sandbox(base, "/_sandbox/config", {"pair_interval_seconds": 0, "undeliverable": []})


def test_parameters_are_checked_against_the_template_before_sending() -> None:
    with pytest.raises(TemplateMismatch, match="takes 3 body parameters, got 2"):
        TEMPLATES["siaran_pers"].payload(["Dinkes", "Judul"])
    with pytest.raises(TemplateMismatch, match="breaks Meta"):
        TEMPLATES["kode_konfirmasi"].payload(["12\n34"])


async def test_the_sign_up_code_confirms_the_number_and_records_its_consent(
    wa_settings: Settings, sandboxes: dict[str, str],
) -> None:
    base = sandboxes["whatsapp"]
    await quiet(base)
    async with running(create_app(wa_settings)) as client:
        answer = await sign_up(client, "wina@media.example", whatsapp="0812-7000-0001")
        assert answer.status_code == 202, answer.text
        sent = await eventually(lambda: messages_to(base, "+6281270000001"), "the code")
        template = sent[0]["template"]
        assert template["name"] == "kode_konfirmasi" and template["language"]["code"] == "id"
        code = template["components"][0]["parameters"][0]["text"]
        token = answer.json()["whatsapp_token"]
        wrong = "000000" if code != "000000" else "111111"
        bad = await client.post("/v1/signup/whatsapp", json={"token": token, "code": wrong})
        assert bad.status_code == 422 and "Kode salah" in bad.json()["error"]["message"]
        ok = await client.post("/v1/signup/whatsapp", json={"token": token, "code": code})
        assert ok.status_code == 200, ok.text
        listed = (await client.get("/v1/journalists", headers=auth(wa_settings, "editor"))).json()
        export = (await client.get(f"/v1/journalists/{listed['items'][0]['id']}/export",
                                   headers=auth(wa_settings, "admin"))).json()
        consent = export["journalist"]["consents"]["whatsapp"]
        assert consent["text_version"] and consent["confirmed_at"]
        assert "whatsapp_code" not in export["journalist"]


async def test_a_release_goes_out_as_a_template_and_signed_statuses_update_it(
    wa_settings: Settings, sandboxes: dict[str, str], notifier_url: str,
) -> None:
    base = sandboxes["whatsapp"]
    await quiet(base)
    await ensure_topics(wa_settings.kafka_bootstrap)
    hook = f"{notifier_url}/v1/whatsapp/webhook"
    refused = await sandbox(base, "/_sandbox/webhook", {"url": hook, "verify_token": "nope"})
    assert refused["verified"] is False and refused["answer"] == 403
    subscribed = await sandbox(base, "/_sandbox/webhook", {"url": hook,
                                                          "verify_token": VERIFY_TOKEN})
    assert subscribed["verified"] is True
    journalist = await add_whatsapp_journalist(wa_settings, "+6281270000002")
    article_id = new_article_id()
    await publish(wa_settings, approved(article_id), published(article_id))
    delivery_id = f"{article_id}:{journalist}:press_release:whatsapp"

    async def delivered() -> dict[str, object] | None:
        found = await stored(wa_settings, "deliveries", delivery_id)
        return found if found and found.get("provider_status") == "delivered" else None

    record = await eventually(delivered, "a delivered WhatsApp status")
    assert record["state"] == "sent" and str(record["provider_id"]).startswith("wamid.")
    [message] = await messages_to(base, "+6281270000002")
    params = [p["text"] for p in message["template"]["components"][0]["parameters"]]
    assert message["template"]["name"] == "siaran_pers"
    assert params == ["Dinas Kesehatan", "Vaksinasi massal di Makassar",
                      f"https://kota.example/berita/{article_id}"]

    # A forged status changes nothing: 403 before the body is read as JSON.
    forged = json.dumps({"entry": [{"changes": [{"value": {"statuses": [
        {"id": record["provider_id"], "status": "failed", "errors": [{"code": 131026}]}]}}]}]})
    async with httpx.AsyncClient() as http:
        bad = await http.post(hook, content=forged, headers={
            "X-Hub-Signature-256": "sha256=" + "0" * 64})
        assert bad.status_code == 403 and bad.json()["error"]["code"] == "forbidden"
        signature = hmac.new(APP_SECRET.encode(), forged.encode(), hashlib.sha256).hexdigest()
        good = await http.post(hook, content=forged,
                               headers={"X-Hub-Signature-256": f"sha256={signature}"})
        assert good.status_code == 200
    after = await stored(wa_settings, "deliveries", delivery_id)
    assert after is not None and after["provider_status"] == "failed"
    person = await stored(wa_settings, "journalists", journalist)
    assert person is not None and person["whatsapp_suppressed"] is True


@pytest.mark.parametrize(("code", "state", "health"), [
    (131026, "dead", None), (132001, "dead", "template_broken"),
    (190, "failed", "needs_reconnect"), (130429, "sent", None), (131056, "sent", None),
])
async def test_each_documented_error_is_handled_as_the_vendor_says(
    wa_settings: Settings, sandboxes: dict[str, str], code: int, state: str,
    health: str | None,
) -> None:
    base = sandboxes["whatsapp"]
    await quiet(base)
    await ensure_topics(wa_settings.kafka_bootstrap)
    number = f"+628127100{code % 10000:04d}"
    await sandbox(base, "/_sandbox/faults", {"code": code, "to": number.lstrip("+")})
    journalist = await add_whatsapp_journalist(wa_settings, number)
    article_id = new_article_id()
    delivery_id = f"{article_id}:{journalist}:press_release:whatsapp"
    async with running(create_app(wa_settings, backoff_base=0.2, sweep_seconds=0.2)):
        await publish(wa_settings, approved(article_id), published(article_id))

        async def settled() -> dict[str, object] | None:
            found = await stored(wa_settings, "deliveries", delivery_id)
            return found if found and found["state"] == state else None

        record = await eventually(settled, f"{state} after {code}", patience=40)
    assert f"code {code}" in str(record["log"])
    channel = await stored(wa_settings, "channel_health", "whatsapp")
    if health:
        assert channel is not None and channel["state"] == health
    person = await stored(wa_settings, "journalists", journalist)
    assert person is not None and bool(person.get("whatsapp_suppressed")) is (code == 131026)


async def test_an_invitation_carries_the_recipients_rsvp_page_and_the_answer_counts(
    wa_settings: Settings, sandboxes: dict[str, str],
) -> None:
    """WhatsApp and Telegram invitations had no RSVP: only the email had its links."""
    base = sandboxes["whatsapp"]
    await quiet(base)
    await ensure_topics(wa_settings.kafka_bootstrap)
    journalist = await add_whatsapp_journalist(wa_settings, "+6281270000031")
    article_id = new_article_id()
    async with running(create_app(wa_settings, backoff_base=0.2, sweep_seconds=0.2)) as client:
        await publish(wa_settings, approved(article_id, invitation_in=timedelta(days=2)))
        delivery_id = f"{article_id}:{journalist}:invitation:whatsapp"

        async def sent() -> dict[str, object] | None:
            found = await stored(wa_settings, "deliveries", delivery_id)
            return found if found and found["state"] == "sent" else None

        await eventually(sent, "the WhatsApp invitation")
        # This delivery's message: the number may also get what other tests left in the topics.
        [message] = [m for m in await messages_to(base, "+6281270000031")
                     if m.get("biz_opaque_callback_data") == delivery_id]
        assert message["template"]["name"] == "undangan_liputan_rsvp"
        params = [p["text"] for p in message["template"]["components"][0]["parameters"]]
        assert params[:2] == ["Dinas Kesehatan", "Vaksinasi massal di Makassar"]
        assert "WITA" in params[2] and params[3] == "Aula Balai Kota"
        page = params[4].removeprefix(wa_settings.public_base_url.rstrip("/"))
        assert page.startswith("/undangan/rsvp/"), params[4]
        done = await client.post(page, content="jawaban=hadir",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200, done.text
        report = (await client.get(f"/v1/articles/{article_id}/rsvps",
                                   headers=auth(wa_settings, "editor"))).json()
        assert [(a["journalist_id"], a["answer"]) for a in report["answers"]] == [
            (journalist, "hadir")]
