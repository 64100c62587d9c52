"""Retention (UU PDP): what is kept only for a while is deleted once its period is over.

- Delivery logs (finished deliveries, sent digests): WARTA_NOTIFIER_RETENTION_DELIVERY_DAYS.
- Consent records of journalists who withdrew (unsubscribed):
  WARTA_NOTIFIER_RETENTION_CONSENT_DAYS after the withdrawal; an erased journalist's document,
  consents included, went at erasure. Active consent stays while it is valid.
- Unconfirmed sign-ups past their TTL (WARTA_NOTIFIER_SIGNUP_TTL_HOURS): also deleted by the
  TTL index; the job makes it certain at the moment it runs.
Suppression entries (who must never be contacted again) are never deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.notifier.domain import DeliveryState
from shared.mongo import Database
from shared.settings import Settings

FINISHED = [DeliveryState.SENT.value, DeliveryState.DEAD.value, DeliveryState.CANCELLED.value,
            DeliveryState.SUPPRESSED.value]


class Retention:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.deliveries, self.digests = db["deliveries"], db["digests"]
        self.journalists = db["journalists"]

    async def run(self, at: datetime) -> dict[str, int]:
        """Deletes what is past its period at `at`; returns how many of each."""
        kept_from = at - timedelta(days=self.settings.notifier_retention_delivery_days)
        deliveries = await self.deliveries.delete_many(
            {"state": {"$in": FINISHED}, "created_at": {"$lt": kept_from}})
        digests = await self.digests.delete_many(
            {"state": {"$in": FINISHED}, "created_at": {"$lt": kept_from}})
        consent_from = at - timedelta(days=self.settings.notifier_retention_consent_days)
        consents = await self.journalists.update_many(
            {"active": False, "unsubscribed_at": {"$lt": consent_from},
             "$or": [{"consents": {"$exists": True}},
                     {"signup_consents": {"$exists": True}}]},
            {"$unset": {"consents": "", "signup_consents": ""}})
        signups = await self.journalists.delete_many(
            {"status": "pending", "pending_expires_at": {"$lt": at}})
        return {"deliveries": int(deliveries.deleted_count),
                "digests": int(digests.deleted_count),
                "consents": int(consents.modified_count),
                "signups": int(signups.deleted_count)}
