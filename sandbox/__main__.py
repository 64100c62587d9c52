"""Run one contract server: `python -m sandbox telegram --port 8701`.

Each module's `create_app()` returns a FastAPI app that answers like the vendor's API (paths,
auth, limits, error bodies) and exposes `/_sandbox/...` control routes for tests: what was
posted, and faults to inject into the next requests.
"""

from __future__ import annotations

import argparse
import importlib

import uvicorn

SANDBOXES = {
    "telegram": "sandbox.telegram",   # Telegram Bot API (publisher channel bot, notifier DM bot)
    "graph": "sandbox.graph",         # Meta Graph API: Facebook Page and Instagram publishing
    "x": "sandbox.x",                 # X API v2
    "whatsapp": "sandbox.whatsapp",   # WhatsApp Cloud API (also a Graph API, own server)
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    parser.add_argument("name", choices=sorted(SANDBOXES))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    module = importlib.import_module(SANDBOXES[args.name])
    uvicorn.run(module.create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
