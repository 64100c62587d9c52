"""The Telegram stand-in's memory: chats and their messages, bots' updates, injected faults."""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from sandbox.faults import Controls

DELETE_WINDOW_S = 48 * 3600  # "a message can only be deleted if it was sent less than 48 h ago"


@dataclass
class Bot:
    id: int
    updates: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    webhook: dict[str, Any] | None = None
    webhook_error: str | None = None
    started_users: set[int] = field(default_factory=set)
    blocked_users: set[int] = field(default_factory=set)


class World:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.chats: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.revoked: set[str] = set()
        self.controls = Controls()
        self.bots: dict[int, Bot] = {}
        self.calls: list[dict[str, Any]] = []
        self.clock_offset = 0.0
        self.next_update_id = 1

    def now(self) -> int:
        return int(time.time() + self.clock_offset)

    def bot(self, token: str) -> Bot:
        bot_id = int(token.split(":", 1)[0])
        return self.bots.setdefault(bot_id, Bot(bot_id))

    def chat(self, chat_id: str) -> tuple[str, dict[str, Any]]:
        """`@name` or a numeric id -> (key, Chat object); channels by name get a stable id."""
        key = chat_id.strip().lower() if chat_id.startswith("@") else str(int(chat_id))
        if key not in self.chats:
            if key.startswith("@"):
                numeric = -(1_000_000_000_000 + zlib.crc32(key.encode()))
                self.chats[key] = {"id": numeric, "type": "channel", "title": key[1:],
                                   "username": chat_id.strip()[1:]}
            elif int(key) > 0:
                self.chats[key] = {"id": int(key), "type": "private", "first_name": "Pengguna"}
            else:
                self.chats[key] = {"id": int(key), "type": "channel", "title": f"Kanal {key}"}
            self.messages[key] = []
        return key, self.chats[key]

    def add_message(self, key: str, content: dict[str, Any], sender: Bot) -> dict[str, Any]:
        chat = self.chats[key]
        message = {"message_id": len(self.messages[key]) + 1, "date": self.now(), "chat": chat,
                   **content}
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = {"id": sender.id, "is_bot": True, "first_name": "Warta",
                               "username": bot_username(sender.id)}
        self.messages[key].append(message)
        return message

    def find(self, key: str, message_id: int) -> dict[str, Any] | None:
        found = [m for m in self.messages.get(key, []) if m["message_id"] == message_id]
        return found[0] if found and not found[0].get("_deleted") else None

    def push_update(self, bot: Bot, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.next_update_id, **update}
        self.next_update_id += 1
        message = update.get("message") or {}
        sender = (message.get("from") or {}).get("id")
        if isinstance(sender, int) and str(message.get("text", "")).startswith("/start"):
            bot.started_users.add(sender)  # only now may the bot write to that user
            bot.blocked_users.discard(sender)
        bot.updates.append(update)
        bot.arrived.set()
        return update

    def snapshot(self) -> dict[str, Any]:
        return {
            "now": self.now(),
            "chats": {key: {"chat": self.chats[key], "messages": [
                {**{k: v for k, v in m.items() if k not in {"chat", "sender_chat", "_deleted"}},
                 "deleted": bool(m.get("_deleted"))} for m in messages]}
                for key, messages in self.messages.items()},
            "calls": self.calls[-500:],
            "revoked_tokens": len(self.revoked),
            "faults": [vars(f) for f in self.controls.faults if f.remaining > 0],
            "bots": {str(b.id): {"pending_updates": len(b.updates),
                                 "webhook": (b.webhook or {}).get("url"),
                                 "webhook_error": b.webhook_error,
                                 "started_users": sorted(b.started_users)}
                     for b in self.bots.values()},
        }


def bot_username(bot_id: int) -> str:
    return f"warta_sandbox_{bot_id}_bot"
