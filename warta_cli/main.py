"""`warta`: the administration console (accounts, OPDs, journalists, the local stack, demo)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from shared.settings import Settings
from warta_cli import (
    admin,
    channel,
    commands,
    compliance,
    demo,
    dlq,
    editor,
    journalist,
    opd,
    stack,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warta", description=__doc__)
    groups = parser.add_subparsers(dest="group", required=True)
    for module in (admin, opd, editor, journalist, stack, demo, dlq, channel, compliance):
        module.add_commands(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The command signs nothing: it reads endpoints, so it runs in development unless told
    # otherwise. The services it starts get WARTA_ENV from `warta stack up`, explicitly.
    settings = Settings(env=os.environ.get("WARTA_ENV") or "development")
    try:
        if getattr(args, "sync", False):
            code: int = args.func(args, settings)
        else:
            code = asyncio.run(args.func(args, settings))
    except KeyboardInterrupt:
        return 130
    except commands.CommandError as exc:
        print(f"warta: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
