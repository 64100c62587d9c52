"""Fault-suite wiring: one stack of real service processes for the suite, and the figures table.

The stack lives as long as this package's tests: each scenario leaves it healed (that is what it
checks), so the next one starts on a stack that has been through the faults before, with no
restart. It stops after the last of them, before other packages' tests start their own
services in the same consumer groups.

Each test writes its figures to `fault-figures.json` in its tmp dir; the session gathers them
into one Markdown table, written next to the session's tmp dirs and printed at the end (it is
copied by hand, with the date, into docs/reliability.md: the doc is the committed record).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Infra
from tests.faults.figures import FILE, table
from tests.faults.harness import Stack, running_stack

_GATHERED: list[Path] = []
_TABLE: list[str] = []


@pytest.fixture(scope="package")
def stack(real_infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(real_infra, tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="session")
def fault_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    yield _GATHERED
    text = table(_GATHERED)
    if text:
        (tmp_path_factory.getbasetemp() / "fault-table.md").write_text(text + "\n")
        _TABLE.append(text)


@pytest.fixture
def figures_dir(tmp_path: Path, fault_table: list[Path]) -> Path:
    """Where this test writes its figures; gathered at the end of the session."""
    fault_table.append(tmp_path / FILE)
    return tmp_path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for text in _TABLE:
        terminalreporter.section("fault suite figures")
        terminalreporter.write_line(text)
