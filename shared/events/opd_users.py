"""Events of OPD user accounts: ingest asks the notifier to mail a password link."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.envelope import EventData

OPD_USER_PASSWORD_RESET_REQUESTED = "opd_user.password_reset_requested"  # noqa: S105


class OpdUserPasswordResetRequestedV1(EventData):
    """Mail `link` to `email`. The link holds a single-use secret valid until `expires_at`; the
    topic keeps events only briefly (shared/topics.py) and the secret's hash is all ingest keeps.
    `purpose` "welcome": a new account's first password (a longer-lived link)."""

    username: str
    name: str
    email: str
    opd_id: str
    opd_name: str
    purpose: Literal["reset", "welcome"]
    link: str
    expires_at: datetime
    valid_for: str = Field(description='how long the link lasts, in Indonesian ("30 menit")')
