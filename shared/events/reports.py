"""Events of the report stream, written by ingest."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.envelope import EventData
from shared.events.common import OpdRef, ReportContent

REPORT_SUBMITTED = "report.submitted"
REPORT_AMENDED = "report.amended"
REPORT_WITHDRAWN = "report.withdrawn"


class ReportSubmittedV1(EventData):
    report_id: str
    opd: OpdRef
    content: ReportContent
    submitted_at: datetime


class ReportAmendedV1(EventData):
    report_id: str
    opd: OpdRef
    content: ReportContent
    revision: int
    amended_at: datetime


class ReportWithdrawnV1(EventData):
    report_id: str
    opd_id: str
    withdrawn_at: datetime


# ---- requests: the OPD asks, editorial (which owns the article's state) decides -------------
# The answer comes back on the article stream (shared.events.opd_requests).

REPORT_AMEND_REQUESTED = "report.amend_requested"
REPORT_WITHDRAW_REQUESTED = "report.withdraw_requested"


class ReportAmendRequestedV1(EventData):
    request_id: str
    report_id: str
    opd: OpdRef
    content: ReportContent
    revision: int = Field(description="the report's revision if the amendment is applied")
    requested_at: datetime


class ReportWithdrawRequestedV1(EventData):
    request_id: str
    report_id: str
    opd_id: str
    reason: str | None = None
    requested_at: datetime
