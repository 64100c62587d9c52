#!/usr/bin/env bash
# The whole test suite: lint, types, import contracts, then unit, contract, integration and
# end-to-end tests on a real Kafka broker and the real secantus-mdb database and Mailpit started by the test session.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

started=$(date +%s)
echo "== ruff";         uv run ruff check .
echo "== mypy";         uv run mypy
echo "== import-linter"; uv run lint-imports
echo "== pytest";       uv run pytest "$@"
echo "suite finished in $(( $(date +%s) - started ))s"
