"""`warta journalist ...`: partner journalists and their subscriptions, via the notifier's API."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from email.message import EmailMessage

import httpx

from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group
from warta_cli.session import Refused, Target, admin_token, request, service_url


async def add_journalist(notifier: Target | str, token: str, *, name: str, email: str,
                         opd_ids: Sequence[str] = (), categories: Sequence[str] = ()) -> str:
    """Register a journalist (all OPDs / categories when the lists are empty); returns the id."""
    body = {"name": name, "email": email, "opd_ids": list(opd_ids),
            "categories": list(categories)}
    try:
        created = await request(notifier, token, "POST", "/v1/journalists", json=body)
    except Refused as refused:
        if refused.status == 409:
            raise CommandError(f"a journalist with email {email} already exists") from refused
        raise
    return str(created["id"])


_CONFIRM_PATH = re.compile(r"/v1/signup/confirm/[A-Za-z0-9._~-]+")


async def confirm_from_mail(notifier: Target | str, messages: Iterable[EmailMessage],
                            email: str) -> bool:
    """Press the button behind the confirmation link a journalist was mailed (double opt-in),
    as the person would; False when no confirmation has arrived for that address yet."""
    for message in messages:
        if email.lower() not in str(message["To"]).lower():
            continue
        part = message.get_body(("plain",))
        found = _CONFIRM_PATH.search(part.get_content() if part is not None else "")
        if found is not None:
            target = Target(notifier) if isinstance(notifier, str) else notifier
            async with httpx.AsyncClient(base_url=target.base_url, transport=target.transport,
                                         timeout=30) as client:
                answer = await client.post(found.group(0), headers={"Accept": "application/json"})
            if answer.status_code != 200:
                raise CommandError(f"confirming {email} was refused: {answer.text}")
            return True
    return False


async def opd_ids_of(ingest: Target | str, token: str, codes_or_ids: Sequence[str]
                     ) -> list[str]:
    """People know OPD codes, events carry ids: resolve either through ingest's admin API."""
    if not codes_or_ids:
        return []
    opds = await request(ingest, token, "GET", "/v1/admin/opds")
    by_key = {**{o["code"]: o["id"] for o in opds}, **{o["id"]: o["id"] for o in opds}}
    resolved = []
    for value in codes_or_ids:
        found = by_key.get(value.strip().upper()) or by_key.get(value.strip())
        if found is None:
            raise CommandError(f"no OPD with code or id {value!r} (see `warta opd list`)")
        resolved.append(found)
    return resolved


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    token = await admin_token(settings)
    opd_ids = await opd_ids_of(service_url(settings, "ingest"), token, args.opd)
    journalist_id = await add_journalist(service_url(settings, "notifier"), token,
                                         name=args.name, email=args.email, opd_ids=opd_ids,
                                         categories=args.category)
    print(f"journalist {args.email.strip().lower()} added (id {journalist_id})")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    token = await admin_token(settings)
    notifier = service_url(settings, "notifier")
    cursor: str | None = None
    while True:
        page = await request(notifier, token, "GET", "/v1/journalists",
                             params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        for doc in page["items"]:
            state = "active  " if doc.get("active") else "inactive"
            opds = ",".join(doc.get("opd_ids", [])) or "all OPDs"
            categories = ",".join(doc.get("categories", [])) or "all categories"
            print(f"{doc['id']}  {state} {doc['email']:<32} {doc['name']}  "
                  f"[{opds}] [{categories}]")
        cursor = page["next_cursor"]
        if not cursor:
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
