"""Each fault run's figures: one JSON file in the test's tmp dir, gathered into one table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FILE = "fault-figures.json"
COLUMNS = ("scenario", "acknowledged", "lost", "duplicate_state_changes", "duplicate_posts",
           "duplicate_emails", "crashes", "dead_letters", "recover_s", "answers_503",
           "answers_500", "unanswered")


@dataclass
class Figures:
    scenario: str
    acknowledged: int = 0
    lost: int = 0
    duplicate_state_changes: int = 0
    duplicate_posts: int = 0
    duplicate_emails: int = 0
    crashes: int = 0  # kill -9s: each may cost one email sent but not yet recorded as sent
    dead_letters: int = 0
    recover_s: float | None = None
    answers_503: int = 0
    answers_500: int = 0
    unanswered: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, directory: Path) -> Path:
        path = directory / FILE
        path.write_text(json.dumps(asdict(self), indent=2, default=str))
        print(f"\n{self.scenario}: " + json.dumps(asdict(self), default=str))
        return path


def table(paths: list[Path]) -> str:
    """A Markdown table of the gathered figures, in the order the tests ran."""
    rows = [json.loads(p.read_text()) for p in paths if p.exists()]
    if not rows:
        return ""
    lines = ["| " + " | ".join(COLUMNS) + " | notes |",
             "|" + "---|" * (len(COLUMNS) + 1)]
    for row in rows:
        cells = ["-" if row.get(c) is None else str(row.get(c)) for c in COLUMNS]
        notes = ", ".join(f"{k}={v}" for k, v in row.get("extra", {}).items())
        lines.append("| " + " | ".join(cells) + f" | {notes} |")
    return "\n".join(lines)
