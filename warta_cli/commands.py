"""What every command module shares: the refusal type and the sub-command helper."""

from __future__ import annotations

import argparse
from typing import Any

# argparse's sub-parser action type is private; this alias keeps signatures readable.
Groups = Any


class CommandError(Exception):
    """A refusal the operator can act on; printed without a traceback."""


def command_group(groups: Groups, name: str, help_text: str) -> Any:
    """`warta <name> ...`; returns the object to add `<name>`'s sub-commands to."""
    parser: argparse.ArgumentParser = groups.add_parser(name, help=help_text)
    return parser.add_subparsers(dest="command", required=True)
