"""HTTP input and output models: inputs forbid unknown fields; outputs expose no internals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.mongo import Document

Text = Annotated[str, Field(min_length=1, max_length=2000)]
# The longest a per-channel text may be stored (Facebook's limit); each channel's own limit is
# checked at approval and shown by the preview.
ChannelText = Annotated[str, Field(max_length=63_206)]
PhotoText = Annotated[str, Field(max_length=500)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelTextsIn(Input):
    """The editor's text per channel; "" goes back to the default text."""

    x: ChannelText | None = Field(default=None, description="the X post")
    telegram: ChannelText | None = Field(default=None, description="the Telegram caption")
    instagram: ChannelText | None = Field(default=None, description="the Instagram caption")
    facebook: ChannelText | None = Field(default=None, description="the Facebook message")

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class EditIn(Input):
    headline: str | None = Field(default=None, min_length=5, max_length=200)
    body_html: str | None = Field(default=None, min_length=1, max_length=50_000)
    summary: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, min_length=1, max_length=60)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, max_length=15)
    channel_texts: ChannelTextsIn | None = None


class PhotoIn(Input):
    id: str = Field(min_length=1, max_length=100)
    caption: PhotoText | None = None
    credit: Annotated[str, Field(max_length=120)] | None = None
    alt_text: PhotoText | None = None


class PhotosIn(Input):
    photos: list[PhotoIn] = Field(min_length=1, max_length=50)


class CorrectIn(EditIn):
    correction_note: Text


class ReasonIn(Input):
    reason: Text


class CommentIn(Input):
    text: Text


class ApproveIn(Input):
    channels: list[Annotated[str, Field(max_length=20)]] = Field(
        min_length=1, max_length=10, examples=[["website", "feed"]])
    publish_at: AwareDatetime | None = Field(default=None, description="embargo, with time zone")
    override_reason: str | None = Field(
        default=None, min_length=1, max_length=500,
        description="why the second pair of eyes is overridden (the approver last changed the "
                    "content); recorded on the article")


class ArticleSummaryOut(BaseModel):
    id: str
    report_id: str
    status: str
    version: int = Field(description="bumped by every change of the article")
    content_version: int = Field(default=1, description="what If-Match and versions refer to")
    opd: dict[str, Any]
    headline: str
    category: str
    assignee: str | None = None
    claim: dict[str, Any] | None = Field(default=None, description="by, at, until")
    ready: dict[str, Any] | None = Field(default=None, description="marked ready: by, at")
    publish_at: datetime | None = None
    updated_at: datetime


class ArticleOut(ArticleSummaryOut):
    body_html: str
    summary: str | None = None
    tags: list[str] = []
    attachments: list[dict[str, Any]] = []
    press_invitation: dict[str, Any] | None = None
    activity_at: datetime | None = None
    location: str | None = None
    channels: list[str] = []
    channel_texts: dict[str, str] = {}
    content_changed_by: str | None = None
    approved_by: str | None = None
    second_eyes_override: dict[str, Any] | None = None
    taken_over: dict[str, Any] | None = None
    publications: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per channel: url, external_id, published_at")
    history: list[dict[str, Any]] = []


class ArticleListOut(BaseModel):
    items: list[ArticleSummaryOut]
    next_cursor: str | None


class VersionOut(BaseModel):
    version: int
    at: datetime
    by: str | None = None
    headline: str | None = None
    body_html: str | None = None
    summary: str | None = None
    category: str | None = None
    tags: list[str] | None = None
    attachments: list[dict[str, Any]] | None = None
    channel_texts: dict[str, str] | None = None


class LineChangeOut(BaseModel):
    op: str = Field(examples=["replace"], description="replace | insert | delete")
    before: list[str]
    after: list[str]
    at_line: int


class FieldDiffOut(BaseModel):
    field: str = Field(examples=["headline"])
    before: str | None = None
    after: str | None = None
    changes: list[LineChangeOut]
    unified: list[str]


class DiffOut(BaseModel):
    from_: int = Field(alias="from")
    to: int
    text: list[FieldDiffOut] = Field(description="headline, summary, body (as text)")
    also_changed: list[str] = Field(description="other content fields that differ")


class ProblemOut(BaseModel):
    channel: str
    code: str
    message: str
    count: int
    limit: int


class ChannelPreviewOut(BaseModel):
    channel: str
    text: str = Field(description="the text as it will go out")
    body: str = Field(description="the body in the channel's format")
    count: int
    limit: int | None = None
    images: int = Field(description="photos the channel will take")
    problems: list[ProblemOut]


class PreviewOut(BaseModel):
    channels: list[ChannelPreviewOut]


class CommentOut(BaseModel):
    id: str
    article_id: str
    by: str
    text: str
    at: datetime


def comment_out(doc: Document) -> CommentOut:
    return CommentOut.model_validate({**doc, "id": doc["_id"]})


def article_out(doc: Document) -> ArticleOut:
    return ArticleOut.model_validate({**doc, "id": doc["_id"]})


def summary_out(doc: Document) -> ArticleSummaryOut:
    return ArticleSummaryOut.model_validate({**doc, "id": doc["_id"]})
