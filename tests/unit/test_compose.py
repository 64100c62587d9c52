"""docker-compose.yml cannot run here (no Docker engine), so its contract is checked by parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared.settings import Settings
from warta_cli import infra

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"ingest": 8001, "editorial": 8002, "publisher": 8003, "notifier": 8004}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_kafka_runs_the_pinned_version_in_kraft_mode() -> None:
    kafka = compose()["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{infra.KAFKA_VERSION}"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "healthcheck" in kafka


def test_each_service_runs_its_module_on_its_port_after_healthy_infrastructure() -> None:
    services = compose()["services"]
    for name, port in SERVICES.items():
        service = services[name]
        assert service["command"] == ["python", "-m", f"services.{name}"]
        # reached only through the front door, which waits for it to be healthy
        assert "ports" not in service
        assert services["frontdoor"]["depends_on"][name]["condition"] == "service_healthy"
        assert service["environment"][f"WARTA_{name.upper()}_PORT"] == str(port)
        assert f"{port}/readyz" in " ".join(service["healthcheck"]["test"])
        for dependency in ("kafka", "mongodb"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy"
        assert (ROOT / "services" / name / "__main__.py").exists()


def test_the_front_door_is_the_one_published_origin() -> None:
    frontdoor = compose()["services"]["frontdoor"]
    assert frontdoor["ports"] == ["8000:8000"]
    mounted = " ".join(frontdoor["volumes"])
    assert "infra/nginx/routes.conf" in mounted  # the same routes as the local stack
    assert (ROOT / "infra" / "nginx" / "routes.conf").exists()


def test_every_warta_variable_in_compose_is_a_real_setting() -> None:
    known = {f"WARTA_{field.upper()}" for field in Settings.model_fields}
    for name, service in compose()["services"].items():
        for variable in service.get("environment", {}):
            if variable.startswith("WARTA_"):
                assert variable in known, f"{name} sets {variable}, which no setting reads"


def test_compose_points_the_services_at_the_compose_hosts() -> None:
    env = compose()["services"]["ingest"]["environment"]
    assert env["WARTA_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["WARTA_MONGO_URL"].startswith("mongodb://mongodb:")
    assert env["WARTA_BIND_HOST"] == "0.0.0.0"


def test_compose_and_the_image_require_the_signing_secrets() -> None:
    """No working default: compose refuses to start without them, the image runs production."""
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("WARTA_JWT_SECRET", "WARTA_UNSUBSCRIBE_SECRET"):
        assert f"{name}: ${{{name}:?" in text, f"{name} must be required (${{{name}:?...}})"
    for name, service in compose()["services"].items():
        env = service.get("environment", {})
        if "WARTA_BIND_HOST" in env:
            assert env.get("WARTA_ENV") != "development", f"{name} runs in development mode"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "WARTA_ENV=production" in dockerfile
    assert "WARTA_JWT_SECRET" not in dockerfile, "the image must not carry a secret"
