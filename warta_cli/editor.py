"""`warta editor ...`: editor accounts in editorial's database."""

from __future__ import annotations

import argparse
import getpass

from services.editorial.repository import EditorRepository
from shared.auth import ROLES, hash_password
from shared.mongo import MongoHandle
from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group

MIN_PASSWORD = 12


async def create_editor(settings: Settings, *, username: str, name: str, role: str,
                        password: str) -> bool:
    """False if the username is taken."""
    if role not in ROLES:
        raise CommandError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise CommandError(f"password must have at least {MIN_PASSWORD} characters")
    mongo = MongoHandle(settings, "editorial")
    try:
        return await EditorRepository(mongo.db).add(username, name, role, hash_password(password))
    finally:
        mongo.close()


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    password = args.password or getpass.getpass("Password: ")
    created = await create_editor(settings, username=args.username, name=args.name,
                                  role=args.role, password=password)
    if not created:
        raise CommandError(f"editor {args.username!r} already exists")
    print(f"editor {args.username} created with role {args.role}")
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "editor", "editor accounts")
    create = commands.add_parser("create", help="create an editor account")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", default="editor", choices=ROLES)
    create.add_argument("--password", help="prompted for when omitted")
    create.set_defaults(func=_create)
