"""`warta admin create` (the first admin, the one direct write) and `warta login`.

Bootstrap is the exception to "one writer per database": with no admin yet, nobody can call the
admin API, so this command writes the first admin account into editorial's database itself,
through editorial's own repository and rules, and only while no admin exists. Its account event
is published at once, so the other services honour the new admin within moments.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass

from pydantic import ValidationError

from services.editorial.account_handlers import AdminExists, NewAccount, bootstrap_admin
from services.editorial.account_repository import AccountRepository
from services.editorial.account_schemas import AccountIn
from shared import topics
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.mongo import MongoHandle
from shared.outbox import OutboxRelay
from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group
from warta_cli.second_factor import Typed
from warta_cli.session import login, save, service_url

PUBLISH_SECONDS = 20.0


async def create_first_admin(settings: Settings, *, username: str, name: str, email: str,
                             password: str) -> bool:
    """Returns whether the account event reached Kafka now (else editorial relays it later)."""
    try:  # editorial's own input rules
        fields = AccountIn(username=username, name=name, email=email, role="admin",
                           password=password)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CommandError(problems) from exc
    mongo = MongoHandle(settings, "editorial")
    try:
        accounts = AccountRepository(mongo.db)
        await accounts.ensure_indexes()
        await bootstrap_admin(accounts, NewAccount(fields.username, fields.name,
                                                   str(fields.email), "admin", password))
        return await _publish(settings, accounts, fields.username)
    except AdminExists as exc:
        raise CommandError("an admin account exists already: log in as an admin and use "
                           "`warta editor create`") from exc
    finally:
        mongo.close()


async def _publish(settings: Settings, accounts: AccountRepository, username: str) -> bool:
    broker = make_broker(settings, "editorial")
    try:
        await asyncio.wait_for(ensure_topics(settings.kafka_bootstrap), PUBLISH_SECONDS)
        await asyncio.wait_for(broker.start(), PUBLISH_SECONDS)
        relay = OutboxRelay(accounts.collection, topics.ACCOUNTS, EventBus(broker),
                            fast_wait=PUBLISH_SECONDS)
        return await relay.relay_document(username) > 0
    except Exception:  # the account is saved with its event; editorial's sweep publishes it
        return False
    finally:
        await broker.stop()


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    password = args.password or getpass.getpass("Password for the first admin: ")
    published = await create_first_admin(settings, username=args.username, name=args.name,
                                         email=args.email, password=password)
    print(f"admin {args.username} created; now `warta login --username {args.username}`")
    if not published:
        print("(Kafka did not answer: the other services learn of the account once editorial "
              "runs and relays it)")
    return 0


async def _login(args: argparse.Namespace, settings: Settings) -> int:
    password = args.password or getpass.getpass("Password: ")
    tokens = await login(service_url(settings, "editorial"), args.username, password,
                         Typed(args.otp))
    path = save(args.username, tokens)
    print(f"logged in as {args.username}; session kept in {path} (refreshed by each command)")
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "admin", "the first admin account (bootstrap)")
    create = commands.add_parser("create", help="create the first admin; refused once one exists")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="prompted for when omitted")
    create.set_defaults(func=_create)
    log_in = groups.add_parser("login", help="log in as an admin for the commands that follow")
    log_in.add_argument("--username", required=True)
    log_in.add_argument("--password", help="prompted for when omitted")
    log_in.add_argument("--otp", help="the authenticator app's current code (chief editors "
                        "and admins); prompted for when omitted")
    log_in.set_defaults(func=_login)
