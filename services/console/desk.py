"""What the desk pages share: the signed-in session and API calls made with its token."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.console.domain import ApiRefusal, Session
from services.console.gateway import Gateway
from services.console.handlers import SignIn
from services.console.web import SignInRequired, session_id_of


class Desk:
    def __init__(self, sign_in: SignIn, gateway: Gateway) -> None:
        self.sign_in, self.gateway = sign_in, gateway
        self.secret = sign_in.settings.console_session_secret.get_secret_value()

    async def session(self, request: Request) -> Session:
        session = await self.sign_in.current(session_id_of(request, self.secret))
        if session is None or not session.signed_in:
            raise SignInRequired
        return session

    async def api(self, session: Session, method: str, path: str, **options: Any) -> Any:
        token = await self.sign_in.token(session)
        return await self.gateway.call(method, path, token=token, **options)

    async def channel_alerts(self, session: Session) -> list[dict[str, Any]]:
        """The channels editorial reports unhealthy, for the desk's banner. A courtesy: when
        editorial cannot say, the page shows without it rather than failing."""
        try:
            found = await self.api(session, "GET", "/v1/channel-health")
        except ApiRefusal:
            return []
        return list(found.get("unhealthy") or []) if isinstance(found, dict) else []
