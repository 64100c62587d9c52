"""The DM bot's Bot API client: one method call, its answer or a typed failure."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from shared.settings import Settings

TIMEOUT = 10.0


class TelegramFailed(Exception):
    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"Telegram {status}: {description}")
        self.status, self.description, self.retry_after = status, description, retry_after


class TelegramClient:
    def __init__(self, settings: Settings) -> None:
        self._base = settings.notifier_telegram_api_url.rstrip("/")
        token = settings.notifier_telegram_bot_token
        self._token = token.get_secret_value() if token else None
        self.username = settings.notifier_telegram_bot_username

    @property
    def configured(self) -> bool:
        return bool(self._token)

    async def call(self, method: str, params: dict[str, Any], http_timeout: float = TIMEOUT
                   ) -> Any:
        """The token is in the path: never logged (errors carry the method only)."""
        if not self._token:
            raise TelegramFailed(401, "the DM bot is not configured")
        try:
            # A hard bound on the whole call: the poller's lease relies on it.
            async with (asyncio.timeout(http_timeout),
                        httpx.AsyncClient(timeout=http_timeout, follow_redirects=False) as http):
                response = await http.post(f"{self._base}/bot{self._token}/{method}",
                                           json=params)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise TelegramFailed(503, f"{method}: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 200 and isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        parameters = body.get("parameters") or {} if isinstance(body, dict) else {}
        description = body.get("description", "") if isinstance(body, dict) else ""
        raise TelegramFailed(response.status_code, f"{method}: {description}"[:300],
                             parameters.get("retry_after"))
