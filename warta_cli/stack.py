"""`warta stack up`: the whole stack on this machine, no Docker, behind one front door.

Kafka, secantus-mdb, N instances of each service and nginx before them, all supervised: a
crashed process is restarted with backoff. Data persists under .warta/ (git-ignored). Ctrl-C
reaches only this process (the children have their own sessions); it stops the services first,
then the front door, then Kafka, then the database. Children die with this process even if it
is killed (PR_SET_PDEATHSIG), so nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from urllib.parse import urlparse

import stamina

from shared.kafka import ensure_topics
from shared.settings import Settings
from warta_cli import frontdoor, infra, sandbox_stack, wordpress
from warta_cli.commands import CommandError, Groups, command_group
from warta_cli.instances import (
    CONSOLE,
    FRONTED,
    SERVICES,
    Instance,
    launch_instance,
    plan_instances,
    wait_ready,
)
from warta_cli.supervisor import Supervisor

DEMO_FILE = "demo.json"
# Stop ranks: the services, then the front door, then Kafka, then the database.
SERVICE_RANK, FRONT_DOOR_RANK, KAFKA_RANK, DATABASE_RANK = range(4)


def service_url(settings: Settings, service: str) -> str:
    return f"http://127.0.0.1:{settings.port_of(service)}"


def front_door_url(settings: Settings) -> str:
    return frontdoor.url(settings.front_door_port)


def start_services(settings: Settings, home: Path, env: dict[str, str]) -> list[infra.Process]:
    """One unsupervised instance of each service on its configured port (used by tests)."""
    return [infra.spawn(name, [sys.executable, "-m", f"services.{name}"],
                        home / "logs" / f"{name}.log", env=env, cwd=infra.ROOT)
            for name in SERVICES]


def wait_services_ready(settings: Settings, processes: list[infra.Process],
                        timeout: float = 90.0) -> float:
    """`start_services`' processes (named by their service) answer /readyz."""
    return wait_ready({p.name: f"{service_url(settings, p.name)}/readyz" for p in processes},
                      {p.name: p for p in processes}, timeout)


async def seed_demo(settings: Settings, home: Path) -> dict[str, str]:
    """A demo admin, OPD, editor and journalist, created once through the services' admin APIs
    (the bootstrap admin aside); their credentials kept for `warta demo`."""
    path = home / DEMO_FILE
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    from warta_cli.admin import create_first_admin
    from warta_cli.editor import create_editor
    from warta_cli.journalist import add_journalist, confirm_from_mail
    from warta_cli.mailpit import Mailpit
    from warta_cli.opd import create_opd
    from warta_cli.second_factor import StackKeyring
    from warta_cli.session import login, request

    base = front_door_url(settings)
    admin_password = os.urandom(12).hex()
    await create_first_admin(settings, username="admin", name="Admin Demo",
                             email="admin@warta.example", password=admin_password)
    keyring = StackKeyring(home)  # the stack signs its own demo admin in: TOTP from here
    token = (await login(base, "admin", admin_password, keyring)).access_token
    opd_id, api_key = await create_opd(base, token, code="DEMO", name="Dinas Demo Warta",
                                       region="Kota Demo", timezone="WIB")
    password = os.urandom(9).hex()
    await create_editor(base, token, username="redaktur", name="Redaktur Demo", role="admin",
                        password=password, email="redaktur@warta.example")
    # One login per desk role for the console (chief editors and admins enrol TOTP there).
    roles = {"editor": "redaktur-biasa", "chief_editor": "redpel"}
    role_passwords = {role: os.urandom(9).hex() for role in roles}
    for role, username in roles.items():
        await create_editor(base, token, username=username, name=f"Demo {role}", role=role,
                            password=role_passwords[role], email=f"{username}@warta.example")
    # A pranata humas of the demo OPD, for the console's OPD side (/console/opd/masuk).
    officer, officer_password = "humas-demo", os.urandom(9).hex()
    await request(base, token, "POST", "/v1/admin/opds/DEMO/users", json={
        "username": officer, "name": "Humas Demo", "email": "humas@demo.example",
        "password": officer_password})
    journalist = "wartawan@mitra.example"
    await add_journalist(base, token, name="Wartawan Mitra", email=journalist, opd_ids=[opd_id])
    # Double opt-in, as the journalist would: the button behind the link in Mailpit.
    mailpit = Mailpit(infra.mailpit_api(settings.mailpit_port))
    async for attempt in stamina.retry_context(on=CommandError, timeout=60, wait_max=1):
        with attempt:
            if not await confirm_from_mail(base, await mailpit.messages(), journalist):
                raise CommandError(f"no confirmation mail for {journalist} yet")
    credentials = {"opd_id": opd_id, "api_key": api_key, "editor": "redaktur",
                   "password": password, "journalist_email": journalist,
                   "admin": "admin", "admin_password": admin_password,
                   "opd_login": f"{officer} / {officer_password}",
                   **{f"{role}_login": f"{roles[role]} / {role_passwords[role]}"
                      for role in roles}}
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)
    return credentials


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    # Once: a second Ctrl-C must not cut the ordered stop short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def service_env(settings: Settings, home: Path) -> dict[str, str]:
    """What every instance shares: one attachment directory, one public origin (the front
    door) unless WARTA_PUBLIC_BASE_URL / WARTA_WEBSITE_BASE_URL say otherwise."""
    env = {**os.environ, "WARTA_ATTACHMENTS_DIR": str((home / "attachments").resolve()),
           # explicit: the services take the published development secrets only when asked
           "WARTA_ENV": settings.env}
    for name in ("public_base_url", "website_base_url", "console_api_url"):
        if name not in settings.model_fields_set:
            env[f"WARTA_{name.upper()}"] = front_door_url(settings)
    return env


def run_stack(settings: Settings, home: Path, replicas: int = 1, sandbox: bool = False
              ) -> int:
    # Explicit for SIGINT too: a shell without job control starts background commands with
    # SIGINT ignored, and Python keeps an ignored SIGINT ignored.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    # While Kafka starts, the readiness probe's connection refusals are expected, not news.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    supervisor = Supervisor(home / "logs" / "supervisor.log")
    try:
        website_ready = _launch_website(supervisor, settings, home)
        _start_infra(supervisor, settings, home)
        website = _website(website_ready)
        (home / sandbox_stack.STATE_FILE).unlink(missing_ok=True)
        sandboxes = sandbox_stack.launch(supervisor, settings.sandbox_base_port, home,
                                         FRONT_DOOR_RANK) if sandbox else None
        instances = plan_instances(settings, replicas, FRONTED)
        env = service_env(settings, home) | (website.env() if website else {}) | (
            sandboxes.env() if sandboxes else {})
        for instance in instances:
            supervisor.start(instance.name, functools.partial(launch_instance, instance, home, env),
                             stop_rank=SERVICE_RANK, ready_url=f"{instance.url}/readyz")
        seconds = wait_ready({i.name: f"{i.url}/readyz" for i in instances},
                             {i.name: supervisor.process(i.name) for i in instances})
        upstreams = {s: [i.port for i in instances if i.service == s] for s in FRONTED}
        port = settings.front_door_port
        supervisor.start("frontdoor", lambda: frontdoor.start(
            home / "frontdoor", port, upstreams, home / "logs" / "frontdoor.log"),
            stop_rank=FRONT_DOOR_RANK)
        frontdoor.wait_ready(port, supervisor.process("frontdoor"))
        base = front_door_url(settings)
        wait_ready({s: f"{base}/_/{s}/readyz" for s in FRONTED}, {})
        print(f"{len(instances)} service instances ready in {seconds:.1f}s\n", flush=True)
        credentials = asyncio.run(seed_demo(settings, home))
        if sandboxes is not None:  # before the summary's last line, which says "ready"
            sandbox_stack.print_summary(sandboxes, asyncio.run(sandbox_stack.set_channels(
                base, (credentials["admin"], credentials["admin_password"]), sandboxes,
                home)))
        _print_summary(settings, home, instances, credentials, website)
        while True:
            supervisor.poll()
            time.sleep(0.25)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()
        print("Stopped.", flush=True)


def _start_infra(supervisor: Supervisor, settings: Settings, home: Path) -> None:
    kafka_port = int(settings.kafka_bootstrap.rsplit(":", 1)[1])
    mongo_port = urlparse(settings.mongo_url).port or 27017
    print("Preparing Kafka and secantus-mdb (first run: several minutes) ...", flush=True)
    libs, binary = infra.install_kafka(), infra.build_secantus()
    mailpit_binary = infra.install_mailpit()
    mailpit = supervisor.start("mailpit", lambda: infra.start_mailpit(
        mailpit_binary, home / "mail", settings.smtp_port, settings.mailpit_port),
        stop_rank=KAFKA_RANK)
    mongo = supervisor.start("mongo", lambda: infra.start_mongo(
        binary, home / "data" / "mongo", mongo_port), stop_rank=DATABASE_RANK)
    kafka = supervisor.start("kafka", lambda: infra.start_kafka(
        libs, home / "data" / "kafka", kafka_port, kafka_port + 1), stop_rank=KAFKA_RANK)
    assert kafka.process is not None and mongo.process is not None
    kafka_s = infra.wait_kafka_ready(settings.kafka_bootstrap, kafka.process)
    mongo_s = infra.wait_mongo_ready(mongo_port, mongo.process)
    assert mailpit.process is not None
    infra.wait_mailpit_ready(settings.smtp_port, settings.mailpit_port, mailpit.process)
    print(f"Kafka {infra.KAFKA_VERSION} ready in {kafka_s:.1f}s; "
          f"secantus-mdb {infra.SECANTUS_VERSION} ready in {mongo_s:.1f}s", flush=True)
    asyncio.run(ensure_topics(settings.kafka_bootstrap))


def _launch_website(supervisor: Supervisor, settings: Settings, home: Path
                    ) -> Callable[[], wordpress.WordPress] | None:
    """The local WordPress site, unless a site is configured already: its processes start
    while Kafka does; its credentials reach the publisher as WARTA_WEBSITE_URL/_USERNAME/
    _APP_PASSWORD."""
    if os.environ.get("WARTA_WEBSITE_URL"):
        return None
    return wordpress.launch_supervised(supervisor, home / "wordpress",
                                       settings.wordpress_local_port, web_rank=FRONT_DOOR_RANK,
                                       database_rank=DATABASE_RANK)


def _website(ready: Callable[[], wordpress.WordPress] | None) -> wordpress.WordPress | None:
    if ready is None:
        return None
    started = time.monotonic()
    site = ready()
    print(f"WordPress (Debian's package, MariaDB) ready {time.monotonic() - started:.1f}s "
          "after Kafka", flush=True)
    return site


def _print_summary(settings: Settings, home: Path, instances: list[Instance],
                   credentials: dict[str, str], website: wordpress.WordPress | None = None
                   ) -> None:
    base = front_door_url(settings)
    print(f"Warta: {base}   (the front door; every public path)")
    for name in SERVICES:
        ports = ", ".join(str(i.port) for i in instances if i.service == name)
        print(f"  {name:<10} {base}/_/{name}/docs   {base}/_/{name}/asyncapi.json"
              f"   instances on {ports}")
    print(f"  feeds      {base}/feeds/rss.xml")
    consoles = ", ".join(str(i.port) for i in instances if i.service == CONSOLE)
    print(f"  console    {base}/console/   (the web console)   instances on {consoles}")
    print(f"  kafka      {settings.kafka_bootstrap}   mongodb {settings.mongo_url}")
    # Mailpit's web UI scripts are built with npm and not in the Go module: its REST API only.
    print(f"  mail       Mailpit {infra.mailpit_api(settings.mailpit_port)}/api/v1/messages"
          f"   SMTP 127.0.0.1:{settings.smtp_port}")
    if website is not None:  # the website channel's local WordPress; wp-admin with these
        print(f"WordPress: {website.url} (admin {website.admin_username})   "
              f"wp-admin password {website.admin_password}; Warta posts as {website.username}")
    print(f"\n  demo OPD key:   {credentials['api_key']}")
    print(f"  editor login:   {credentials['editor']} / {credentials['password']}")
    if "admin" in credentials:  # `warta login --username admin` for the admin commands
        print(f"  admin login:    {credentials['admin']} / {credentials['admin_password']}")
    for role in ("editor", "chief_editor"):
        if f"{role}_login" in credentials:
            print(f"  {role + ' login:':<16}{credentials[f'{role}_login']}")
    if "opd_login" in credentials:  # a pranata humas, at {base}/console/opd/masuk
        print(f"  {'opd login:':<16}{credentials['opd_login']}   (pranata humas of DEMO)")
    from warta_cli.second_factor import StackKeyring
    for username, secret in StackKeyring(home).secrets().items():  # the stack signed them in
        print(f"  {'TOTP key:':<16}{username}: {secret} (add it to an authenticator app)")
    print(f"  logs:           {home / 'logs'}")
    print("\nIn another terminal: `uv run warta demo`. Ctrl-C stops everything.", flush=True)


def _up(args: argparse.Namespace, settings: Settings) -> int:
    if args.replicas < 1:
        raise CommandError("--replicas must be at least 1")
    return run_stack(settings, Path(args.home), args.replicas, args.sandbox)


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "stack", "the local stack (no Docker)")
    up = commands.add_parser("up", help="install what is missing, start everything, wait")
    up.add_argument("--home", default=str(infra.HOME), help="data, logs and tools directory")
    up.add_argument("--replicas", type=int, default=1,
                    help="instances of each service behind the front door (default 1)")
    up.add_argument("--sandbox", action="store_true",
                    help="start the local contract servers and point the social channels at "
                         "them (then `warta demo` reaches all six channels)")
    up.set_defaults(func=_up, sync=True)
