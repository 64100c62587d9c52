"""Schemathesis against ingest's own OpenAPI, on the real process, broker and database.

Once with an OPD key, once with an admin token and once with none: no 5xx, and no response
outside its documented schema.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shared.settings import Settings
from tests.integration.ingest.support import admin_headers, ingest_process, make_opd

pytestmark = pytest.mark.fuzz
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def schemathesis(base_url: str, report_dir: Path, *headers: str
                 ) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json",
               "--url", base_url, "--checks", CHECKS, "--max-examples", "25", "--seed", "20261123",
               "--exclude-path-regex", "^/(metrics|asyncapi)", "--no-color",
               "--report", "junit", "--report-dir", str(report_dir)]
    for header in headers:
        command += ["--header", header]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize("credential", ["opd-key", "none", "admin"])
async def test_no_generated_request_gets_a_5xx_or_an_undocumented_response(
    settings: Settings, tmp_path: Path, credential: str,
) -> None:
    opd = await make_opd(settings, "FUZZ")
    # A generous rate so the fuzzer exercises the handlers rather than the limiter.
    with ingest_process(settings, tmp_path, {"WARTA_INGEST_RATE_PER_SECOND": "10000",
                                             "WARTA_INGEST_RATE_BURST": "10000"}) as (url, _):
        headers = {
            "opd-key": [f"Authorization: Bearer {opd.key}"],
            "admin": [f"Authorization: {admin_headers(settings)['Authorization']}"],
            "none": [],
        }[credential]
        result = schemathesis(url, tmp_path / "report", *headers)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
