"""Versioned event schemas, registered once by (type, version)."""

from __future__ import annotations

from pydantic import ValidationError

from shared.envelope import Envelope, EventData
from shared.events import (
    accounts,
    articles,
    audit,
    channels,
    notifications,
    opd_requests,
    opd_users,
    opds,
    publications,
    reports,
    schedules,
)

SCHEMAS: dict[tuple[str, int], type[EventData]] = {
    (reports.REPORT_SUBMITTED, 1): reports.ReportSubmittedV1,
    (reports.REPORT_AMENDED, 1): reports.ReportAmendedV1,
    (reports.REPORT_WITHDRAWN, 1): reports.ReportWithdrawnV1,
    (reports.REPORT_AMEND_REQUESTED, 1): reports.ReportAmendRequestedV1,
    (reports.REPORT_WITHDRAW_REQUESTED, 1): reports.ReportWithdrawRequestedV1,
    (opd_requests.ARTICLE_REQUEST_DECIDED, 1): opd_requests.ArticleRequestDecidedV1,
    (opds.OPD_REGISTERED, 1): opds.OpdRegisteredV1,
    (opds.OPD_CHANGED, 1): opds.OpdChangedV1,
    (opds.OPD_BEHIND_TARGET, 1): opds.OpdBehindTargetV1,
    (schedules.ARTICLE_RESCHEDULED, 1): schedules.ArticleRescheduledV1,
    (articles.ARTICLE_CLAIMED, 1): articles.ArticleClaimedV1,
    (articles.ARTICLE_REVISION_REQUESTED, 1): articles.ArticleRevisionRequestedV1,
    (articles.ARTICLE_REJECTED, 1): articles.ArticleRejectedV1,
    (articles.ARTICLE_APPROVED, 1): articles.ArticleApprovedV1,
    (articles.ARTICLE_CORRECTED, 1): articles.ArticleCorrectedV1,
    (articles.ARTICLE_TAKEN_DOWN, 1): articles.ArticleTakenDownV1,
    (publications.PUBLICATION_PUBLISHED, 1): publications.PublicationPublishedV1,
    (publications.PUBLICATION_FAILED, 1): publications.PublicationFailedV1,
    (publications.PUBLICATION_CANCELLED, 1): publications.PublicationCancelledV1,
    (channels.CHANNEL_HEALTH_CHANGED, 1): channels.ChannelHealthChangedV1,
    (notifications.DELIVERY_SENT, 1): notifications.DeliverySentV1,
    (notifications.DELIVERY_FAILED, 1): notifications.DeliveryFailedV1,
    (accounts.ACCOUNT_CREATED, 1): accounts.AccountCreatedV1,
    (accounts.ACCOUNT_UPDATED, 1): accounts.AccountUpdatedV1,
    (accounts.ACCOUNT_DISABLED, 1): accounts.AccountDisabledV1,
    (audit.AUDIT_RECORDED, 1): audit.AuditRecordedV1,
    (opd_users.OPD_USER_PASSWORD_RESET_REQUESTED, 1):
        opd_users.OpdUserPasswordResetRequestedV1,
}


class UnknownEvent(ValueError):
    """A (type, version) no schema is registered for."""


def parse_data(envelope: Envelope) -> EventData:
    """Consumers are tolerant: fields added by a newer producer are ignored."""
    schema = SCHEMAS.get((envelope.type, envelope.version))
    if schema is None:
        raise UnknownEvent(f"no schema for {envelope.type} v{envelope.version}")
    return schema.model_validate(envelope.data, extra="ignore")


__all__ = ["SCHEMAS", "UnknownEvent", "ValidationError", "parse_data"]
