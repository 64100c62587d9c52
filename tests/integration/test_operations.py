"""Every service's operational surface, on the real broker and database."""

from __future__ import annotations

import importlib

import pytest

from shared.settings import Settings
from tests.conftest import running

SERVICES = ("ingest", "editorial", "publisher", "notifier")


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_reports_health_readiness_metrics_and_its_api_documents(
    service: str, settings: Settings,
) -> None:
    create_app = importlib.import_module(f"services.{service}.main").create_app
    async with running(create_app(settings)) as client:
        assert (await client.get("/healthz")).json() == {"status": "alive"}

        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        details = ready.json()["details"]
        assert details["database"]["ok"] and details["broker"]["ok"]

        metrics = await client.get("/metrics")
        assert "warta_http_requests_total" in metrics.text

        openapi = (await client.get("/openapi.json")).json()
        assert openapi["paths"], "no routes documented"
        assert (await client.get("/docs")).status_code == 200

        asyncapi = (await client.get("/asyncapi.json")).json()
        assert asyncapi["asyncapi"].startswith("3.")
        addresses = {c["address"] for c in asyncapi["channels"].values()}
        assert any(a.startswith("warta.") for a in addresses)

        missing = await client.get("/no-such-route")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


async def test_readiness_reports_a_database_that_does_not_answer(settings: Settings) -> None:
    from shared.runtime import ServiceRuntime

    closed = settings.model_copy(update={"mongo_url": "mongodb://127.0.0.1:9"})
    runtime = ServiceRuntime(closed, "editorial")
    try:
        details = await runtime.readiness()
    finally:
        runtime.mongo.close()
    assert details["database"]["ok"] is False
    assert details["broker"]["ok"] is False  # never started: no metadata answer
