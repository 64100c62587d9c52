"""The local WordPress site's files: Debian's packages, the site tree, its configuration, secrets.

The site directory's entries are symlinks into /usr/share/wordpress except its own wp-config.php
and wp-content/ (uploads inside); the MariaDB datadir is created once, completely or not at all.
Templates are in infra/wordpress/; secrets stay beside the data (mode 0600).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from warta_cli import infra

PACKAGES = ("wordpress", "wordpress-l10n", "wordpress-theme-twentytwentythree", "php-cli",
            "php-mysql", "php-gd", "php-xml", "php-mbstring", "php-curl", "mariadb-server",
            "mariadb-client")
CODE = Path("/usr/share/wordpress")
TEMPLATES = infra.INFRA / "wordpress"
LOCALE = "id_ID"  # Debian's wordpress-l10n; English when it is absent
_SALTS = ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
          "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
DB_OPTIONS = ("--innodb-log-file-size=16M", "--innodb-buffer-pool-size=32M")


@dataclass(frozen=True)
class Layout:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def site(self) -> Path:
        return self.directory / "site"

    @property
    def datadir(self) -> Path:
        return self.directory / "mysql" / "data"

    @property
    def socket(self) -> Path:
        path = self.directory / "mysql" / "mysqld.sock"
        if len(str(path)) < 100:
            return path
        # sun_path holds 107 bytes: a deep directory gets a short, stable socket name instead
        digest = hashlib.sha256(str(self.directory).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"warta-wp-{digest}.sock"


def missing_packages() -> list[str]:
    def installed(package: str) -> bool:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],  # noqa: S603,S607
                                capture_output=True, text=True, check=False)
        return result.stdout.endswith("installed")
    return [package for package in PACKAGES if not installed(package)]


def install_wordpress_packages() -> None:
    """Debian's WordPress, PHP and MariaDB, when missing (root; never started as services)."""
    missing = missing_packages()
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        infra._run(["apt-get", "update", "-qq"], env=env)
        infra._run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   env=env)


def prepare(directory: Path, port: int) -> Layout:
    """Writes the site's tree and configuration; creates the MariaDB datadir once."""
    if not (CODE / "wp-settings.php").exists() or shutil.which("mariadbd") is None:
        raise RuntimeError("WordPress, PHP or MariaDB is not installed: run "
                           "`bash scripts/bootstrap.sh` (Debian packages: " + " ".join(PACKAGES))
    layout = Layout(directory.resolve(), port)
    for path in (layout.site / "wp-content" / "uploads", layout.directory / "logs",
                 layout.datadir.parent):
        path.mkdir(parents=True, exist_ok=True)
    layout.directory.chmod(0o700)
    state = state_of(layout)
    for entry in CODE.iterdir():
        if entry.name not in ("wp-config.php", "wp-content"):
            _link(layout.site / entry.name, entry)
    for entry in (CODE / "wp-content").iterdir():
        _link(layout.site / "wp-content" / entry.name, entry)
    values = {"DIR": str(layout.directory), "SITE": str(layout.site), "URL": layout.url,
              "DB_SOCKET": str(layout.socket), "DB_PASSWORD": state["db_password"],
              **{name: state[name] for name in _SALTS}}
    for template, target in (("wp-config.php", layout.site / "wp-config.php"),
                             ("php.ini", layout.directory / "php.ini"),
                             ("prepend.php", layout.directory / "prepend.php")):
        _write(target, _render((TEMPLATES / template).read_text(), values))
    password = state["db_password"]
    _write(layout.datadir.parent / "init.sql", (
        "CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4 "
        "COLLATE utf8mb4_unicode_ci;\n"
        f"CREATE USER IF NOT EXISTS 'wordpress'@'localhost' IDENTIFIED BY '{password}';\n"
        f"ALTER USER 'wordpress'@'localhost' IDENTIFIED BY '{password}';\n"
        "GRANT ALL PRIVILEGES ON wordpress.* TO 'wordpress'@'localhost';\n"))
    if not layout.datadir.exists():
        staging = layout.datadir.with_name("data.installing")
        shutil.rmtree(staging, ignore_errors=True)
        infra._run(["mariadb-install-db", "--no-defaults", f"--datadir={staging}",
                    f"--user={os_user()}", "--auth-root-authentication-method=normal",
                    "--skip-test-db", *DB_OPTIONS])
        staging.rename(layout.datadir)  # only a complete datadir is ever used
    return layout


def state_of(layout: Layout) -> dict[str, str]:
    """Secrets made once and kept beside the data (mode 0600), so a restart reuses them."""
    path = layout.directory / "state.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    state = {"db_password": secrets.token_hex(16), "admin_password": secrets.token_urlsafe(12),
             **{name: secrets.token_urlsafe(48) for name in _SALTS}}
    save_state(layout, state)
    return state


def save_state(layout: Layout, state: dict[str, str]) -> None:
    _write(layout.directory / "state.json", json.dumps(state, indent=2))


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.chmod(0o600)
    temporary.replace(path)


def _render(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    return template


def _link(link: Path, target: Path) -> None:
    if not link.is_symlink() or link.readlink() != target:
        link.unlink(missing_ok=True)
        link.symlink_to(target)


def os_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name
