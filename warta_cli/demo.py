"""`warta demo`: the walking skeleton against the running local stack, hop by hop."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shared.settings import Settings
from warta_cli import infra
from warta_cli.commands import CommandError, Groups
from warta_cli.journey import Endpoints, JourneyFailed, run_journey
from warta_cli.mailsink import read_mailbox
from warta_cli.stack import DEMO_FILE, front_door_url


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    home = Path(args.home)
    credentials_file = home / DEMO_FILE
    if not credentials_file.exists():
        raise CommandError("no demo credentials: start the stack first with `make up`")
    credentials = json.loads(credentials_file.read_text())
    # Every hop goes through the front door, as a user's would.
    endpoints = Endpoints(*[front_door_url(settings)] * 4)
    try:
        journey = await run_journey(
            endpoints, api_key=credentials["api_key"],
            editor=(credentials["editor"], credentials["password"]),
            mailbox=lambda: read_mailbox(home / "mail"),
            journalist_email=credentials["journalist_email"])
    except JourneyFailed as exc:
        raise CommandError(f"demo failed: {exc}") from exc
    print(f"Report {journey.report_id}: {journey.headline}")
    previous = 0.0
    for number, hop in enumerate(journey.hops, 1):
        print(f"  {number}. {hop.name:<42} +{(hop.seconds - previous) * 1000:7.0f} ms"
              f"  (t={hop.seconds:5.2f} s) {hop.detail}")
        previous = hop.seconds
    print("Demo passed.")
    return 0


def add_commands(groups: Groups) -> None:
    demo = groups.add_parser("demo", help="run one report through all four services")
    demo.add_argument("--home", default=str(infra.HOME))
    demo.set_defaults(func=_demo)
