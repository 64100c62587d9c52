"""Failed sign-ins counted in the database, per username and per client address."""

from __future__ import annotations

from shared.login_failures import LoginFailures as AttemptRepository

__all__ = ["AttemptRepository"]
