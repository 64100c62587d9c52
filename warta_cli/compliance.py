"""`warta compliance ...`: OPD reporting compliance, through editorial's API."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group
from warta_cli.session import Target, admin_token, request, service_url


async def remind(editorial: Target | str, token: str, at: datetime | None) -> list[Any]:
    """Run the monthly reminder as of `at`: OPDs below target are reminded once a month."""
    params = {"at": at.isoformat()} if at else {}
    found: list[Any] = await request(editorial, token, "POST", "/v1/admin/compliance/reminders",
                                     params=params)
    return found


async def show(editorial: Target | str, token: str, month: str | None) -> dict[str, Any]:
    found: dict[str, Any] = await request(editorial, token, "GET", "/v1/compliance",
                                          params={"month": month} if month else {})
    return found


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 moment: {text!r}") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the moment with its zone, e.g. "
                                         "2026-11-25T08:00:00+08:00")
    return moment


async def _remind(args: argparse.Namespace, settings: Settings) -> int:
    editorial = service_url(settings, "editorial")
    sent = await remind(editorial, await admin_token(settings), args.at)
    for reminder in sent:
        state = "sent now" if reminder["sent_now"] else "sent before"
        print(f"{reminder['code']:<24} {reminder['month']}  {reminder['published']}/"
              f"{reminder['target']} published  {state}")
    print(f"{sum(r['sent_now'] for r in sent)} reminder(s) sent, {len(sent)} OPD(s) below target")
    return 0


async def _show(args: argparse.Namespace, settings: Settings) -> int:
    editorial = service_url(settings, "editorial")
    table = await show(editorial, await admin_token(settings), args.month)
    if not table["items"]:
        raise CommandError(f"no OPDs known for {table['month']}")
    print(f"{table['month']}: {table['behind']} OPD(s) below target")
    for row in table["items"]:
        print(f"{row['code']:<24} submitted {row['submitted']:>3}  published "
              f"{row['published']:>3}/{row['target']:<3} sent back {row['sent_back']:>3}  "
              f"rejected {row['rejected']:>3}")
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "compliance", "OPD reporting compliance (editorial)")
    reminders = commands.add_parser("remind", help="remind OPDs below their monthly target")
    reminders.add_argument("--at", type=_moment, help="as of this moment (ISO 8601, with zone);"
                           " default now")
    reminders.set_defaults(func=_remind)
    table = commands.add_parser("show", help="the month's compliance table")
    table.add_argument("--month", help="YYYY-MM; default the current month")
    table.set_defaults(func=_show)
