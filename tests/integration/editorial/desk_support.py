"""A served editorial app with an account per desk role, and articles put in its queue."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.editorial.main import create_app
from services.editorial.repository import ArticleRepository
from shared.auth import Principal, issue_token
from shared.envelope import utcnow
from shared.mongo import Document, MongoHandle
from shared.settings import Settings
from tests.accounts import create_editor
from tests.conftest import Infra
from tests.serving import served
from warta_cli.infra import free_port

DESK = {"test-editor": "editor", "test-editor2": "editor", "test-chief_editor": "chief_editor",
        "test-chief2": "chief_editor", "test-admin": "admin"}
OPD = {"id": "opd-1", "code": "DISHUB", "name": "Dinas Perhubungan", "region": "Kota Makassar",
       "timezone": "Asia/Makassar"}


def photo(n: int, content_type: str = "image/jpeg") -> dict[str, Any]:
    return {"id": f"foto-{n}", "url": f"http://127.0.0.1:8000/files/foto-{n}",
            "content_type": content_type, "size": 1000 + n, "sha256": f"{n:064x}"}


@dataclass
class Desk:
    url: str
    settings: Settings

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        token, _ = issue_token(self.settings, Principal(subject=who, role=DESK[who]))
        return {"Authorization": f"Bearer {token}", **extra}

    def call(self, who: str, method: str, path: str, *, json: Any = None,
             if_match: int | None = None) -> httpx.Response:
        extra = {"If-Match": str(if_match)} if if_match is not None else {}
        return httpx.request(method, self.url + path, json=json, timeout=15,
                             headers=self.headers(who, **extra))

    def seed(self, **content: Any) -> str:
        """A submitted article, as intake writes it; returns its id."""
        article_id = str(uuid.uuid4())
        now = utcnow()
        doc: Document = {
            "_id": article_id, "report_id": article_id, "status": "submitted", "opd": OPD,
            "headline": "Uji coba jalur sepeda di Pantai Losari",
            "body_html": "<p>Dinas Perhubungan menguji jalur sepeda.</p><p>Warga antusias.</p>",
            "summary": "Uji coba jalur sepeda", "category": "perhubungan", "tags": ["sepeda"],
            "activity_at": datetime.now(UTC) - timedelta(hours=2), "location": "Pantai Losari",
            "attachments": [], "press_invitation": None, "report_revision": 1, "version": 1,
            "received_at": now, "created_at": now, "updated_at": now, "applied_events": [],
            "history": [{"action": "receive", "by": "opd:DISHUB", "at": now}], "versions": [],
            "outbox": [], **content}

        async def add() -> None:
            with contextlib.closing(MongoHandle(self.settings, "editorial")) as mongo:
                assert await ArticleRepository(mongo.db).add(doc)

        asyncio.run(add())
        return article_id


@contextlib.contextmanager
def desk(real_infra: Infra, **overrides: Any) -> Iterator[Desk]:
    settings = Settings(
        env="test", jwt_secret="desk-jwt-secret-" + "j" * 32,
        unsubscribe_secret="desk-unsub-" + "u" * 32, kafka_bootstrap=real_infra.kafka_bootstrap,
        editorial_totp_key="dGVzdC1vbmx5LXRvdHAtc2VjcmV0cy1rZXktMDEyMzQ=",  # Fernet
        mongo_url=real_infra.mongo_url, db_prefix=f"d{uuid.uuid4().hex[:10]}",
        outbox_sweep_seconds=0.5, **overrides)

    async def accounts() -> None:
        for username, role in DESK.items():
            await create_editor(settings, username=username, name=username.title(), role=role,
                                password="meja-redaksi-rahasia")

    asyncio.run(accounts())
    with served(create_app(settings), free_port()) as url:
        yield Desk(url, settings)
