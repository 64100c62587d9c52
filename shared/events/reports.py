"""Events of the report stream, written by ingest."""

from __future__ import annotations

from datetime import datetime

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
