"""The committed OpenAPI document (docs/openapi.json) is the one the code generates."""

from pathlib import Path

from django.conf import settings

from onconet.core.management.commands.export_openapi import openapi_document


def test_committed_openapi_matches_generated():
    committed = (Path(settings.BASE_DIR) / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_document(), "run `make openapi` and commit docs/openapi.json"


def test_openapi_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/facilities/{facility_id}" in paths
    assert "/api/v1/partners" in paths
