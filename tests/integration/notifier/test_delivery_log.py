"""The delivery log: every attempt kept, a per-article summary for editors; 4xx retried, 5xx
suppresses the address after WARTA_NOTIFIER_BOUNCE_LIMIT refusals (Mailpit's chaos)."""

from __future__ import annotations

import uuid

from services.notifier.main import create_app
from shared.events.common import OpdRef
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
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit


async def test_editors_read_each_attempt_and_the_summary_of_an_article(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings.model_copy(update={"notifier_bounce_limit": 2})
    await ensure_topics(settings.kafka_bootstrap)
    first, second = new_article_id(), new_article_id()
    # Andi follows only this test's OPD: the notifier group also reads what earlier tests left
    # in the shared topics (here, `stray`), and with every OPD followed those releases reached
    # Andi too: one more mail in the count, one more refusal towards the bounce limit.
    opd = OpdRef(id=f"opd-{uuid.uuid4().hex[:8]}", code="DISKOMINFO", name="Diskominfo",
                 region="Kota Makassar", timezone="Asia/Makassar")
    await add_active(settings, "Andi", "andi@media.example", opd_ids=[opd.id])
    stray = new_article_id()
    await publish(settings, approved(stray), published(stray))
    async with running(create_app(settings, backoff_base=0.3, sweep_seconds=0.3)) as client:
        path = f"/v1/articles/{first}/deliveries"
        assert (await client.get(path)).status_code == 401
        bad = await client.get(path, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.json()["error"]["code"]
        await mailbox.chaos(recipient=451)  # "try again later": retried with backoff
        await publish(settings, approved(first, opd=opd), published(first))

        async def report(article_id: str, state: str) -> dict[str, object] | None:
            answer = await client.get(f"/v1/articles/{article_id}/deliveries",
                                      headers=auth(settings, "editor"))
            assert answer.status_code == 200, answer.text
            body: dict[str, object] = answer.json()
            return body if body["total"][state] >= 1 else None  # type: ignore[index]

        await eventually(lambda: report(first, "retrying"), "a deferred attempt")
        await mailbox.chaos()
        done = await eventually(lambda: report(first, "sent"), "the retried send")
        [message] = done["messages"]  # type: ignore[misc]
        states = [a["state"] for a in message["attempts"]]
        assert states[-1] == "sent" and "failed" in states
        assert any("451" in a["answer"] for a in message["attempts"])
        assert message["channel"] == "email" and message["kind"] == "press_release"

        # 5xx: permanent for that address; the second refusal suppresses it (limit 2).
        await mailbox.chaos(recipient=550)
        await publish(settings, approved(second, opd=opd), published(second))
        failed = await eventually(lambda: report(second, "failed"), "a refused address")
        assert failed["total"]["sent"] == 0  # type: ignore[index]
        third, fourth = new_article_id(), new_article_id()
        await publish(settings, approved(third, opd=opd), published(third))
        await eventually(lambda: report(third, "failed"), "the second refusal")
        await mailbox.chaos()
        await publish(settings, approved(fourth, opd=opd), published(fourth))
        suppressed = await eventually(lambda: report(fourth, "suppressed"),
                                      "the address suppressed")
        [never] = suppressed["messages"]  # type: ignore[misc]
        assert [a["state"] for a in never["attempts"]] == ["suppressed"]
        assert suppressed["by_kind"]["press_release"]["suppressed"] == 1  # type: ignore[index]
        # Only the retried first release got through, once.
        ours = await mail_about(mailbox, client, settings, first, second, third, fourth)
        assert [str(m["X-Warta-Delivery"]) for m in ours] == [message["id"]]
