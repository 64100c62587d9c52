"""A fresh real WordPress site (Debian's package, its own MariaDB) in a directory of the test's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warta_cli import wordpress
from warta_cli.infra import free_port


@contextmanager
def wordpress_site(directory: Path) -> Iterator[wordpress.WordPress]:
    """Installed from scratch, on a free port; stopped (MariaDB, PHP workers) afterwards."""
    if wordpress.missing_packages():
        wordpress.install_wordpress_packages()  # a fresh machine: 1-2 minutes of apt
    site = wordpress.start(directory, free_port())
    try:
        yield site
    finally:
        wordpress.stop(site)
