"""The media-partner register's API shapes: outlets, proofs of publication (validated)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

# Dewan Pers verification of a press company: administratively, factually, or not (yet).
Verification = Literal["administratif", "faktual", "belum"]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class OutletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=120, examples=["Harian Fajar"])
    dewan_pers_status: Verification = Field(examples=["faktual"])
    partnership_start: date = Field(examples=["2026-01-01"])
    partnership_end: date = Field(examples=["2026-12-31"])
    website: AnyHttpUrl | None = None
    journalist_ids: list[Id] = Field(default=[], max_length=200,
                                     description="journalists of this outlet (the notifier's)")

    @model_validator(mode="after")
    def _period(self) -> OutletIn:
        if self.partnership_end < self.partnership_start:
            raise ValueError("partnership_end is before partnership_start")
        if len(set(self.journalist_ids)) != len(self.journalist_ids):
            raise ValueError("journalist_ids lists a journalist twice")
        return self


class OutletOut(OutletIn):
    id: str


class ProofIn(BaseModel):
    """A partner's story about a press release, logged on the partner's behalf."""

    model_config = ConfigDict(extra="forbid")
    outlet_id: Id
    article_id: Id
    url: AnyHttpUrl = Field(examples=["https://fajar.example/berita/vaksinasi-makassar"])
    journalist_id: Id | None = None


class ProofOut(BaseModel):
    id: str
    outlet_id: str
    article_id: str
    url: str
    journalist_id: str | None
    created: bool = Field(description="false: this story was logged already")


def outlet_out(document: dict[str, Any]) -> OutletOut:
    fields = {k: document[k] for k in OutletIn.model_fields if k in document}
    return OutletOut(id=document["_id"], **fields)
