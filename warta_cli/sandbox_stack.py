"""`warta stack up --sandbox`: the four contract servers as supervised processes, and the
settings that point the publisher's social channels (and the notifier's WhatsApp) at them.

The sandboxes keep their state in memory: after a restart their posts are gone, and the X
account is made again with the same known tokens. The channel credentials are also set through
the publisher's admin API once it runs, since the environment only seeds a channel that has
none stored (a previous run's credentials would otherwise win).
"""

from __future__ import annotations

import functools
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from warta_cli import infra
from warta_cli.commands import CommandError
from warta_cli.second_factor import StackKeyring
from warta_cli.session import login
from warta_cli.supervisor import Supervisor

STATE_FILE = "sandbox.json"  # for `warta demo`
NAMES = ("telegram", "graph", "x", "whatsapp")
# Known test values: the graph and WhatsApp sandboxes' default accounts; ours for the others.
TELEGRAM_TOKEN = "7000000001:sandbox-telegram-token"  # noqa: S105 - a sandbox's, public
TELEGRAM_CHANNEL = "@warta_demo"
FACEBOOK_PAGE, FACEBOOK_TOKEN = "104000000000001", "sandbox-facebook-page-token"
INSTAGRAM_USER, INSTAGRAM_TOKEN = "17841400000000001", "sandbox-instagram-token"
WHATSAPP_NUMBER, WHATSAPP_TOKEN = "109000000000001", "sandbox-whatsapp-token"
X_ACCOUNT = {"username": "warta_demo", "client_id": "warta-sandbox-client",
             "client_secret": "sandbox-x-client-secret", "access_token": "sandbox-x-access-token",
             "refresh_token": "sandbox-x-refresh-token"}


@dataclass(frozen=True)
class Sandboxes:
    urls: dict[str, str]  # name -> http://127.0.0.1:<port>
    x_user_id: str

    def channel_fields(self) -> dict[str, dict[str, str]]:
        """Each social channel's credentials (the adapters' Credentials fields)."""
        graph = f"{self.urls['graph']}/v24.0"
        expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        return {
            "telegram": {"bot_token": TELEGRAM_TOKEN, "channel_id": TELEGRAM_CHANNEL,
                         "api_base_url": self.urls["telegram"],
                         "public_url_base": self.urls["telegram"]},
            "facebook": {"page_id": FACEBOOK_PAGE, "page_token": FACEBOOK_TOKEN,
                         "api_base_url": graph},
            "instagram": {"user_id": INSTAGRAM_USER, "token": INSTAGRAM_TOKEN,
                          "api_base_url": graph},
            "x": {"client_id": X_ACCOUNT["client_id"],
                  "client_secret": X_ACCOUNT["client_secret"],
                  "access_token": X_ACCOUNT["access_token"],
                  "refresh_token": X_ACCOUNT["refresh_token"], "expires_at": expires,
                  "user_id": self.x_user_id, "username": X_ACCOUNT["username"],
                  "api_base_url": self.urls["x"], "public_url_base": self.urls["x"]},
        }

    def env(self) -> dict[str, str]:
        """WARTA_<CHANNEL>_<FIELD> for the publisher, WARTA_NOTIFIER_WHATSAPP_* for the notifier."""
        env = {f"WARTA_{channel.upper()}_{name.upper()}": value
               for channel, fields in self.channel_fields().items()
               for name, value in fields.items()}
        env |= {"WARTA_NOTIFIER_WHATSAPP_API_URL": f"{self.urls['whatsapp']}/v24.0",
                "WARTA_NOTIFIER_WHATSAPP_TOKEN": WHATSAPP_TOKEN,
                "WARTA_NOTIFIER_WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_NUMBER}
        return env


def _launch(name: str, port: int, home: Path) -> infra.Process:
    process = infra.spawn(f"sandbox-{name}",
                          [sys.executable, "-m", "sandbox", name, "--port", str(port)],
                          home / "logs" / f"sandbox-{name}.log", cwd=infra.ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not process.alive():
            raise CommandError(f"sandbox {name} exited; see {process.log_path}")
        try:
            if httpx.get(f"{url}/_sandbox/state", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise CommandError(f"sandbox {name} did not answer on {url}")
    if name == "x":  # a fresh X stand-in knows no account: the same known one each start
        httpx.post(f"{url}/_sandbox/accounts", json=X_ACCOUNT, timeout=5).raise_for_status()
    return process


def launch(supervisor: Supervisor, base_port: int, home: Path, stop_rank: int) -> Sandboxes:
    ports = {name: base_port + offset for offset, name in enumerate(NAMES)}
    for name, port in ports.items():
        supervisor.start(f"sandbox-{name}", functools.partial(_launch, name, port, home),
                         stop_rank=stop_rank)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    me = httpx.get(f"{urls['x']}/2/users/me", timeout=5,
                   headers={"Authorization": f"Bearer {X_ACCOUNT['access_token']}"})
    me.raise_for_status()
    found = Sandboxes(urls, str(me.json()["data"]["id"]))
    (home / STATE_FILE).write_text(json.dumps({"urls": urls}, indent=2))
    return found


def running(home: Path) -> dict[str, str] | None:
    """The sandboxes' URLs that the last `warta stack up --sandbox` wrote, if any."""
    path = home / STATE_FILE
    if not path.exists():
        return None
    urls: dict[str, str] = json.loads(path.read_text())["urls"]
    return urls


async def set_channels(base: str, admin: tuple[str, str], sandboxes: Sandboxes, home: Path
                       ) -> dict[str, str]:
    """Each social channel's credentials through the admin API; name -> its health."""
    publisher, token = base, (await login(base, *admin, StackKeyring(home))).access_token
    health: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for name, fields in sandboxes.channel_fields().items():
            answer = await http.put(f"{publisher}/v1/channels/{name}/credentials",
                                    json={"fields": fields},
                                    headers={"Authorization": f"Bearer {token}"})
            health[name] = (str(answer.json().get("health")) if answer.status_code == 200
                            else f"HTTP {answer.status_code}: {answer.text[:200]}")
    return health


def print_summary(sandboxes: Sandboxes, health: dict[str, str]) -> None:
    print("Sandboxes (local contract servers; the social channels point at them):")
    for name, url in sandboxes.urls.items():
        channels = {"telegram": "telegram", "graph": "facebook, instagram", "x": "x",
                    "whatsapp": "notifier WhatsApp"}[name]
        states = ", ".join(f"{c} {health[c]}" for c in health if c in channels)
        print(f"  {name:<9} {url}   ({channels}{': ' + states if states else ''})")
