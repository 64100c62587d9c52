"""The benchmarks' OPD (written straight into ingest's fresh database) and what it reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.ingest.opd_handlers import OpdAdmin
from services.ingest.opd_repository import OpdRepository
from shared.events.common import OpdRef
from shared.mongo import MongoHandle
from shared.settings import Settings


def report_body(n: int) -> dict[str, Any]:
    """~700 bytes of HTML, no attachments: a routine report."""
    return {
        "title": f"Rapat koordinasi penanganan banjir nomor {n}",
        "body": "<p>Rapat koordinasi dihadiri <b>camat</b> dan lurah se-kecamatan.</p>" * 8,
        "summary": "Rapat koordinasi penanganan banjir",
        "activity_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "location": "Kantor Camat Biringkanaya", "category": "pemerintahan",
        "tags": ["banjir", "koordinasi"],
    }


async def create_opd(settings: Settings) -> tuple[OpdRef, str]:
    """The OPD and its API key, through ingest's own use case (setup may write directly)."""
    mongo = MongoHandle(settings, "ingest")
    try:
        repo = OpdRepository(mongo.db)
        await repo.ensure_indexes()
        opd, _, key = await OpdAdmin(repo).create(code="BENCH", name="Dinas Bench",
                                                  region="Kota Makassar", timezone="WITA")
        return OpdRef(id=opd["_id"], code="BENCH", name="Dinas Bench", region="Kota Makassar",
                      timezone="Asia/Makassar"), key
    finally:
        mongo.close()
