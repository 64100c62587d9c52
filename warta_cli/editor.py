"""`warta editor ...`: editor accounts, through editorial's admin API."""

from __future__ import annotations

import argparse
import getpass
from urllib.parse import quote

from shared.auth import ROLES
from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group
from warta_cli.session import Refused, Target, admin_token, request, service_url

PATH = "/v1/admin/accounts"


async def create_editor(editorial: Target | str, token: str, *, username: str, name: str,
                        role: str, password: str, email: str) -> bool:
    """False if the username is taken; editorial validates everything else."""
    body = {"username": username, "name": name, "role": role, "password": password,
            "email": email}
    try:
        await request(editorial, token, "POST", PATH, json=body)
    except Refused as refused:
        if refused.code == "account_exists":
            return False
        raise
    return True


async def _target(settings: Settings) -> tuple[str, str]:
    return service_url(settings, "editorial"), await admin_token(settings)


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    password = args.password or getpass.getpass("Password: ")
    editorial, token = await _target(settings)
    created = await create_editor(editorial, token, username=args.username, name=args.name,
                                  role=args.role, password=password, email=args.email)
    if not created:
        raise CommandError(f"editor {args.username!r} already exists")
    print(f"editor {args.username} created with role {args.role}")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    editorial, token = await _target(settings)
    cursor: str | None = None
    while True:
        page = await request(editorial, token, "GET", PATH,
                             params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        for account in page["items"]:
            state = "active  " if account["active"] else "disabled"
            print(f"{account['username']:<24} {state} {account['role']:<13} "
                  f"{account.get('email') or '-':<32} {account['name']}")
        cursor = page["next_cursor"]
        if not cursor:
            return 0


async def _set_active(args: argparse.Namespace, settings: Settings) -> int:
    editorial, token = await _target(settings)
    action = "disable" if args.command == "disable" else "enable"
    body = {"reason": args.reason} if action == "disable" else None
    await request(editorial, token, "POST", f"{PATH}/{quote(args.username)}/{action}",
                  json=body)
    print(f"account {args.username} {action}d")
    return 0


async def _reset_totp(args: argparse.Namespace, settings: Settings) -> int:
    editorial, token = await _target(settings)
    await request(editorial, token, "DELETE", f"{PATH}/{quote(args.username)}/totp")
    print(f"second factor of {args.username} reset: the next login enrols a new one")
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "editor", "editor accounts (editorial)")
    create = commands.add_parser("create", help="create an editor account")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--role", default="editor", choices=ROLES)
    create.add_argument("--password", help="prompted for when omitted")
    create.set_defaults(func=_create)
    commands.add_parser("list", help="list accounts").set_defaults(func=_list)
    disable = commands.add_parser("disable", help="disable an account: its tokens stop working")
    disable.add_argument("username")
    disable.add_argument("--reason", required=True)
    disable.set_defaults(func=_set_active)
    enable = commands.add_parser("enable", help="enable a disabled account again")
    enable.add_argument("username")
    enable.set_defaults(func=_set_active)
    reset = commands.add_parser("reset-totp", help="forget an account's TOTP secret (a lost "
                                "phone): its next login enrols a new one")
    reset.add_argument("username")
    reset.set_defaults(func=_reset_totp)
