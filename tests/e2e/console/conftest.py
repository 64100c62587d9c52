"""Package-wide: the real stack with the console, and Debian's chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from tests.conftest import Infra
from tests.e2e.console.stack import ConsoleStack, console_stack

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own download is not reachable here
PHONE = ViewportSize(width=360, height=740)
# Patience, not a timing check: each page goes through the front door to four real services,
# and a loaded two-core CI machine can take longer than Playwright's 5 s default.
PATIENCE_MS = 30_000
expect.set_options(timeout=PATIENCE_MS)


@pytest.fixture(scope="package")  # one stack for every console test file
def stack(real_infra: Infra, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[ConsoleStack]:
    with console_stack(real_infra, tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh 360 px wide context (no cookies) per test."""
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    context.set_default_timeout(PATIENCE_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
