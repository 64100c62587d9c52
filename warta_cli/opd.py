"""`warta opd ...`: OPDs and their API keys, through ingest's admin API (keys printed once)."""

from __future__ import annotations

import argparse
from urllib.parse import quote

from shared.settings import Settings
from warta_cli.commands import Groups, command_group
from warta_cli.session import Target, admin_token, request, service_url

PATH = "/v1/admin/opds"


async def create_opd(ingest: Target | str, token: str, *, code: str, name: str, region: str,
                     timezone: str, email: str | None = None, phone: str | None = None
                     ) -> tuple[str, str]:
    """Create an OPD with its first key; returns (opd id, full API key). Ingest validates."""
    fields = {"code": code, "name": name, "region": region, "timezone": timezone,
              "email": email, "phone": phone}
    issued = await request(ingest, token, "POST", PATH,
                           json={k: v for k, v in fields.items() if v is not None})
    return str(issued["opd"]["id"]), str(issued["api_key"])


async def _target(settings: Settings) -> tuple[str, str]:
    return service_url(settings, "ingest"), await admin_token(settings)


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    ingest, token = await _target(settings)
    opd_id, api_key = await create_opd(ingest, token, code=args.code, name=args.name,
                                       region=args.region, timezone=args.timezone,
                                       email=args.email, phone=args.phone)
    print(f"OPD {args.code} created (id {opd_id}).")
    print(f"API key (shown once, store it now): {api_key}")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    ingest, token = await _target(settings)
    for opd in await request(ingest, token, "GET", PATH):
        print(f"{opd['code']:<24} {opd['id']}  {opd['timezone']:<16} {opd['name']}")
    return 0


async def _keys(args: argparse.Namespace, settings: Settings) -> int:
    ingest, token = await _target(settings)
    for key in await request(ingest, token, "GET", f"{PATH}/{quote(args.code)}/keys"):
        state = "active " if key["active"] else "revoked"
        print(f"{key['key_id']}  {state}  created {key['created_at']}  "
              f"last used {key.get('last_used_at') or 'never'}")
    return 0


async def _rotate(args: argparse.Namespace, settings: Settings) -> int:
    ingest, token = await _target(settings)
    issued = await request(ingest, token, "POST", f"{PATH}/{quote(args.code)}/keys")
    print(f"New key {issued['key_id']} for {args.code}; the old key works until you revoke it.")
    print(f"API key (shown once, store it now): {issued['api_key']}")
    return 0


async def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    ingest, token = await _target(settings)
    await request(ingest, token, "DELETE",
                  f"{PATH}/{quote(args.code)}/keys/{quote(args.key_id)}")
    print(f"Key {args.key_id} of {args.code} revoked.")
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "opd", "OPDs (work units) and their API keys")
    create = commands.add_parser("create", help="create an OPD and print its API key once")
    create.add_argument("--code", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--region", required=True)
    create.add_argument("--timezone", required=True, help="WIB, WITA or WIT")
    create.add_argument("--email")
    create.add_argument("--phone")
    create.set_defaults(func=_create)
    commands.add_parser("list", help="list OPDs").set_defaults(func=_list)
    keys = commands.add_parser("keys", help="list an OPD's keys (by key id)")
    keys.add_argument("code")
    keys.set_defaults(func=_keys)
    rotate = commands.add_parser("rotate-key", help="issue a second key for a change-over")
    rotate.add_argument("code")
    rotate.set_defaults(func=_rotate)
    revoke = commands.add_parser("revoke-key", help="revoke one key")
    revoke.add_argument("code")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=_revoke)
