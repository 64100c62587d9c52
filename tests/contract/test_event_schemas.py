"""Each event's JSON schema is snapshotted: an accidental breaking change fails CI.

An intended change: additive (a new optional field) may update the snapshot in the same commit;
a breaking one gets a new version registered beside the old. Regenerate with
`WARTA_UPDATE_SNAPSHOTS=1 uv run pytest tests/contract`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shared.envelope import Envelope
from shared.events import SCHEMAS

SNAPSHOTS = Path(__file__).parent / "schemas"


def snapshot_name(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}.json"


@pytest.mark.parametrize(("event_type", "version"), sorted(SCHEMAS))
def test_the_event_schema_matches_its_snapshot(event_type: str, version: int) -> None:
    schema = SCHEMAS[(event_type, version)].model_json_schema()
    path = SNAPSHOTS / snapshot_name(event_type, version)
    if os.environ.get("WARTA_UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    assert path.exists(), f"no snapshot for {event_type} v{version}; see this module's docstring"
    assert schema == json.loads(path.read_text()), (
        f"{event_type} v{version} changed: additive changes update the snapshot, breaking "
        "ones need a new version")


def test_every_snapshot_still_has_a_schema() -> None:
    registered = {snapshot_name(t, v) for t, v in SCHEMAS}
    orphans = {p.name for p in SNAPSHOTS.glob("*.json")} - registered - {"envelope.json"}
    assert not orphans, f"snapshots of events no longer registered: {sorted(orphans)}"


def test_the_envelope_matches_its_snapshot() -> None:
    path = SNAPSHOTS / "envelope.json"
    schema = Envelope.model_json_schema()
    if os.environ.get("WARTA_UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    assert schema == json.loads(path.read_text())


def test_consumers_tolerate_fields_added_by_a_newer_producer() -> None:
    from datetime import UTC, datetime

    from shared.events import parse_data
    from shared.events.reports import REPORT_WITHDRAWN, ReportWithdrawnV1

    envelope = Envelope(
        id="e1", type=REPORT_WITHDRAWN, version=1, occurred_at=datetime.now(UTC),
        source="ingest", subject="r1", correlation_id="r1",
        data={"report_id": "r1", "opd_id": "o1", "withdrawn_at": "2026-11-23T01:00:00Z",
              "added_later": "ignored"},
    )
    parsed = parse_data(envelope)
    assert isinstance(parsed, ReportWithdrawnV1)
    assert parsed.report_id == "r1"


def test_producers_are_strict_about_unknown_fields() -> None:
    from pydantic import ValidationError

    from shared.events.reports import ReportWithdrawnV1

    with pytest.raises(ValidationError):
        ReportWithdrawnV1.model_validate(
            {"report_id": "r1", "opd_id": "o1", "withdrawn_at": "2026-11-23T01:00:00Z",
             "typo_field": 1})
