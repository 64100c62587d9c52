"""Which channel states warn the desk, and what the warning says (in Indonesian)."""

from __future__ import annotations

from services.editorial.channel_health_rules import order, unhealthy, warnings


def test_only_the_unhealthy_chosen_channels_warn_once_each_in_the_chosen_order() -> None:
    states = {"telegram": {"health": "needs_reconnect", "reason": "Unauthorized"},
              "x": {"health": "unreachable", "reason": None},
              "facebook": {"health": "healthy"}, "instagram": {"health": "unknown"}}
    found = warnings(["x", "website", "telegram", "facebook", "instagram", "x"], states)
    assert [(w.channel, w.health, w.reason) for w in found] == [
        ("x", "unreachable", None), ("telegram", "needs_reconnect", "Unauthorized")]
    assert found[1].message.startswith("Kanal Telegram perlu dihubungkan ulang (Unauthorized);")
    assert "dapat dihubungi" in found[0].message


def test_healthy_unknown_and_unseen_channels_say_nothing() -> None:
    assert not any(unhealthy(h) for h in ("healthy", "unknown", None, ""))
    assert unhealthy("off") and unhealthy("needs_reconnect")
    assert sorted(["zz", "x", "website", "aa"], key=order) == ["website", "x", "aa", "zz"]
