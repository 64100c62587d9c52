"""The sign-up's abuse rules and bad input: the challenge, rate limits per IP and per address
(counted in the database), consent per channel, E.164 numbers, the form's CSRF token."""

from __future__ import annotations

import re

from services.notifier.main import create_app
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import auth
from tests.integration.notifier.signup_steps import NUMBERS, sign_up, solved_challenge


async def test_the_challenge_must_be_answered_and_is_good_for_one_sign_up(
    settings: Settings,
) -> None:
    async with running(create_app(settings)) as client:
        challenge = await solved_challenge(client)
        wrong = str(int(challenge["challenge_answer"]) + 1)
        body = {"name": "Eko", "outlet": "Tribun", "email": "eko@tribun.example",
                "consents": ["email"], **challenge}
        refused = await client.post("/v1/signup", json={**body, "challenge_answer": wrong})
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "challenge_failed" and "Jawaban" in error["message"]
        assert (await client.post("/v1/signup", json=body)).status_code == 202
        again = await client.post("/v1/signup", json={**body, "email": "eko2@tribun.example"})
        assert again.status_code == 422 and again.json()["error"]["code"] == "challenge_used"


async def test_sign_ups_are_limited_per_ip_and_per_address_across_instances(
    settings: Settings,
) -> None:
    limited = settings.model_copy(update={"notifier_signup_per_ip_per_hour": 2,
                                          "notifier_signup_per_address_per_hour": 2})
    async with running(create_app(limited)) as one, running(create_app(limited)) as two:
        first = {"X-Forwarded-For": "203.0.113.50"}
        assert (await sign_up(one, "a@x.example", headers=first)).status_code == 202
        assert (await sign_up(two, "a@x.example", headers=first)).status_code == 202
        third = await sign_up(one, "a@x.example", headers={"X-Forwarded-For": "203.0.113.51"})
        assert third.status_code == 429, third.text  # the address, from another IP
        assert "Terlalu banyak" in third.json()["error"]["message"]
        assert int(third.headers["Retry-After"]) >= 1
        assert (await sign_up(two, "b@x.example", headers=first)).status_code == 429  # the IP


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(settings: Settings) -> None:
    untrusting = settings.model_copy(update={"trusted_proxies": "10.9.9.9"})
    async with running(create_app(untrusting)) as client:
        answer = await sign_up(client, "f@x.example", headers={"X-Forwarded-For": "1.2.3.4"})
        assert answer.status_code == 202
        listed = (await client.get("/v1/journalists", headers=auth(settings, "editor"))).json()
        journalist_id = listed["items"][0]["id"]
        export = (await client.get(f"/v1/journalists/{journalist_id}/export",
                                   headers=auth(settings, "admin"))).json()
        assert export["journalist"]["signup_consents"]["email"]["from"]["ip"] == "127.0.0.1"


async def test_consent_and_numbers_are_checked_with_indonesian_messages(
    settings: Settings,
) -> None:
    async with running(create_app(settings)) as client:
        no_consent = await sign_up(client, "g@x.example", whatsapp="0812-3456-7890",
                                   consents=["email"])
        assert no_consent.status_code == 422
        assert no_consent.json()["error"]["code"] == "consent_required"
        assert no_consent.json()["error"]["details"]["missing"] == ["whatsapp"]
        bad = await sign_up(client, "g@x.example", whatsapp="12345")
        assert bad.status_code == 422 and "whatsapp" in bad.json()["error"]["message"]
        assert "nomor WhatsApp" in str(bad.json()["error"]["details"])
        good = await sign_up(client, "g@x.example", whatsapp="0812-3456-7890")
        assert good.status_code == 202 and good.json()["whatsapp_token"]
        listed = (await client.get("/v1/journalists", headers=auth(settings, "editor"))).json()
        assert [j["whatsapp"] for j in listed["items"]] == ["+6281234567890"]


async def test_the_html_form_has_a_csrf_token_and_no_inline_script(settings: Settings) -> None:
    async with running(create_app(settings)) as client:
        page = await client.get("/v1/signup")
        assert page.status_code == 200
        assert "<script" not in page.text and "style=" not in page.text
        assert "<style" not in page.text
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "unsafe-inline" not in policy
        fields = dict(re.findall(r'name="(\w+)" value="([^"]+)"', page.text))
        question = re.search(r"Berapa (\w+) ditambah (\w+)\?", page.text)
        assert question and "csrf_token" in fields
        form = {**fields, "name": "Hana", "outlet": "Radar", "email": "hana@radar.example",
                "consents": "email", "challenge_answer": str(
                    NUMBERS.index(question[1]) + NUMBERS.index(question[2]))}
        given = page.cookies["warta_signup_csrf"]
        client.cookies.clear()
        forged = await client.post("/v1/signup/form", data=form,
                                   headers={"Cookie": "warta_signup_csrf=someone-else"})
        assert forged.status_code == 403 and "kedaluwarsa" in forged.text
        client.cookies.clear()
        accepted = await client.post("/v1/signup/form", data=form,
                                     headers={"Cookie": f"warta_signup_csrf={given}"})
        assert accepted.status_code == 200, accepted.text
        assert "Periksa email" in accepted.text
