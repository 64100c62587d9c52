"""HTTP input and output models: inputs forbid unknown fields; outputs expose no internals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.mongo import Document

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EditIn(Input):
    headline: str | None = Field(default=None, min_length=5, max_length=200)
    body_html: str | None = Field(default=None, min_length=1, max_length=50_000)
    summary: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, min_length=1, max_length=60)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, max_length=15)


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


class ArticleSummaryOut(BaseModel):
    id: str
    report_id: str
    status: str
    version: int
    opd: dict[str, Any]
    headline: str
    category: str
    assignee: str | None = None
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


def article_out(doc: Document) -> ArticleOut:
    return ArticleOut.model_validate({**doc, "id": doc["_id"]})


def summary_out(doc: Document) -> ArticleSummaryOut:
    return ArticleSummaryOut.model_validate({**doc, "id": doc["_id"]})
