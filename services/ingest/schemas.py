"""HTTP models: strict inputs (`extra="forbid"`, bounded strings and lists), separate outputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from services.ingest.domain import Status
from services.ingest.photos import shown
from shared.events.opds import DEFAULT_MONTHLY_TARGET
from shared.vocabulary import ZoneLabel

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
AttachmentId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PressInvitationIn(_Input):
    starts_at: AwareDatetime = Field(description="when journalists should arrive; with a zone")
    location: str = Field(min_length=2, max_length=300)
    contact: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=2000)


class PhotoIn(_Input):
    """A photo of the report: an uploaded attachment with its caption and credit."""

    attachment_id: AttachmentId
    caption: str | None = Field(default=None, max_length=300)
    credit: str | None = Field(default=None, max_length=120, examples=["Humas Dinkes"])


class ReportIn(_Input):
    """What an OPD sends; the owner and the status come from the credential and the pipeline."""

    title: str = Field(min_length=5, max_length=200, examples=["Vaksinasi massal di Tamalate"])
    body: str = Field(min_length=1, max_length=100_000, description="HTML; sanitized on arrival")
    summary: str | None = Field(default=None, max_length=1000)
    activity_at: AwareDatetime = Field(description="ISO 8601 with a zone, e.g. +08:00")
    location: str = Field(min_length=2, max_length=300)
    category: str = Field(min_length=1, max_length=64, examples=["kesehatan"])
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    attachment_ids: list[AttachmentId] = Field(default_factory=list, max_length=20)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=20,
                                  description="attachments with a caption and credit; they join "
                                              "`attachment_ids`")
    press_invitation: PressInvitationIn | None = None


class AttachmentOut(BaseModel):
    id: str
    url: str
    content_type: str
    size: int
    sha256: str
    thumbnail_url: str | None = None


class ReportAttachmentOut(AttachmentOut):
    caption: str | None = None
    credit: str | None = None


class PhotoOut(BaseModel):
    attachment_id: str
    caption: str | None = None
    credit: str | None = None


class PressInvitationOut(BaseModel):
    starts_at: datetime
    location: str
    contact: str | None = None
    notes: str | None = None


class PublicationOut(BaseModel):
    channel: str
    url: str
    published_at: datetime


class RequestOut(BaseModel):
    """An amend or withdraw request: `sent` (not answered yet), `pending` (waits for an editor,
    or for the chief editor as a take-down), then `applied`, `accepted`, `declined` or
    `refused` with the desk's reason."""

    id: str
    kind: Literal["amend", "withdraw"]
    state: Literal["sent", "pending", "applied", "accepted", "declined", "refused"]
    requested_at: datetime
    answered_at: datetime | None = None
    reason: str | None = Field(default=None, description="the desk's reason, if declined")
    awaiting_role: str | None = None
    revision: int | None = Field(default=None, description="for an amendment: its revision")


class ReportOut(BaseModel):
    id: str
    status: Status
    status_reason: str | None = Field(default=None, description="the editor's reason, if any")
    revision: int
    title: str
    body_html: str
    summary: str | None = None
    activity_at: datetime
    location: str
    category: str
    tags: list[str]
    attachments: list[ReportAttachmentOut]
    photos: list[PhotoOut] = Field(default_factory=list,
                                   description="the attachments with a caption or credit")
    press_invitation: PressInvitationOut | None = None
    publications: list[PublicationOut]
    publish_at: datetime | None = Field(default=None, description="the embargo, if scheduled")
    requests: list[RequestOut] = Field(default_factory=list,
                                       description="amend and withdraw requests, oldest first")
    submitted_at: datetime
    updated_at: datetime


class ReportPage(BaseModel):
    items: list[ReportOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null = end")


# ---- admin: OPDs and keys -------------------------------------------------------------------

class OpdIn(_Input):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$", examples=["DISKOMINFO-MKS"])
    name: str = Field(min_length=3, max_length=200)
    region: str = Field(min_length=2, max_length=120)
    timezone: ZoneLabel
    email: EmailStr | None = Field(default=None, max_length=254, description="contact email")
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()-]{6,32}$")
    contact_name: str | None = Field(default=None, min_length=2, max_length=120)
    monthly_target: int = Field(default=DEFAULT_MONTHLY_TARGET, ge=0, le=500,
                                description="published reports expected per month")


class OpdChangeIn(_Input):
    """Only the fields sent change; the code (and the keys) stay."""

    name: str | None = Field(default=None, min_length=3, max_length=200)
    region: str | None = Field(default=None, min_length=2, max_length=120)
    timezone: ZoneLabel | None = None
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()-]{6,32}$")
    contact_name: str | None = Field(default=None, min_length=2, max_length=120)
    monthly_target: int | None = Field(default=None, ge=0, le=500)


class OpdOut(BaseModel):
    id: str
    code: str
    name: str
    region: str
    timezone: str
    email: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    monthly_target: int = DEFAULT_MONTHLY_TARGET
    created_at: datetime


class KeyOut(BaseModel):
    key_id: str
    active: bool
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class IssuedKey(BaseModel):
    """The only response that ever contains a full key: store it now, it is not shown again."""

    opd: OpdOut
    key_id: str
    api_key: str


def report_out(doc: dict[str, Any]) -> ReportOut:
    """The OPD's view of a stored report (see `repository` for the document's layout)."""
    content = doc["content"]
    return ReportOut(
        id=doc["_id"], status=Status(doc["status"]), status_reason=doc.get("status_reason"),
        revision=doc["revision"], title=content["title"], body_html=content["body_html"],
        summary=content.get("summary"), activity_at=content["activity_at"],
        location=content["location"], category=content["category"],
        tags=content.get("tags", []), attachments=content.get("attachments", []),
        photos=[PhotoOut.model_validate(p) for p in shown(content.get("attachments", []))],
        press_invitation=content.get("press_invitation"),
        publications=doc.get("publications", []),
        requests=[RequestOut.model_validate(r) for r in doc.get("requests", [])],
        publish_at=doc.get("publish_at"),
        submitted_at=doc["submitted_at"], updated_at=doc["updated_at"],
    )


ReportIdPath = Annotated[str, Path(max_length=64)]
CODE_PATH = Path(max_length=40)
KEY_ID_PATH = Path(max_length=40)
