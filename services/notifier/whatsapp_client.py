"""WhatsApp Cloud API client: template messages, and the Graph error codes mapped to what to do."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from services.notifier.whatsapp_templates import TEMPLATES
from shared.settings import Settings

log = logging.getLogger("warta.notifier.whatsapp")

TIMEOUT = 10.0


class Action(StrEnum):
    BACK_OFF = "back_off"                # 130429 throughput, 131056 pair rate: retry later
    TEMPLATE_ONLY = "template_only"      # 131047: the 24 h window is closed
    UNDELIVERABLE = "undeliverable"      # 131026: suppress that number
    TEMPLATE_BROKEN = "template_broken"  # 132000/132001: configuration, alert the admins
    RECONNECT = "reconnect"              # 190 (and 0, 10): the channel needs reconnecting
    RETRY = "retry"                      # 5xx, 131000, transport trouble
    REFUSED = "refused"                  # anything else: dead for this message


_ACTIONS = {130429: Action.BACK_OFF, 131056: Action.BACK_OFF, 131047: Action.TEMPLATE_ONLY,
            131026: Action.UNDELIVERABLE, 132000: Action.TEMPLATE_BROKEN,
            132001: Action.TEMPLATE_BROKEN, 190: Action.RECONNECT, 0: Action.RECONNECT,
            10: Action.RECONNECT, 131000: Action.RETRY, 1: Action.RETRY, 2: Action.RETRY}


def action_for(code: int | None, http_status: int) -> Action:
    if code is not None and code in _ACTIONS:
        return _ACTIONS[code]
    return Action.RETRY if http_status >= 500 or http_status == 429 else Action.REFUSED


class WhatsAppFailed(Exception):
    def __init__(self, action: Action, code: int | None, error: str) -> None:
        super().__init__(error)
        self.action, self.code, self.error = action, code, error

    @property
    def permanent(self) -> bool:
        """A dead token is not the message's fault: it waits for the channel's reconnection."""
        return self.action not in (Action.BACK_OFF, Action.RETRY, Action.RECONNECT)


@dataclass(frozen=True)
class Sent:
    message_id: str


class WhatsAppClient:
    def __init__(self, settings: Settings) -> None:
        self._base = settings.notifier_whatsapp_api_url.rstrip("/")
        self._number = settings.notifier_whatsapp_phone_number_id
        token = settings.notifier_whatsapp_token
        self._token = token.get_secret_value() if token else None

    @property
    def configured(self) -> bool:
        return bool(self._number and self._token)

    async def send_template(self, to_e164: str, template: str, parameters: Sequence[str],
                            callback: str) -> Sent:
        """Raises TemplateMismatch before anything is sent, WhatsAppFailed on an error answer."""
        payload = TEMPLATES[template].payload(parameters)
        if not self.configured:
            raise WhatsAppFailed(Action.RECONNECT, None, "WhatsApp is not configured")
        body = {"messaging_product": "whatsapp", "recipient_type": "individual",
                "to": to_e164.lstrip("+"), "type": "template",
                "biz_opaque_callback_data": callback[:512], "template": payload}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
                response = await http.post(f"{self._base}/{self._number}/messages", json=body,
                                           headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as exc:
            raise WhatsAppFailed(Action.RETRY, None, f"WhatsApp unreachable: {exc!r}") from exc
        answer = _json(response)
        if response.status_code == 200 and answer.get("messages"):
            return Sent(str(answer["messages"][0]["id"]))
        found = answer.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        action = action_for(code, response.status_code)
        text = f"WhatsApp {response.status_code} code {code}: {error.get('message', '')}"[:500]
        raise WhatsAppFailed(action, code, text)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
