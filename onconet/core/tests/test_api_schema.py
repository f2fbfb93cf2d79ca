"""Schemathesis against /api/v1/openapi.json, in process: for every operation, generated requests (valid and
invalid) as a national admin must never get a server error, and every response must match the published schema
(status code documented, content type, body). Domain rules beyond the schema (an unknown currency, a date range
backwards) are answered 400 and that is fine — those are documented responses."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def token(users: dict[str, Any]) -> Any:
    """An admin's API token; requests run inside the test's transaction, as Django's test client runs them."""
    from onconet.core.services import api_token_create

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield api_token_create(user=users["admin"], name="schemathesis")[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_nul_characters_are_refused_before_any_database(client, users):
    from onconet.core.services import api_token_create

    token = api_token_create(user=users["admin"], name="nul")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = '{"code": "X\\u0000", "name": "N"}'
    response = client.post("/api/v1/standards", body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert client.get("/api/v1/regions?q=a%00b", **headers).status_code == 400
    assert client.get("/fhir/Device?identifier=G%001", **headers).status_code == 400
    fine = client.post("/api/v1/standards", '{"code": "a\\\\u0000b"}', content_type="application/json", **headers)
    assert fine.status_code != 400 or "NUL" not in fine.json()["detail"]  # an escaped backslash is just text


def test_numbers_beyond_any_integer_column_are_bad_input_not_errors(client, users):
    from onconet.core.services import api_token_create

    token = api_token_create(user=users["admin"], name="big")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    huge = "2137986427050935417992336694575104"
    # SQLite cannot bind it (refused as bad input); PostgreSQL compares it as a numeric and finds nothing
    assert client.get(f"/api/v1/scheduling/courses?facility={huge}", **headers).status_code in (200, 400)
    assert client.get(f"/fhir/Device?_id={huge}", **headers).status_code in (200, 400)
    client.force_login(users["admin"])
    assert client.get(f"/facilities/{huge}/").status_code == 404
