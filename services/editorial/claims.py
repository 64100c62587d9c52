"""Pure rules of claims: one editor holds an article for a while; others read and comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Claim:
    by: str
    until: datetime

    def active(self, now: datetime) -> bool:
        return self.until > now


class ClaimHeld(Exception):
    """Another editor holds the article: it can be read and commented on, not changed."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(claim.by)
        self.claim = claim


class ClaimRequired(Exception):
    """A change to the content needs the editor's own claim first."""


def claim_of(article: dict[str, Any]) -> Claim | None:
    raw = article.get("claim")
    if not raw:
        return None
    return Claim(by=str(raw["by"]), until=raw["until"])


def claim_field(by: str, now: datetime, minutes: int) -> dict[str, Any]:
    return {"by": by, "at": now, "until": now + timedelta(minutes=minutes)}


def check_claimable(article: dict[str, Any], who: str, now: datetime) -> None:
    """Anyone may claim an unclaimed or lapsed article; its holder may renew it."""
    claim = claim_of(article)
    if claim is not None and claim.by != who and claim.active(now):
        raise ClaimHeld(claim)


def check_may_change(article: dict[str, Any], who: str, now: datetime) -> None:
    """Editing needs one's own claim. A lapsed one still counts while nobody else took it:
    the edit renews it."""
    claim = claim_of(article)
    if claim is None:
        raise ClaimRequired
    if claim.by != who:
        if claim.active(now):
            raise ClaimHeld(claim)
        raise ClaimRequired


def check_may_decide(article: dict[str, Any], who: str, now: datetime) -> None:
    """A decision needs the article free or held by the one deciding."""
    check_claimable(article, who, now)


def check_take_over(article: dict[str, Any], who: str, now: datetime) -> Claim | None:
    """The claim a chief editor takes over (None: there was nothing active to take)."""
    claim = claim_of(article)
    if claim is None or claim.by == who or not claim.active(now):
        return None
    return claim
