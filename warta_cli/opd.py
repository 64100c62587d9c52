"""`warta opd ...`: OPDs and their API keys in ingest's database (keys are printed once)."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import ValidationError

from services.ingest.domain import TIMEZONES
from services.ingest.onboarding import OpdAdmin
from services.ingest.opds import OpdRepository
from services.ingest.schemas import OpdIn
from shared.errors import ApiError
from shared.mongo import MongoHandle
from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group


@asynccontextmanager
async def _admin(settings: Settings) -> AsyncIterator[OpdAdmin]:
    mongo = MongoHandle(settings, "ingest")
    try:
        repo = OpdRepository(mongo.db)
        await repo.ensure_indexes()
        yield OpdAdmin(repo)
    except ApiError as exc:  # the use cases speak HTTP-ish refusals; the operator reads text
        raise CommandError(exc.message) from exc
    finally:
        mongo.close()


async def create_opd(settings: Settings, *, code: str, name: str, region: str, timezone: str,
                     email: str | None = None, phone: str | None = None) -> tuple[str, str]:
    """Create an OPD with its first key; returns (opd id, full API key)."""
    try:  # the same validation as the admin API
        fields = OpdIn(code=code, name=name, region=region, timezone=timezone,
                       email=email, phone=phone)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CommandError(problems) from exc
    async with _admin(settings) as admin:
        opd, _, api_key = await admin.create(**fields.model_dump())
        return str(opd["_id"]), api_key


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    opd_id, api_key = await create_opd(settings, code=args.code, name=args.name,
                                       region=args.region, timezone=args.timezone,
                                       email=args.email, phone=args.phone)
    print(f"OPD {args.code} created (id {opd_id}).")
    print(f"API key (shown once, store it now): {api_key}")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    async with _admin(settings) as admin:
        for opd in await admin.all_opds():
            print(f"{opd['code']:<24} {opd['_id']}  {opd['timezone']:<16} {opd['name']}")
    return 0


async def _keys(args: argparse.Namespace, settings: Settings) -> int:
    async with _admin(settings) as admin:
        for key in await admin.keys(args.code):
            state = "active " if key.active else "revoked"
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            print(f"{key.key_id}  {state}  created {key.created_at.isoformat()}  last used {used}")
    return 0


async def _rotate(args: argparse.Namespace, settings: Settings) -> int:
    async with _admin(settings) as admin:
        key_id, api_key = await admin.rotate(args.code)
    print(f"New key {key_id} for {args.code}; the old key works until you revoke it.")
    print(f"API key (shown once, store it now): {api_key}")
    return 0


async def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    async with _admin(settings) as admin:
        await admin.revoke(args.code, args.key_id)
    print(f"Key {args.key_id} of {args.code} revoked.")
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "opd", "OPDs (work units) and their API keys")
    create = commands.add_parser("create", help="create an OPD and print its API key once")
    create.add_argument("--code", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--region", required=True)
    create.add_argument("--timezone", required=True, choices=sorted(TIMEZONES))
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
