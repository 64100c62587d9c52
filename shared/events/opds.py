"""Events of the OPD stream: ingest registers OPDs; editorial tells an OPD it is behind target."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.envelope import EventData

OPD_REGISTERED = "opd.registered"
OPD_CHANGED = "opd.changed"
OPD_BEHIND_TARGET = "opd.behind_target"

DEFAULT_MONTHLY_TARGET = 4


class OpdStateV1(EventData):
    """The OPD's whole state after the change (keyed by OPD id, so the topic can be compacted);
    `opd_version` orders them."""

    opd_id: str
    code: str
    name: str
    region: str
    timezone: str = Field(description="IANA name, e.g. Asia/Makassar")
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    monthly_target: int = Field(default=DEFAULT_MONTHLY_TARGET, ge=0,
                                description="published reports expected per month")
    opd_version: int = Field(ge=1)
    changed_at: datetime


class OpdRegisteredV1(OpdStateV1):
    pass


class OpdChangedV1(OpdStateV1):
    pass


class OpdBehindTargetV1(EventData):
    """Editorial's monthly reminder; the notifier writes to the contact (in Indonesian)."""

    reminder_id: str = Field(description="'<opd_id>:<YYYY-MM>': one reminder per OPD per month")
    opd_id: str
    code: str
    name: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    published: int
    submitted: int
    target: int
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    timezone: str
    message: str = Field(description="the reminder text, in Indonesian")
    sent_at: datetime
