"""Webhook deliveries to partner newsrooms, signed by Standard Webhooks (webhook-id,
webhook-timestamp, webhook-signature), retried with backoff by the delivery loop, and the
target disabled, with an email to its owner, after repeated failures."""

from __future__ import annotations

import json
import logging
from email.message import EmailMessage

import httpx
from standardwebhooks.webhooks import Webhook

from services.notifier.channel_attempts import ChannelFailed, ChannelSent, ChannelSkip
from services.notifier.domain import DeliveryState
from services.notifier.mailer import Mailer, SendFailed
from services.notifier.webhook_targets import UnsafeTarget, resolve
from shared.envelope import utcnow
from shared.mongo import Database, Document, ReturnDocument, find_one_and_update, update_one
from shared.settings import Settings

log = logging.getLogger("warta.notifier.webhooks")

TIMEOUT = 10.0


def payload(delivery: Document, article: Document) -> str:
    approved = article["approved"]
    return json.dumps({"type": f"article.{delivery['kind']}", "timestamp": utcnow().isoformat(),
                       "data": {"delivery_id": delivery["_id"], "article_id": article["_id"],
                                "headline": approved["headline"],
                                "summary": approved.get("summary"),
                                "category": approved["category"], "opd": approved["opd"],
                                "url": (article.get("published") or {}).get("url")}},
                      ensure_ascii=False, separators=(",", ":"))


class WebhookSender:
    def __init__(self, settings: Settings, db: Database, mailer: Mailer) -> None:
        self.settings, self.mailer = settings, mailer
        self.journalists = db["journalists"]
        self.allow_loopback = settings.notifier_webhook_allow_loopback

    async def send(self, delivery: Document, article: Document,
                   journalist: Document) -> ChannelSent:
        hook = journalist.get("webhook") or {}
        if not hook.get("active"):
            raise ChannelSkip(DeliveryState.SUPPRESSED, "the webhook is disabled")
        try:
            target = await resolve(hook["url"], allow_loopback=self.allow_loopback)
        except UnsafeTarget as exc:
            raise ChannelFailed(f"refused target: {exc}", permanent=True) from exc
        body = payload(delivery, article)
        now = utcnow()
        # The delivery id is the message id: a retry carries the same one (receivers dedupe).
        signature = Webhook(hook["secret"]).sign(delivery["_id"], now, body)
        headers = {"webhook-id": delivery["_id"], "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": signature, "Content-Type": "application/json",
                   "Host": target.host}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
                response = await http.post(target.pinned, content=body.encode(), headers=headers,
                                           extensions={"sni_hostname": target.host})
        except httpx.HTTPError as exc:
            raise await self._failure(journalist, f"webhook unreachable: {exc!r}") from exc
        if not response.is_success:  # a redirect is a failure too: never followed
            raise await self._failure(journalist, f"webhook answered {response.status_code}")
        await update_one(self.journalists, {"_id": journalist["_id"]},
                         {"$set": {"webhook.failures": 0}})
        return ChannelSent(answer=f"HTTP {response.status_code}", provider_id=delivery["_id"])

    async def _failure(self, journalist: Document, error: str) -> ChannelFailed:
        """Counted across deliveries; the update that reaches the limit disables it, once."""
        after = await find_one_and_update(self.journalists, {"_id": journalist["_id"]},
            {"$inc": {"webhook.failures": 1}}, return_document=ReturnDocument.AFTER)
        failures = int(((after or {}).get("webhook") or {}).get("failures", 0))
        if failures >= self.settings.notifier_webhook_disable_after:
            disabled = await update_one(self.journalists,
                {"_id": journalist["_id"], "webhook.active": True},
                {"$set": {"webhook.active": False, "webhook.disabled_at": utcnow(),
                          "webhook.disabled_reason": error}})
            if disabled.modified_count == 1:
                await self._tell_owner(journalist, error, failures)
                return ChannelFailed(f"{error}; webhook disabled", permanent=True)
        return ChannelFailed(error, permanent=False)

    async def _tell_owner(self, journalist: Document, error: str, failures: int) -> None:
        message = EmailMessage()
        message["Subject"] = "Webhook Warta Anda dinonaktifkan"
        message["From"], message["To"] = self.settings.smtp_from, journalist["email"]
        message.set_content(
            f"Yth. {journalist['name']},\n\nWebhook {journalist['webhook']['url']} gagal "
            f"{failures} kali berturut-turut (terakhir: {error}) sehingga kami "
            "menonaktifkannya. Hubungi admin Diskominfo untuk mengaktifkannya kembali.\n")
        log.error("webhook disabled", extra={"alert": True, "journalist_id": journalist["_id"],
                                             "error": error})
        try:
            await self.mailer.send(message)
        except SendFailed as exc:  # the target stays disabled; the log line is the alert
            log.warning("webhook notice not sent", extra={"error": exc.error})
