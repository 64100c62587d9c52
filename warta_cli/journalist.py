"""`warta journalist ...`: partner journalists and their subscriptions (notifier database)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from pydantic import ValidationError

from services.ingest.opds import OpdRepository
from services.notifier.journalists import Journalists
from services.notifier.repository import DuplicateEmail, JournalistRepository
from services.notifier.schemas import JournalistIn
from shared.mongo import MongoHandle
from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group


async def add_journalist(settings: Settings, *, name: str, email: str,
                         opd_ids: Sequence[str] = (), categories: Sequence[str] = ()) -> str:
    """Register a journalist (all OPDs / categories when the lists are empty); returns the id."""
    try:
        data = JournalistIn(name=name, email=email, opd_ids=list(opd_ids),
                            categories=list(categories))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CommandError(problems) from exc
    mongo = MongoHandle(settings, "notifier")
    try:
        repository = JournalistRepository(mongo.db)
        await repository.ensure_indexes()
        document = await Journalists(settings, repository).add(data)
    except DuplicateEmail as exc:
        raise CommandError(f"a journalist with email {data.email} already exists") from exc
    finally:
        mongo.close()
    return str(document["_id"])


async def opd_ids_of(settings: Settings, codes_or_ids: Sequence[str]) -> list[str]:
    """The console accepts OPD codes (what people know) as well as ids; events carry ids.

    The console is the one place allowed to look into two services' databases: it administers
    both. The notifier itself never reads ingest's data."""
    if not codes_or_ids:
        return []
    mongo = MongoHandle(settings, "ingest")
    try:
        opds = OpdRepository(mongo.db)
        resolved = []
        for value in codes_or_ids:
            opd = await opds.by_code(value.strip().upper()) or await opds.get(value.strip())
            if opd is None:
                raise CommandError(f"no OPD with code or id {value!r} (see `warta opd list`)")
            resolved.append(str(opd["_id"]))
        return resolved
    finally:
        mongo.close()


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    journalist_id = await add_journalist(settings, name=args.name, email=args.email,
                                         opd_ids=await opd_ids_of(settings, args.opd),
                                         categories=args.category)
    print(f"journalist {args.email.strip().lower()} added (id {journalist_id})")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    mongo = MongoHandle(settings, "notifier")
    try:
        repository = JournalistRepository(mongo.db)
        after: str | None = None
        while True:
            page = await repository.page(limit=100, after=after)
            for doc in page:
                state = "active  " if doc.get("active") else "inactive"
                opds = ",".join(doc.get("opd_ids", [])) or "all OPDs"
                categories = ",".join(doc.get("categories", [])) or "all categories"
                print(f"{doc['_id']}  {state} {doc['email']:<32} {doc['name']}  "
                      f"[{opds}] [{categories}]")
            if len(page) < 100:
                break
            after = page[-1]["_id"]
    finally:
        mongo.close()
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "journalist", "partner journalists (wartawan mitra)")
    add = commands.add_parser("add", help="add a journalist and their subscriptions")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--opd", action="append", default=[], metavar="CODE",
                     help="follow this OPD, by code or id (repeatable; none = every OPD)")
    add.add_argument("--category", action="append", default=[], metavar="C",
                     help="follow this category (repeatable; none = every category)")
    add.set_defaults(func=_add)
    commands.add_parser("list", help="list journalists").set_defaults(func=_list)
