"""Each service's OpenAPI says who may call each route, which errors it answers, in what type."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from services.editorial.main import create_app as editorial_app
from services.ingest.main import create_app as ingest_app
from services.notifier.main import create_app as notifier_app
from services.publisher.main import create_app as publisher_app
from shared.settings import Settings

APPS: dict[str, Callable[[Settings], FastAPI]] = {
    "ingest": ingest_app, "editorial": editorial_app, "publisher": publisher_app,
    "notifier": notifier_app,
}
# Reached without a credential: operations, the login, public feeds, pages, files and links.
# The second factor's verification carries its mfa token in the body; its enrolment takes the
# mfa token as a bearer (the `mfaToken` scheme).
# The notifier's public pages carry their own proof instead: a signed single-purpose token in
# the path (confirmation, preferences, RSVP, proof of publication) or, for WhatsApp's status
# webhook, the X-Hub-Signature-256 of the body.
PUBLIC = ("/healthz", "/readyz", "/metrics", "/asyncapi", "/v1/auth/token", "/v1/auth/refresh",
          "/v1/auth/totp/verify", "/v1/opd-auth/", "/feeds/",
          "/berita", "/files/", "/unsubscribe/", "/v1/signup", "/v1/preferences/",
          "/preferensi/",
          "/v1/whatsapp/webhook", "/mitra/bukti/", "/undangan/rsvp/")
ERROR_REF = "#/components/schemas/ErrorOut"


def spec(service: str) -> dict[str, Any]:
    # Building the app connects to nothing; the schema needs no infrastructure.
    return APPS[service](Settings(env="development")).openapi()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_route_but_the_public_ones_declares_its_credential(service: str) -> None:
    document = spec(service)
    schemes = document.get("components", {}).get("securitySchemes", {})
    assert schemes["editorJwt"]["type"] == "oauth2"
    assert schemes["editorJwt"]["flows"]["password"]["tokenUrl"] == "/v1/auth/token"
    for path, method, operation in operations(document):
        public = path.startswith(PUBLIC)
        assert bool(operation.get("security")) is not public, (method, path)
        if not public:
            assert "401" in operation["responses"], (method, path)
            for requirement in operation["security"]:
                assert set(requirement) <= set(schemes), (method, path)


def test_the_second_factor_routes_declare_the_mfa_token_and_their_refusals() -> None:
    paths = spec("editorial")["paths"]
    login = paths["/v1/auth/token"]["post"]["responses"]
    assert {"401", "403", "429"} <= set(login)
    enrol = paths["/v1/auth/totp/enrol"]["post"]
    assert enrol["security"] == [{"mfaToken": []}]
    assert {"401", "409"} <= set(enrol["responses"])
    verify = paths["/v1/auth/totp/verify"]["post"]
    assert {"401", "422", "429"} <= set(verify["responses"])
    reset = paths["/v1/admin/accounts/{username}/totp"]["delete"]
    assert reset["security"] == [{"editorJwt": ["admin"]}]
    assert {"204", "401", "403", "404"} <= set(reset["responses"])


def test_ingest_takes_opd_keys_on_the_reports_and_admin_tokens_on_the_opds() -> None:
    document = spec("ingest")
    assert document["components"]["securitySchemes"]["opdApiKey"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "wrt_<key id>_<secret>",
        "description": document["components"]["securitySchemes"]["opdApiKey"]["description"]}
    for path, method, operation in operations(document):
        if path.startswith(("/v1/reports", "/v1/attachments")):
            assert operation["security"] == [{"opdApiKey": []}, {"opdUserToken": []}], (
                method, path)
            assert "429" in operation["responses"], (method, path)
        if path.startswith("/v1/admin"):
            assert operation["security"] == [{"editorJwt": ["admin"]}], (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_json_error_has_the_shared_error_body(service: str) -> None:
    document = spec(service)
    assert "HTTPValidationError" not in document.get("components", {}).get("schemas", {})
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            json_body = response.get("content", {}).get("application/json")
            if int(status) >= 400 and json_body is not None:
                assert json_body["schema"] == {"$ref": ERROR_REF}, (method, path, status)


@pytest.mark.parametrize("service", sorted(APPS))
def test_metrics_are_text_and_the_asyncapi_yaml_is_yaml(service: str) -> None:
    paths = spec(service)["paths"]

    def content_types(path: str) -> list[str]:
        return list(paths[path]["get"]["responses"]["200"]["content"])

    assert content_types("/metrics") == ["text/plain"]
    assert content_types("/asyncapi.yaml") == ["application/yaml"]
    assert content_types("/asyncapi.json") == ["application/json"]
    assert "503" in paths["/readyz"]["get"]["responses"]


def test_html_pages_declare_their_html_and_their_json_errors_as_json() -> None:
    pages = [("publisher", "/berita/{article_id}", "get"),
             ("notifier", "/unsubscribe/{token}", "get"),
             ("notifier", "/unsubscribe/{token}", "post")]
    for service, path, method in pages:
        responses = spec(service)["paths"][path][method]["responses"]
        assert list(responses["200"]["content"]) == ["text/html"]
        assert list(responses["404"]["content"]) == ["text/html"]
        assert list(responses["503"]["content"]) == ["application/json"]
