"""The contract's values (statuses, channels, zones, dates) live in shared.vocabulary only."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime, get_day_names, get_month_names

from shared import vocabulary
from shared.vocabulary import CHANNELS, ZONES, ArticleStatus, format_local

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("services", "warta_cli")
MONTHS = set(get_month_names("wide", locale=vocabulary.LOCALE).values())
DAYS = set(get_day_names("wide", locale=vocabulary.LOCALE).values())


def test_times_are_shown_in_the_regions_zone_in_indonesian() -> None:
    moment = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert format_local(moment, "Asia/Makassar") == "Senin, 30 November 2026 pukul 10.00 WITA"
    assert format_local(moment, "Asia/Jakarta").endswith("pukul 09.00 WIB")
    assert format_local(moment, "Asia/Jayapura").endswith("pukul 11.00 WIT")
    assert format_local(moment, "Asia/Pontianak").endswith("pukul 09.00 WIB")
    assert format_local(moment, "wita").endswith("pukul 10.00 WITA")
    assert format_local(moment, "Mars/Olympus").endswith("pukul 02.00 UTC")
    assert format_local(datetime(2026, 3, 1, 7, 0), "Asia/Makassar",
                        vocabulary.DATE_AND_TIME) == "1 Maret 2026 15:00 WITA"


def test_the_zone_labels_are_the_ones_cldr_gives_in_indonesian() -> None:
    moment = datetime(2026, 6, 1, tzinfo=UTC)
    for zone in ZONES:
        local = moment.astimezone(ZoneInfo(zone.iana))
        assert format_datetime(local, "z", tzinfo=ZoneInfo(zone.iana),
                               locale=vocabulary.LOCALE) == zone.label


def _python_files() -> Iterator[Path]:
    for top in SCANNED:
        yield from sorted((ROOT / top).rglob("*.py"))


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def _trees() -> Iterator[tuple[str, ast.Module]]:
    for path in _python_files():
        yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def test_no_service_spells_a_zone_a_zone_label_or_an_indonesian_month_or_day() -> None:
    labels = {zone.label.value for zone in ZONES}
    found = [
        f"{name}:{line}: {value!r}"
        for name, tree in _trees() for line, value in _strings(tree)
        if "Asia/" in value or value in MONTHS or value in DAYS
        or (value in labels and name.startswith("services"))  # the CLI's demo data may say WIB
    ]
    assert found == [], "use shared.vocabulary instead:\n" + "\n".join(found)


def _enum_values(node: ast.ClassDef) -> set[str]:
    return {stmt.value.value for stmt in node.body
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)}


def test_no_service_defines_its_own_article_status_enum() -> None:
    statuses = {status.value for status in ArticleStatus}
    copies = [f"{name}: class {node.name}" for name, tree in _trees()
              for node in ast.walk(tree)
              if isinstance(node, ast.ClassDef) and statuses <= _enum_values(node)]
    assert copies == [], "use shared.vocabulary.ArticleStatus instead"


@pytest.mark.parametrize("kind", [ast.Tuple, ast.List, ast.Set])
def test_no_service_lists_the_channels_itself(kind: type[ast.expr]) -> None:
    def names(node: ast.expr) -> set[str]:
        elements = getattr(node, "elts", [])
        return {e.value for e in elements if isinstance(e, ast.Constant)} & set(CHANNELS)

    lists = [f"{name}:{node.lineno}" for name, tree in _trees() for node in ast.walk(tree)
             if isinstance(node, kind) and len(names(node)) >= 3]
    assert lists == [], "use shared.vocabulary.CHANNELS instead"
