"""The passports API: import with JSON problems, scoping, workflow errors, exports."""

import pytest

from onconet.core import services as core_services
from onconet.passports import services
from onconet.passports.models import Passport
from onconet.passports.tests.factories import changed, make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db
API = "/api/v1"


def bearer(user):
    _token, raw = core_services.api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def passport(reference, region):
    make_standards()
    services.passport_import(book=read_workbook(xlsx_bytes(valid_rows())), period=2025, user=None)
    return Passport.objects.get(region=region, period=2025)


def upload(client, auth, data, period=2025, dry_run=False, url="/passports/import"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"{API}{url}",
        {"file": SimpleUploadedFile("p.xlsx", data), "period": period, "dry_run": "true" if dry_run else "false"},
        **auth,
    )


def test_import_ok(client, users, reference):
    make_standards()
    response = upload(client, bearer(users["reporter"]), xlsx_bytes(valid_rows()))
    assert response.status_code == 200, response.json()
    assert response.json()["created"]["staff"] == 3


def test_import_problems_are_json(client, users, reference):
    make_standards()
    response = upload(client, bearer(users["reporter"]), xlsx_bytes(changed(valid_rows(), "beds", 0, beds=-1)))
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The workbook has 1 problem(s); nothing was imported."
    assert body["errors"] == [
        {"sheet": "beds", "row": 2, "column": "beds", "value": -1, "message": "must be at least 0"}
    ]
    assert not Passport.objects.exists()


def test_import_other_region_is_403(client, users, reference):
    make_standards()
    response = upload(client, bearer(users["reporter"]), xlsx_bytes(valid_rows(region="RU-MOW")))
    assert response.status_code == 403
    assert response.json()["detail"] == "You report for RU-KLU; this is RU-MOW's passport."


def test_import_into_approved_is_409(client, users, passport):
    Passport.objects.update(status="approved")
    response = upload(client, bearer(users["reporter"]), xlsx_bytes(valid_rows()))
    assert response.status_code == 409
    assert "approved and locked" in response.json()["detail"]


def test_import_job_is_queued(client, users, reference, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, bearer(users["reporter"]), xlsx_bytes(valid_rows()), url="/passports/import-jobs")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert len(callbacks) == 1


def test_import_job_kind_cannot_be_started_with_made_up_params(client, users):
    response = client.post(
        f"{API}/jobs",
        data={"kind": "passport_import", "params": {"path": "../../etc/passwd", "period": 2025}},
        content_type="application/json",
        **bearer(users["reporter"]),
    )
    assert response.status_code == 400


def test_list_is_scoped(client, users, passport):
    assert client.get(f"{API}/passports", **bearer(users["reporter"])).json()["count"] == 1
    assert client.get(f"{API}/passports", **bearer(users["reporter2"])).json()["count"] == 0
    assert client.get(f"{API}/passports", **bearer(users["partner"])).json()["count"] == 0
    assert client.get(f"{API}/passports/{passport.pk}", **bearer(users["reporter2"])).status_code == 404
    assert client.get(f"{API}/passports/{passport.pk}/export", **bearer(users["partner"])).status_code == 404


def test_detail_lists_allowed_actions(client, users, passport):
    body = client.get(f"{API}/passports/{passport.pk}", **bearer(users["reporter"])).json()
    assert body["allowed_actions"] == ["submit"]
    assert body["counts"]["staff"] == 3
    assert body["compliance_score"] == 75.0


def test_workflow_over_the_api(client, users, passport):
    reporter, admin = bearer(users["reporter"]), bearer(users["admin"])
    response = client.post(f"{API}/passports/{passport.pk}/approve", data={}, content_type="application/json", **admin)
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "status", "message": "allowed: submit", "value": "draft"}]
    assert client.post(f"{API}/passports/{passport.pk}/submit", **reporter).json()["status"] == "submitted"
    response = client.post(
        f"{API}/passports/{passport.pk}/return", data={"comment": ""}, content_type="application/json", **admin
    )
    assert response.status_code == 400
    response = client.post(
        f"{API}/passports/{passport.pk}/approve", data={"comment": "ok"}, content_type="application/json", **reporter
    )
    assert response.status_code == 403
    response = client.post(
        f"{API}/passports/{passport.pk}/approve", data={"comment": "ok"}, content_type="application/json", **admin
    )
    assert response.json()["status"] == "approved"
    history = client.get(f"{API}/passports/{passport.pk}/history", **reporter).json()
    assert [h["action"] for h in history][:2] == ["approve", "submit"]


def test_check_endpoint(client, users, passport):
    findings = client.get(f"{API}/passports/{passport.pk}/check", **bearer(users["analyst"])).json()
    assert {f["rule"] for f in findings} == {"P005"}


def test_exports(client, users, passport):
    auth = bearer(users["analyst"])
    assert client.get(f"{API}/passports/{passport.pk}/export", **auth).json()["region"] == "RU-KLU"
    xlsx = client.get(f"{API}/passports/{passport.pk}/export?format=xlsx", **auth)
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx.content[:2] == b"PK"
    csvzip = client.get(f"{API}/passports/{passport.pk}/export?format=csv", **auth)
    assert csvzip["Content-Type"] == "application/zip"
    assert client.get(f"{API}/passports/{passport.pk}/dhis2", **auth).json()["orgUnit"] == "RU-KLU"
    assert client.get(f"{API}/passports/template.xlsx", **auth).content[:2] == b"PK"


def test_rows_over_the_api(client, users, passport):
    auth = bearer(users["reporter"])
    url = f"{API}/passports/{passport.pk}/sections/staff"
    response = client.post(
        url,
        data={
            "values": {
                "facility_code": "DISP",
                "staff_id": "S7",
                "specialty": "oncologist",
                "birth_year": 1985,
                "fte": 1,
            }
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    row_id = response.json()["id"]
    response = client.post(
        url, data={"values": {"staff_id": "S8", "nickname": "Doc"}}, content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "nickname", "message": "unknown column"}]
    response = client.put(
        f"{url}/{row_id}",
        data={
            "values": {
                "facility_code": "DISP",
                "staff_id": "S7",
                "specialty": "oncologist",
                "birth_year": 1985,
                "fte": 7,
            }
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "fte", "message": "must be at most 1.5", "value": 7}]
    assert client.delete(f"{url}/{row_id}", **auth).status_code == 204
    assert client.delete(f"{url}/{row_id}", **auth).status_code == 404
    assert client.delete(f"{url}/{row_id}", **bearer(users["reporter2"])).status_code == 404


def test_create_passport_with_copy_forward(client, users, passport):
    response = client.post(
        f"{API}/passports",
        data={"region": "RU-KLU", "period": 2026, "copy_forward": True},
        content_type="application/json",
        **bearer(users["reporter"]),
    )
    assert response.status_code == 201
    assert response.json()["counts"]["staff"] == 3
    response = client.post(
        f"{API}/passports",
        data={"region": "RU-MOW", "period": 2026},
        content_type="application/json",
        **bearer(users["reporter"]),
    )
    assert response.status_code == 404  # another region is outside the reporter's scope


def test_standards_api(client, users, reference):
    response = client.post(
        f"{API}/standards",
        data={"code": "RT-QA-01", "title": "Radiotherapy QA"},
        content_type="application/json",
        **bearer(users["reporter"]),
    )
    assert response.status_code == 403
    response = client.post(
        f"{API}/standards",
        data={"code": "RT-QA-01", "title": "Radiotherapy QA"},
        content_type="application/json",
        **bearer(users["admin"]),
    )
    assert response.status_code == 200
    assert [s["code"] for s in client.get(f"{API}/standards", **bearer(users["reporter"])).json()] == ["RT-QA-01"]
