"""The console's desk pages over the real editorial: the banner of unhealthy channels and the
"Salin untuk Saluran WhatsApp" block (readonly text, a copy button from a script file)."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from services.console.main import create_app as console_app
from tests.conftest import Infra, running
from tests.integration.editorial.channel_desk_support import SITE, changed, office_desk, produce
from tests.integration.editorial.desk_support import Desk, photo

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL)


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with office_desk(real_infra) as running_desk:
        yield running_desk


async def signed_in(client: httpx.AsyncClient) -> None:
    """As an editor types it into the sign-in form (editors need no second factor)."""
    form = await client.get("/console/masuk")
    token = CSRF.search(form.text)
    assert token, form.text
    answer = await client.post("/console/masuk", data={
        "csrf": token.group(1), "username": "test-editor", "password": "meja-redaksi-rahasia"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("/antrean"), \
        answer.text


def test_the_desk_shows_unhealthy_channels_and_the_whatsapp_text_to_copy(office: Desk) -> None:
    channel = f"uji-{uuid.uuid4().hex[:8]}"
    asyncio.run(produce(office, changed(channel, "needs_reconnect", datetime.now(UTC),
                                        "Token <kedaluwarsa>")))
    article = office.seed(summary="Dinas Perhubungan menguji jalur sepeda.", attachments=[
        {**photo(1), "caption": "Pesepeda", "credit": "Humas Dishub"}])
    settings = office.settings.model_copy(update={
        "console_api_url": office.url,
        "console_session_secret": SecretStr("console-session-secret-" + "s" * 32)})

    async def browse() -> tuple[str, str, httpx.Response]:
        async with running(console_app(settings)) as client:
            await signed_in(client)
            queue = await client.get("/console/antrean")
            page = await client.get(f"/console/artikel/{article}")
            script = await client.get("/console/static/copy.js")
            assert queue.status_code == 200 and page.status_code == 200, page.text
            return queue.text, page.text, script

    queue, page, script = asyncio.run(browse())
    for shown in (queue, page):
        assert "Kanal bermasalah" in shown
        assert f"Kanal {channel} perlu dihubungkan ulang (Token &lt;kedaluwarsa&gt;)" in shown
    assert "Salin untuk Saluran WhatsApp" in page
    area = re.search(r'<textarea id="whatsapp-text"[^>]*readonly>(.*?)</textarea>', page,
                     re.DOTALL)
    assert area, "no readonly WhatsApp text"
    assert html.unescape(area.group(1)) == (
        "*Uji coba jalur sepeda di Pantai Losari*\n\nDinas Perhubungan menguji jalur sepeda."
        f"\n\n{SITE}/berita/{article}\n\n#Sepeda")
    assert re.search(r'<button type="button"[^>]*data-copy="whatsapp-text"[^>]*hidden>', page)
    assert f'href="{photo(1)["url"]}"' in page and "Pesepeda (Foto: Humas Dishub)" in page
    # CSP `script-src 'self'`: every script is a file of ours, none inline.
    scripts = SCRIPT.findall(page)
    assert scripts and all('src="/console/static/' in attrs and not body.strip()
                           for attrs, body in scripts)
    assert script.status_code == 200 and "data-copy" in script.text
    assert "'unsafe-inline'" not in script.headers["content-security-policy"]
