"""Telegram Bot API calls: the token in the path (never logged), answers mapped to the port.

Branch on the HTTP status and `parameters`, as the vendor advises ("error_code's contents are
subject to change"); `description` is kept for the editors. See docs/channels/telegram-bot-api.md.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from services.publisher.adapters.port import (
    ChannelAuthFailed,
    ChannelError,
    ChannelRefused,
    ChannelUnavailable,
    maybe_sent,
)

# A 400 that no retry or later post can fix until an admin changes the channel's settings.
_CONFIG_ERRORS = ("chat not found", "need administrator rights", "not enough rights")
NOT_MODIFIED = "message is not modified"
GONE = ("message to delete not found", "message to edit not found")
TOO_OLD = "message can't be deleted"


def telegram_error(status: int, body: Any) -> ChannelError:
    description = (str(body.get("description") or f"HTTP {status}") if isinstance(body, dict)
                   else f"HTTP {status}")
    parameters = (body.get("parameters") if isinstance(body, dict) else None) or {}
    code = str(status)
    if status == 429:
        retry_after = parameters.get("retry_after")
        return ChannelUnavailable(description, code=code,
                                  retry_after=float(retry_after) if retry_after else None)
    if status >= 500:
        return ChannelUnavailable(description, code=code)
    if status in {401, 404}:  # 404 = a malformed token: Telegram routes no bot at that path
        return ChannelAuthFailed(description, code=code)
    if status == 403 or any(text in description.lower() for text in _CONFIG_ERRORS):
        # The bot was removed from the channel or lost its admin rights: reconnect, not retry.
        return ChannelAuthFailed(description, code=code)
    return ChannelRefused(description, code=code)


def _acts(method: str, exc: httpx.TransportError) -> bool:
    """Every Bot API call is a POST; only the get… methods change nothing."""
    return not method.lower().startswith("get") and maybe_sent(exc)


class TelegramBot:
    def __init__(self, http: httpx.AsyncClient, base_url: str, token: SecretStr) -> None:
        self.http, self.base, self.token = http, base_url.rstrip("/"), token

    async def call(self, method: str, *, data: dict[str, Any] | None = None,
                   files: dict[str, tuple[str, bytes, str]] | None = None,
                   json: dict[str, Any] | None = None) -> Any:
        url = f"{self.base}/bot{self.token.get_secret_value()}/{method}"
        try:
            answer = await self.http.post(url, data=data, files=files, json=json)
        except httpx.TimeoutException as exc:
            # The request may have reached Telegram and posted: the queue must not blindly
            # resend (find_existing answers "ask an editor").
            raise ChannelUnavailable(f"Telegram {method}: batas waktu habis "
                                     f"({type(exc).__name__})", code="timeout",
                                     maybe_posted=_acts(method, exc)) from None
        except httpx.TransportError as exc:  # no message text: it could carry the URL
            raise ChannelUnavailable(f"Telegram {method}: tidak terjangkau "
                                     f"({type(exc).__name__})", code="network",
                                     maybe_posted=_acts(method, exc)) from None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code == 200 and isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        error = telegram_error(answer.status_code, body)
        error.message = error.message.replace(self.token.get_secret_value(), "<token>")
        raise error
