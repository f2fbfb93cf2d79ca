"""Rate limits of the API and FHIR: per address and per credential, 429 with Retry-After, pages untouched. The
limits count in the configured cache (CI's second pass: Redis)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from onconet.core.services import api_token_create

# a day's window: a test never straddles the window's end
PER_CREDENTIAL = override_settings(API_RATE_LIMIT_PER_CREDENTIAL="3/d", API_RATE_LIMIT_PER_ADDRESS="")
PER_ADDRESS = override_settings(API_RATE_LIMIT_PER_CREDENTIAL="", API_RATE_LIMIT_PER_ADDRESS="4/d")


@pytest.fixture
def token(users: dict) -> str:
    return api_token_create(user=users["admin"], name="integration")[1]


@PER_CREDENTIAL
def test_a_token_past_its_limit_gets_429_with_retry_after_and_another_token_does_not(client, users, token) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "REMOTE_ADDR": "10.1.0.1"}
    assert [client.get("/api/v1/regions", **headers).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/regions", **headers)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 24 * 3600
    assert refused.json() == {
        "detail": f"Too many requests: wait {refused['Retry-After']} seconds and try again.",
        "errors": [],
    }
    other = api_token_create(user=users["admin"], name="second")[1]
    assert client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200


@PER_CREDENTIAL
def test_a_signed_in_browser_is_limited_per_user_and_pages_are_not_limited(client, users) -> None:
    client.force_login(users["analyst"])
    assert [client.get("/api/v1/regions").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [client.get("/").status_code for _ in range(5)] == [200] * 5


@PER_ADDRESS
def test_one_address_is_limited_whatever_tokens_it_sends_and_fhir_answers_an_outcome(client) -> None:
    statuses = [
        client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer junk-{i}", REMOTE_ADDR="10.2.0.1").status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 401]
    refused = client.get("/fhir/metadata", REMOTE_ADDR="10.2.0.1")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/fhir+json"
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert refused.json()["issue"][0]["code"] == "throttled"
    assert client.get("/api/v1/regions", HTTP_AUTHORIZATION="Bearer junk", REMOTE_ADDR="10.2.0.2").status_code == 401


@override_settings(
    API_RATE_LIMIT_PER_CREDENTIAL="",
    API_RATE_LIMIT_PER_ADDRESS="2/d",
    AXES_IPWARE_PROXY_COUNT=1,  # what TRUSTED_PROXY_COUNT=1 sets
    AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
)
def test_behind_a_proxy_the_clients_address_counts_not_the_proxys(client) -> None:
    proxy = {"REMOTE_ADDR": "192.0.2.10"}
    # what the client wrote itself comes first; the proxy appends the address it saw
    first = [
        client.get("/fhir/metadata", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.1", **proxy).status_code
        for i in range(3)
    ]
    assert first == [401, 401, 429]  # signed out: refused, and counted
    assert client.get("/fhir/metadata", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 401
