"""The local WordPress site: Debian's package code, with its own MariaDB, config and uploads.

Everything lives inside one directory (`.warta/wordpress/` for `warta stack up`, a temporary one
for tests): the MariaDB datadir and socket, a site directory whose entries are symlinks into
/usr/share/wordpress except its own wp-config.php and wp-content/, and the secrets. Debian's
/etc/wordpress per-host configuration is never read (see infra/wordpress/prepend.php). The
install is finished by PHP run against WordPress itself (infra/wordpress/setup.php), since WP-CLI
is not packaged; a second start reuses the installed site and its Application Password.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from shared.vocabulary import DEFAULT_ZONE, IANA_BY_LABEL
from warta_cli import infra
from warta_cli.wordpress_site import (
    CODE,
    DB_OPTIONS,
    LOCALE,
    PACKAGES,
    TEMPLATES,
    Layout,
    install_wordpress_packages,
    missing_packages,
    os_user,
    prepare,
    save_state,
    state_of,
)

if TYPE_CHECKING:
    from warta_cli.supervisor import Supervisor

# The packages and their installation are re-exported: callers need this module only.
__all__ = ["PACKAGES", "WordPress", "finish", "install_wordpress_packages", "launch_database",
           "launch_supervised", "launch_web", "missing_packages", "start", "stop",
           "wait_database"]
USERNAME, ADMIN, APP_NAME = "warta", "admin", "Warta"
WORKERS = 4  # PHP_CLI_SERVER_WORKERS: uploads make sizes for seconds; others keep answering


@dataclass
class WordPress:
    url: str
    username: str
    app_password: str
    admin_username: str
    admin_password: str
    locale: str
    database: infra.Process
    web: infra.Process

    def env(self) -> dict[str, str]:
        """The website channel's credentials, for the publisher (seeds its credential store)."""
        return {"WARTA_WEBSITE_URL": self.url, "WARTA_WEBSITE_USERNAME": self.username,
                "WARTA_WEBSITE_APP_PASSWORD": self.app_password}


def launch_database(layout: Layout) -> infra.Process:
    """mariadbd on a Unix socket only (no TCP port), as the current user."""
    mysql = layout.datadir.parent
    layout.socket.unlink(missing_ok=True)
    return infra.spawn("mariadb", [
        "mariadbd", "--no-defaults", f"--datadir={layout.datadir}", f"--socket={layout.socket}",
        "--skip-networking", f"--user={os_user()}", f"--pid-file={mysql / 'mysqld.pid'}",
        f"--log-error={layout.directory / 'logs' / 'mariadb.log'}", "--skip-name-resolve",
        "--performance-schema=OFF", f"--init-file={mysql / 'init.sql'}", *DB_OPTIONS,
    ], layout.directory / "logs" / "mariadb.out")


def wait_database(layout: Layout, process: infra.Process, timeout: float = 60.0) -> float:
    """Ready means the server sends its handshake over the socket."""
    started = time.monotonic()
    while True:
        if not process.alive():
            raise RuntimeError(f"mariadbd exited; see {layout.directory / 'logs'}")
        try:
            with socket.socket(socket.AF_UNIX) as client:
                client.settimeout(2)
                client.connect(str(layout.socket))
                if len(client.recv(64)) > 4:
                    return time.monotonic() - started
        except OSError:
            pass
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"mariadbd not ready after {timeout}s")
        time.sleep(0.05)


def launch_web(layout: Layout) -> infra.Process:
    # php -S's forked workers do not die with their parent: a shell that signals its whole
    # process group on SIGTERM (sent by PR_SET_PDEATHSIG too, see infra.spawn) stops them all.
    return infra.spawn("wordpress", [
        "sh", "-c", "trap 'trap - TERM; kill 0' TERM; \"$@\" & wait", "sh",
        "php", "-c", str(layout.directory / "php.ini"), "-q", "-S", f"127.0.0.1:{layout.port}",
        "-t", str(layout.site), str(TEMPLATES / "router.php"),
    ], layout.directory / "logs" / "php-server.log",
        env={**os.environ, "PHP_CLI_SERVER_WORKERS": str(WORKERS)}, cwd=layout.site)


def finish(layout: Layout, database: infra.Process, web: infra.Process,
           timeout: float = 60.0) -> WordPress:
    """Installs the site if needed and makes sure the Application Password works."""
    state = state_of(layout)
    locale = LOCALE if (CODE / "wp-content" / "languages" / f"{LOCALE}.mo").exists() else ""
    request = {"url": layout.url, "title": "Situs Pemerintah (lokal)", "locale": locale,
               "tagline": "Berita dari perangkat daerah", "timezone": IANA_BY_LABEL[DEFAULT_ZONE],
               "admin": ADMIN, "admin_email": "admin@warta.example",
               "admin_password": state["admin_password"], "username": USERNAME,
               "email": "warta@warta.example", "display_name": "Redaksi Warta",
               "app_name": APP_NAME, "app_password": state.get("app_password", "")}
    result = subprocess.run(  # noqa: S603 - fixed argv
        ["php", "-c", str(layout.directory / "php.ini"), str(TEMPLATES / "setup.php")],  # noqa: S607
        input=json.dumps(request), capture_output=True, text=True, check=False, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError("WordPress set-up failed:\n"
                           f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    if answer["app_password"] != state.get("app_password"):
        save_state(layout, {**state, "app_password": answer["app_password"]})
    site = WordPress(layout.url, USERNAME, answer["app_password"], ADMIN, state["admin_password"],
                     str(answer["locale"] or "en_US"), database, web)
    _wait_web(site, timeout)
    return site


def start(directory: Path, port: int) -> WordPress:
    """Prepare, start MariaDB and the PHP server, finish the install; stop on any failure."""
    layout = prepare(directory, port)
    database = launch_database(layout)
    web: infra.Process | None = None
    try:
        wait_database(layout, database)
        web = launch_web(layout)
        return finish(layout, database, web)
    except BaseException:
        for process in (web, database):
            if process is not None:
                _stop_group(process)
        raise


def launch_supervised(supervisor: Supervisor, directory: Path, port: int, *, web_rank: int,
                      database_rank: int) -> Callable[[], WordPress]:
    """`warta stack up`: both processes restarted by the supervisor on a crash and stopped in
    its order (the PHP server with the front door, MariaDB with the databases). Returns the
    rest of the start-up, to be called later: the stack runs it after Kafka is ready."""
    layout = prepare(directory, port)
    database = supervisor.start("mariadb", lambda: launch_database(layout),
                                stop_rank=database_rank)
    web = supervisor.start("wordpress", lambda: launch_web(layout), stop_rank=web_rank,
                           ready_url=f"{layout.url}/wp-json/")

    def ready() -> WordPress:
        assert database.process is not None and web.process is not None
        wait_database(layout, database.process)
        return finish(layout, database.process, web.process)
    return ready


def stop(site: WordPress) -> None:
    _stop_group(site.web)
    _stop_group(site.database)  # SIGTERM: mariadbd shuts InnoDB down cleanly


def _stop_group(process: infra.Process) -> None:
    """php -S forks its workers into the process group `infra.spawn` made: stop all of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.popen.pid, signal.SIGTERM)
    infra.stop(process)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.popen.pid, signal.SIGKILL)


def _wait_web(site: WordPress, timeout: float) -> None:
    """Ready means the REST API answers an authenticated users/me."""
    started = time.monotonic()
    while True:
        if not site.web.alive():
            raise RuntimeError(f"php -S exited; see {site.web.log_path}")
        try:
            answer = httpx.get(f"{site.url}/wp-json/wp/v2/users/me", timeout=10,
                               auth=(site.username, site.app_password))
            if answer.status_code == 200:
                return
            if answer.status_code in (401, 403):
                raise RuntimeError(f"WordPress refused Warta's Application Password: "
                                   f"{answer.text[:300]}")
        except httpx.HTTPError:
            pass
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"WordPress not answering at {site.url} after {timeout}s")
        time.sleep(0.1)
