"""`warta demo`: the walking skeleton against the running local stack, hop by hop; after
`warta stack up --sandbox`, onto all six channels, each post fetched back from its URL."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shared.settings import Settings
from warta_cli import infra, sandbox_stack
from warta_cli.channel_journey import ALL_CHANNELS, ChannelResult
from warta_cli.commands import CommandError, Groups
from warta_cli.journey import Endpoints, JourneyFailed, run_journey
from warta_cli.mailpit import read_mailbox
from warta_cli.second_factor import StackKeyring
from warta_cli.stack import DEMO_FILE, front_door_url


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    home = Path(args.home)
    credentials_file = home / DEMO_FILE
    if not credentials_file.exists():
        raise CommandError("no demo credentials: start the stack first with `make up`")
    credentials = json.loads(credentials_file.read_text())
    # Every hop goes through the front door, as a user's would.
    endpoints = Endpoints(*[front_door_url(settings)] * 4)
    sandboxes = sandbox_stack.running(home)
    try:
        journey = await run_journey(
            endpoints, api_key=credentials["api_key"],
            editor=(credentials["editor"], credentials["password"]),
            mailbox=lambda: read_mailbox(infra.mailpit_api(settings.mailpit_port)),
            journalist_email=credentials["journalist_email"],
            channels=ALL_CHANNELS if sandboxes else None,
            second_factor=StackKeyring(home))  # the demo's chief editor, signed in by the stack
    except JourneyFailed as exc:
        raise CommandError(f"demo failed: {exc}") from exc
    print(f"Report {journey.report_id}: {journey.headline}")
    previous = 0.0
    for number, hop in enumerate(journey.hops, 1):
        print(f"  {number}. {hop.name:<42} +{(hop.seconds - previous) * 1000:7.0f} ms"
              f"  (t={hop.seconds:5.2f} s) {hop.detail}")
        previous = hop.seconds
    if sandboxes is None:
        print("Demo passed.\n(The feed only: after `warta stack up --sandbox` the demo reaches "
              "all six channels.)")
        return 0
    print("Channels (approval -> published; then the URL fetched back):")
    for result in journey.channels:
        print(_channel_line(result))
    failed = [r.channel for r in journey.channels if not r.ok]
    if failed:
        raise CommandError(f"demo incomplete: {', '.join(failed)} did not answer with the "
                           "article (see above)")
    print("Demo passed. All six channels answer with the article.")
    return 0


def _channel_line(result: ChannelResult) -> str:
    took = f"{result.seconds * 1000:7.0f} ms" if result.seconds is not None else "      - ms"
    if result.state == "missing":
        why = "no publication recorded"
    elif result.state != "published":
        why = f"{result.state}: {result.error or 'still waiting'}"
        if "not configured" in (result.error or "") or "no adapter" in (result.error or ""):
            why = f"NOT CONFIGURED ({result.error})"
    elif result.shows_article:
        why = f"fetched back: HTTP {result.fetched}, shows the article"
    else:
        why = f"fetched back: HTTP {result.fetched}, article NOT found {result.error or ''}"
    return f"  {result.channel:<10} {took}  {result.url or '-'}\n             {why}"


def add_commands(groups: Groups) -> None:
    demo = groups.add_parser("demo", help="run one report through all four services")
    demo.add_argument("--home", default=str(infra.HOME))
    demo.set_defaults(func=_demo)
