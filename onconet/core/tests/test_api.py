"""The JSON API: authentication, error format, scoping, and bad input that changes nothing."""

import json

import pytest
from django.test import Client

from conftest import make_facility
from onconet.core import services
from onconet.core.models import ApiToken, AuditEntry, Facility, Job

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bearer(user, name="test"):
    _token, raw = services.api_token_create(user=user, name=name)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_missing_token_is_401_json(client):
    response = client.get(f"{API}/me")
    assert response.status_code == 401
    body = response.json()
    assert "Authorization: Bearer" in body["detail"]
    assert body["errors"] == []


def test_wrong_and_revoked_tokens_are_401(client, users):
    assert client.get(f"{API}/me", HTTP_AUTHORIZATION="Bearer onc_deadbeef_nope").status_code == 401
    token, raw = services.api_token_create(user=users["analyst"], name="t")
    services.api_token_revoke(user=users["analyst"], token_id=token.pk)
    assert client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_token_authenticates_as_its_user(client, users):
    response = client.get(f"{API}/me", **bearer(users["reporter"]))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "reporter"
    assert body["role"] == "regional_reporter"
    assert body["region"] == "RU-KLU"
    assert "core.add_facility" in body["permissions"]


def test_session_auth_needs_csrf_for_writes(users, region):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    response = client.post(
        f"{API}/facilities",
        data=json.dumps({"region": "RU-KLU", "code": "X1", "name": "X", "kind": "hospital"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Facility.objects.exists()


def test_reporter_lists_only_own_region_facilities(client, users, region, other_region):
    make_facility(region, "KLU-1")
    make_facility(other_region, "MOW-1")
    body = client.get(f"{API}/facilities", **bearer(users["reporter"])).json()
    assert body["count"] == 1
    assert [f["code"] for f in body["items"]] == ["KLU-1"]


def test_reporter_gets_404_for_other_region_facility_read_and_write(client, users, other_region):
    foreign = make_facility(other_region, "MOW-1")
    auth = bearer(users["reporter"])
    assert client.get(f"{API}/facilities/{foreign.pk}", **auth).status_code == 404
    response = client.patch(
        f"{API}/facilities/{foreign.pk}", data={"name": "Hijacked"}, content_type="application/json", **auth
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "No facility matches the given id."
    foreign.refresh_from_db()
    assert foreign.name == "Facility MOW-1"
    assert client.get(f"{API}/regions/RU-MOW", **auth).status_code == 404


def test_reporter_cannot_create_in_other_region(client, users, other_region):
    response = client.post(
        f"{API}/facilities",
        data={"region": "RU-MOW", "code": "X1", "name": "X", "kind": "hospital"},
        content_type="application/json",
        **bearer(users["reporter"]),
    )
    assert response.status_code == 404
    assert not Facility.objects.exists()


def test_create_and_patch_facility(client, users, region):
    auth = bearer(users["reporter"])
    response = client.post(
        f"{API}/facilities",
        data={
            "region": "ru-klu",
            "code": "KLU-H9",
            "name": "Hospital 9",
            "kind": "hospital",
            "latitude": "54.5",
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["region"] == "RU-KLU"
    assert created["latitude"] == "54.5"
    response = client.patch(
        f"{API}/facilities/{created['id']}",
        data={"name": "Hospital No. 9"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Hospital No. 9"
    assert response.json()["code"] == "KLU-H9"


def test_malformed_json_is_400_and_writes_nothing(client, users, region):
    response = client.post(
        f"{API}/facilities",
        data='{"region": "RU-KLU", "code": ',
        content_type="application/json",
        **bearer(users["admin"]),
    )
    assert response.status_code == 400
    assert "Cannot parse request body" in response.json()["detail"]
    assert not Facility.objects.exists()


def test_unknown_fields_are_400_with_the_field_named(client, users, region):
    response = client.post(
        f"{API}/facilities",
        data={"region": "RU-KLU", "code": "X", "name": "X", "kind": "hospital", "beds": 40},
        content_type="application/json",
        **bearer(users["admin"]),
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == [
        {"field": "body.payload.beds", "message": "Extra inputs are not permitted", "type": "extra_forbidden"}
    ]
    assert not Facility.objects.exists()


def test_invalid_values_list_every_problem(client, users, region):
    response = client.post(
        f"{API}/facilities",
        data={"region": "RU-KLU", "code": "", "name": "X", "kind": "spaceport", "latitude": 123},
        content_type="application/json",
        **bearer(users["admin"]),
    )
    assert response.status_code == 400
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["body.payload.code", "body.payload.kind", "body.payload.latitude"]


def test_service_validation_errors_are_400_with_fields(client, users, region):
    make_facility(region, "DUP")
    response = client.post(
        f"{API}/facilities",
        data={"region": "RU-KLU", "code": "dup", "name": "X", "kind": "hospital"},
        content_type="application/json",
        **bearer(users["admin"]),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "code"
    assert Facility.objects.count() == 1


def test_no_permission_is_403(client, users, region):
    response = client.post(
        f"{API}/facilities",
        data={"region": "RU-KLU", "code": "X", "name": "X", "kind": "hospital"},
        content_type="application/json",
        **bearer(users["analyst"]),
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "You are not allowed to add facilities."


def test_audit_api_is_for_admins(client, users):
    assert client.get(f"{API}/audit", **bearer(users["analyst"])).status_code == 403
    response = client.get(f"{API}/audit?action=create", **bearer(users["admin"]))
    assert response.status_code == 200
    assert all(item["action"] == "create" for item in response.json()["items"])


def test_job_start_and_read(client, users):
    auth = bearer(users["analyst"])
    response = client.post(f"{API}/jobs", data={"kind": "network_census"}, content_type="application/json", **auth)
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    assert client.get(f"{API}/jobs/{job_id}", **auth).json()["kind"] == "network_census"
    # another user does not see it
    assert client.get(f"{API}/jobs/{job_id}", **bearer(users["reporter"])).status_code == 404


def test_job_unknown_kind_and_forbidden_kind(client, users):
    response = client.post(
        f"{API}/jobs",
        data={"kind": "mine_bitcoin"},
        content_type="application/json",
        **bearer(users["analyst"]),
    )
    assert response.status_code == 400
    assert "Unknown job kind" in response.json()["detail"]
    response = client.post(
        f"{API}/jobs",
        data={"kind": "network_census"},
        content_type="application/json",
        **bearer(users["reporter"]),
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_retry_of_unfinished_job_is_409(client, users):
    auth = bearer(users["analyst"])
    job_id = client.post(
        f"{API}/jobs", data={"kind": "network_census"}, content_type="application/json", **auth
    ).json()["id"]
    response = client.post(f"{API}/jobs/{job_id}/retry", **auth)
    assert response.status_code == 409
    assert "Only a failed job can be retried" in response.json()["detail"]


def test_tokens_api_create_list_revoke(client, users):
    client.force_login(users["finance"])
    response = client.post(f"{API}/tokens", data={"name": "bank sync"}, content_type="application/json")
    assert response.status_code == 201
    raw = response.json()["token"]
    listed = client.get(f"{API}/tokens").json()
    assert [t["name"] for t in listed] == ["bank sync"]
    assert "token" not in listed[0]
    other = Client()
    assert other.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.delete(f"{API}/tokens/{listed[0]['id']}").status_code == 204
    assert other.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_token_name_must_not_be_blank(client, users):
    client.force_login(users["finance"])
    response = client.post(f"{API}/tokens", data={"name": "  "}, content_type="application/json")
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_reference_lists_come_from_pycountry(client, users):
    auth = bearer(users["coordinator"])
    currencies = {c["code"] for c in client.get(f"{API}/reference/currencies", **auth).json()}
    assert {"EUR", "RSD", "KZT", "UZS", "RUB", "CZK"} <= currencies
    languages = {c["code"] for c in client.get(f"{API}/reference/languages", **auth).json()}
    assert {"bg", "sr", "hr", "cs", "uz", "kk", "fr"} <= languages


def test_regions_listing_filters_by_federal_district(client, users):
    body = client.get(f"{API}/regions?federal_district=ural", **bearer(users["analyst"])).json()
    assert body["count"] == 6
    assert {r["federal_district"] for r in body["items"]} == {"ural"}


def test_viewing_is_not_written_to_the_audit_log_for_reference_data(client, users):
    before = AuditEntry.objects.count()
    client.get(f"{API}/regions", **bearer(users["analyst"]))
    assert AuditEntry.objects.count() == before + 1  # only the token creation
