"""`warta channel ...`: the publisher's channels and their credentials, through its admin API.

Secrets go in once (`--field bot_token=...`) and never come back: `list` shows on/off, health
and the account each channel's last check saw.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote

from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group
from warta_cli.session import admin_token, request, service_url

PATH = "/v1/channels"


def _fields(pairs: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--field wants NAME=VALUE, got {pair.split('=')[0]!r}")
        fields[name.strip()] = value
    if not fields:
        raise CommandError("give at least one --field NAME=VALUE")
    return fields


def _line(channel: dict[str, Any]) -> str:
    state = channel["health"]
    if channel.get("reason") and state != "healthy":
        state += f" ({channel['reason']})"
    account = channel.get("account") or "-"
    checked = channel.get("checked_at") or "never"
    paused = f"  {channel['paused_pending']} waiting" if channel.get("paused_pending") else ""
    return f"{channel['name']:<10} {'on ' if channel['enabled'] else 'off'}  {account:<24} " \
           f"checked {checked}  {state}{paused}"


async def _target(settings: Settings) -> tuple[str, str]:
    return service_url(settings, "publisher"), await admin_token(settings)


async def _set(args: argparse.Namespace, settings: Settings) -> int:
    publisher, token = await _target(settings)
    channel = await request(publisher, token, "PUT", f"{PATH}/{quote(args.name)}/credentials",
                            json={"fields": _fields(args.field)})
    print(_line(channel))
    return 0 if channel["health"] == "healthy" else 1


async def _off(args: argparse.Namespace, settings: Settings) -> int:
    publisher, token = await _target(settings)
    print(_line(await request(publisher, token, "DELETE",
                              f"{PATH}/{quote(args.name)}/credentials")))
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    publisher, token = await _target(settings)
    for channel in (await request(publisher, token, "GET", PATH))["items"]:
        print(_line(channel))
    return 0


async def _check(args: argparse.Namespace, settings: Settings) -> int:
    publisher, token = await _target(settings)
    channel = await request(publisher, token, "POST", f"{PATH}/{quote(args.name)}/check")
    print(_line(channel))
    return 0 if channel["health"] == "healthy" else 1


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "channel", "publishing channels and their credentials")
    put = commands.add_parser("set", help="set a channel's credentials (checked at once)")
    put.add_argument("name", help="website, telegram, facebook, instagram or x")
    put.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                     help="one credential field; repeat for each")
    put.set_defaults(func=_set)
    off = commands.add_parser("off", help="turn a channel off and erase its credentials")
    off.add_argument("name")
    off.set_defaults(func=_off)
    commands.add_parser("list", help="each channel: on/off, health, account").set_defaults(
        func=_list)
    check = commands.add_parser("check", help="run a channel's health check now")
    check.add_argument("name")
    check.set_defaults(func=_check)
