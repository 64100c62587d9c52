"""Value objects that several events carry."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.envelope import EventData


class OpdRef(EventData):
    """The reporting work unit, as it was when the event was written."""

    id: str
    code: str = Field(examples=["DISKOMINFO"])
    name: str = Field(examples=["Dinas Komunikasi dan Informatika"])
    region: str = Field(examples=["Kota Makassar"])
    timezone: str = Field(examples=["Asia/Makassar"])


class AttachmentRef(EventData):
    id: str
    url: str
    content_type: str
    size: int
    sha256: str
    thumbnail_url: str | None = None
    caption: str | None = Field(default=None, description="shown under the photo")
    credit: str | None = Field(default=None, description="the photographer, e.g. 'Humas Dinkes'")
    alt_text: str | None = Field(default=None,
                                 description="for screen readers; WordPress, Instagram")
    # Pixels as shown (EXIF rotation applied); None for documents and events from before.
    width: int | None = Field(default=None, ge=1, description="pixels, upright")
    height: int | None = Field(default=None, ge=1, description="pixels, upright")


class PressInvitation(EventData):
    """An upcoming activity that partner journalists are invited to cover."""

    starts_at: datetime
    location: str
    contact: str | None = None
    notes: str | None = None


class ReportContent(EventData):
    title: str
    body_html: str = Field(description="sanitized HTML")
    summary: str | None = None
    activity_at: datetime
    location: str
    category: str
    tags: list[str] = []
    attachments: list[AttachmentRef] = []
    press_invitation: PressInvitation | None = None
