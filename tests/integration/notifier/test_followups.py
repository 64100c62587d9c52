"""Following the article: a correction sends a "Ralat", a take-down a withdrawal notice."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.envelope import Envelope, root_event
from shared.events.articles import ARTICLE_CORRECTED, ArticleCorrectedV1
from shared.events.common import OpdRef
from shared.settings import Settings
from tests.integration.notifier.conftest import (
    OPD,
    add_active,
    approved,
    deliveries,
    new_article_id,
    published,
    taken_down,
)
from tests.integration.notifier.release_steps import one_release
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit


def corrected(article_id: str, version: int, note: str, opd: OpdRef = OPD) -> Envelope:
    data = ArticleCorrectedV1(
        article_id=article_id, report_id=article_id, opd_id=opd.id, editor="redpel",
        article_version=version, decided_at=datetime.now(UTC), opd=opd,
        headline="Vaksinasi massal di Makassar", category="kesehatan", channels=["website"],
        body_html="<p>Vaksinasi digelar <strong>Sabtu</strong>, bukan Jumat.</p>",
        summary="Vaksinasi gratis untuk warga", correction_note=note,
        location="Lapangan Karebosi")
    return root_event(type=ARTICLE_CORRECTED, version=1, source="editorial", subject=article_id,
                      data=data, correlation_id=article_id)


async def subjects(mailbox: Mailpit, address: str, count: int) -> list[str]:
    async def arrived() -> list[str] | None:
        found = [str(s["Subject"]) for s in await mailbox.summaries(f"to:{address}")]
        return found if len(found) >= count else None

    return await eventually(arrived, f"{count} emails to {address}")


async def test_a_correction_reaches_everyone_the_release_reached_and_only_them(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    async with one_release(settings, mailbox, "Andi", "andi@media.example",
                           sweep_seconds=0.3) as sent:
        client, article_id = sent.client, sent.article_id
        # Subscribed after the release went out: no "Ralat" for what they never got.
        await add_active(settings, "Budi", "budi@media.example")
        note = "Tanggal kegiatan diralat: Sabtu, bukan Jumat"
        correction = corrected(article_id, 4, note)
        await publish(settings, correction, correction)  # at least once
        got = await subjects(mailbox, "andi@media.example", 2)
        assert got == ["[Siaran Pers] Vaksinasi massal di Makassar",
                       "[Ralat] Vaksinasi massal di Makassar"]
        [ralat] = [m for m in await mailbox.messages("to:andi@media.example")
                   if str(m["Subject"]).startswith("[Ralat]")]
        text = ralat.get_body(("plain",))
        assert text is not None
        content = text.get_content()
        assert note in content and "Sabtu, bukan Jumat" in content
        assert "Lapangan Karebosi" in content
        items = await deliveries(client, settings, article_id)
        kinds = sorted((str(d["recipient"]), str(d["kind"])) for d in items)
        assert kinds == [("andi@media.example", "correction"),
                         ("andi@media.example", "press_release")]
    assert await mailbox.summaries("to:budi@media.example") == []


async def test_a_take_down_sends_a_withdrawal_notice_and_cancels_what_is_not_sent(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    async with one_release(settings, mailbox, "Andi", "andi@media.example",
                           backoff_base=30.0, sweep_seconds=0.3) as sent:
        client, article_id = sent.client, sent.article_id
        # Another article's copies are refused for now (4xx: retried only in 30 s) when its
        # take-down lands: never sent, so cancelled, and nobody is told of its withdrawal.
        await mailbox.chaos(recipient=451)
        await add_active(settings, "Citra", "citra@media.example")
        other = new_article_id()
        await publish(settings, approved(other), published(other))

        async def citra_retrying() -> bool:
            items = await deliveries(client, settings, other)
            return any(d["recipient"] == "citra@media.example" and d["state"] == "failed"
                       for d in items)

        await eventually(citra_retrying, "Citra's delivery waiting for its retry")
        await mailbox.chaos()
        await publish(settings, taken_down(other, reason="Data keliru"),
                      taken_down(article_id, reason="Data keliru"))
        got = await subjects(mailbox, "andi@media.example", 2)
        assert got == ["[Siaran Pers] Vaksinasi massal di Makassar",
                       "[Pencabutan Siaran Pers] Vaksinasi massal di Makassar"]
        notice = next(m for m in await mailbox.messages("to:andi@media.example")
                      if str(m["Subject"]).startswith("[Pencabutan"))
        body = notice.get_body(("plain",))
        assert body is not None and "Alasan pencabutan: Data keliru" in body.get_content()

        async def cancelled() -> list[dict[str, object]] | None:
            items = await deliveries(client, settings, other)
            done = [d for d in items if d["state"] == "cancelled"]
            return items if len(items) == 2 and len(done) == 2 else None

        stopped = await eventually(cancelled, "the other article's copies cancelled")
        assert {d["sent_at"] for d in stopped} == {None}
    # Citra never got a release, so no withdrawal notice either.
    assert await mailbox.summaries("to:citra@media.example") == []
    assert len(await mailbox.summaries("to:andi@media.example")) == 2
