"""Pure rules of channel health as editorial shows it: which states warn, and in what words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.vocabulary import CHANNELS, ChannelHealth

# The health values an editor must hear about. `healthy` and `unknown` (never checked) say nothing.
NEEDS_RECONNECT, UNREACHABLE, OFF = (ChannelHealth.NEEDS_RECONNECT.value,
                                     ChannelHealth.UNREACHABLE.value, ChannelHealth.OFF.value)
_STATE = {NEEDS_RECONNECT: "perlu dihubungkan ulang", UNREACHABLE: "tidak dapat dihubungi",
          OFF: "sedang dimatikan"}
# What happens to an approval's post meanwhile (the publisher's queue: paused or retrying).
_MEANWHILE = {
    NEEDS_RECONNECT: "kiriman menunggu dan terbit sekali setelah admin menghubungkannya ulang",
    UNREACHABLE: "penerbit terus mencoba hingga kanal dapat dihubungi",
    OFF: "kiriman tidak terbit sampai admin menyalakan kanal ini",
}
NAMES = {"website": "Situs web", "feed": "Umpan RSS", "telegram": "Telegram",
         "facebook": "Facebook", "instagram": "Instagram", "x": "X"}


@dataclass(frozen=True)
class ChannelWarning:
    channel: str
    health: str
    reason: str | None
    message: str  # Indonesian, for the editor


def unhealthy(health: str | None) -> bool:
    return health in _STATE


def describe(channel: str, health: str, reason: str | None) -> str:
    """"Kanal Telegram perlu dihubungkan ulang (Unauthorized)." and what happens meanwhile."""
    name = NAMES.get(channel, channel)
    why = f" ({reason})" if reason else ""
    return f"Kanal {name} {_STATE[health]}{why}; {_MEANWHILE[health]}."


def warnings(chosen: Sequence[str], states: Mapping[str, Mapping[str, Any]]
             ) -> list[ChannelWarning]:
    """One warning per chosen channel whose last known health is a problem, in `chosen` order."""
    found = []
    for channel in dict.fromkeys(chosen):
        state = states.get(channel) or {}
        health = str(state.get("health") or "")
        if unhealthy(health):
            reason = state.get("reason")
            found.append(ChannelWarning(channel, health, reason and str(reason),
                                        describe(channel, health, reason and str(reason))))
    return found


def order(channel: str) -> tuple[int, str]:
    """Known channels in the vocabulary's order, then any other name alphabetically."""
    return (CHANNELS.index(channel), "") if channel in CHANNELS else (len(CHANNELS), channel)
