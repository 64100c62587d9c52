"""Chief editors' and admins' TOTP code for the warta command: typed in, or the local stack's.

A person types the code (`--otp`, else a prompt; WARTA_ADMIN_OTP for the environment's
credentials): the command never keeps a real account's secret. Only the accounts the local
stack seeds for itself (`make up`, `warta demo`) keep theirs in .warta/totp.json (0600), so
the stack can sign them in unattended; the summary prints them for an authenticator app.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import time
from pathlib import Path
from typing import Protocol

import pyotp


class Authenticator(Protocol):
    def enrolled(self, username: str, secret: str, uri: str) -> None: ...

    async def code(self, username: str) -> str: ...


class Typed:
    """A person at the terminal, with an authenticator app."""

    def __init__(self, otp: str | None = None) -> None:
        self.otp = otp

    def enrolled(self, username: str, secret: str, uri: str) -> None:
        print(f"{username} has no second factor yet. Add it to an authenticator app:\n"
              f"  key: {secret}\n  uri: {uri}")
        self.otp = None  # the code given beforehand cannot belong to a key shown just now

    async def code(self, username: str) -> str:
        if self.otp:
            return self.otp
        return await asyncio.to_thread(getpass.getpass, f"TOTP code for {username}: ")


class StackKeyring:
    """The local stack's own demo accounts: secrets in a 0600 file, codes made from them,
    each time step once (editorial accepts a step once, and the next one as clock drift)."""

    def __init__(self, home: Path) -> None:
        self.path = home / "totp.json"

    def _read(self) -> dict[str, dict[str, object]]:
        if not self.path.exists():
            return {}
        kept: dict[str, dict[str, object]] = json.loads(self.path.read_text())
        return kept

    def _write(self, kept: dict[str, dict[str, object]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(mode=0o600)
        self.path.chmod(0o600)
        self.path.write_text(json.dumps(kept, indent=2))

    def secrets(self) -> dict[str, str]:
        return {name: str(entry["secret"]) for name, entry in self._read().items()}

    def enrolled(self, username: str, secret: str, uri: str) -> None:
        self._write({**self._read(), username: {"secret": secret, "uri": uri, "step": -1}})

    async def code(self, username: str) -> str:
        kept = self._read()
        if username not in kept:
            return await Typed().code(username)
        totp = pyotp.TOTP(str(kept[username]["secret"]))
        while True:
            step = int(time.time()) // totp.interval
            last = int(str(kept[username]["step"]))
            for candidate in (step, step + 1):
                if candidate > last:
                    kept[username]["step"] = candidate
                    self._write(kept)
                    return totp.generate_otp(candidate)
            await asyncio.sleep(totp.interval - time.time() % totp.interval + 0.2)
