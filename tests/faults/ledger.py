"""What the load was told: every HTTP answer, the acknowledged reports and decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

# A write's 503 may say nothing was saved only when that is true (shared.errors).
NOT_APPLIED = "not_applied"


@dataclass(frozen=True)
class Answer:
    service: str
    method: str
    path: str
    status: int
    sent: float  # wall clock, so it compares with the services' stored timestamps
    received: float
    retry_after: str | None
    code: str | None
    outcome: str | None
    message: str
    ref: str  # the Idempotency-Key or article id the request was about

    @classmethod
    def of(cls, service: str, method: str, path: str, response: httpx.Response, *,
           sent: float, received: float, ref: str = "") -> Answer:
        error: dict[str, Any] = {}
        try:
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                error = body["error"]
        except ValueError:
            pass
        details = error.get("details")
        outcome = details.get("outcome") if isinstance(details, dict) else None
        return cls(service, method, path, response.status_code, sent, received,
                   response.headers.get("Retry-After"), error.get("code"), outcome,
                   str(error.get("message", "")), ref)

    def claims_nothing_saved(self) -> bool:
        text = self.message.lower()
        return self.outcome == NOT_APPLIED or "nothing was saved" in text or (
            self.method != "GET" and "nothing was changed" in text)

    def line(self) -> str:
        return f"{self.service} {self.method} {self.path} -> {self.status} {self.code}: " \
               f"{self.message[:160]}"


@dataclass
class Ledger:
    keys: list[str] = field(default_factory=list)  # every Idempotency-Key the clients used
    reports: dict[str, str] = field(default_factory=dict)  # key -> report id, answered 201
    claimed: dict[str, bool] = field(default_factory=dict)  # article -> answered 200?
    approved: dict[str, bool] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    unanswered: int = 0  # requests that got no answer at all (the process was down)

    def decided(self, action: str, article_id: str, *, answered: bool) -> None:
        (self.claimed if action == "claim" else self.approved)[article_id] = answered

    def acknowledged(self) -> int:
        """Changes the system confirmed: reports answered 201, decisions answered 200."""
        return (len(self.reports) + sum(self.claimed.values())
                + sum(self.approved.values()))

    def server_errors(self) -> list[Answer]:
        return [a for a in self.answers if a.status >= 500 and a.status != 503]

    def unavailable(self) -> list[Answer]:
        return [a for a in self.answers if a.status == 503]

    def unanswered_keys(self) -> list[str]:
        return [k for k in self.keys if k not in self.reports]
