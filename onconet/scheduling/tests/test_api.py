"""The scheduling API: scoping (404 outside the region), permissions (403), bad input (400), state (409)."""

from __future__ import annotations

import datetime as dt

import pytest

from onconet.core import services as core_services
from onconet.scheduling import jobs, services
from onconet.scheduling.models import Booking, Course, PlanStatus
from onconet.scheduling.tests.conftest import TODAY

pytestmark = pytest.mark.django_db

API = "/api/v1/scheduling"


def bearer(user):
    _token, raw = core_services.api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_machines_are_scoped_and_filtered(client, users, sched):
    body = client.get(f"{API}/machines", **bearer(users["reporter"])).json()
    assert [m["code"] for m in body["items"]] == ["L1", "G1"]  # by facility, kind, code
    g1 = next(m for m in body["items"] if m["code"] == "G1")
    assert g1 == {
        "id": sched["g1"].pk,
        "code": "G1",
        "name": "Gantry 1",
        "kind": "proton_gantry",
        "facility": "KLU-PC",
        "facility_id": sched["klu"].pk,
        "minutes_per_weekday": [600, 600, 600, 600, 600, 0, 0],
        "weekly_minutes": 3000,
        "active": True,
    }
    analyst = client.get(f"{API}/machines?kind=proton_gantry", **bearer(users["analyst"])).json()
    assert sorted(m["code"] for m in analyst["items"]) == ["G1", "M1"]
    only = client.get(f"{API}/machines?facility={sched['mow'].pk}", **bearer(users["coordinator"])).json()
    assert [m["code"] for m in only["items"]] == ["M1"]
    assert client.get(f"{API}/machines", **bearer(users["partner"])).status_code == 403
    assert client.get(f"{API}/machines").status_code == 401
    bad = client.get(f"{API}/machines?kind=toaster", **bearer(users["admin"]))
    assert bad.status_code == 400
    assert bad.json()["errors"]


def test_courses_list_is_scoped_and_pseudonymous(client, users, sched, course, mow_course):
    body = client.get(f"{API}/courses", **bearer(users["reporter"])).json()
    assert [c["code"] for c in body["items"]] == [course.code]
    row = body["items"][0]
    assert row["facility"] == "KLU-PC"
    assert row["protocol"] == "PROTON-5"
    assert row["status"] == "waiting"
    assert row["machine"] is None
    assert row["referral_id"] is None
    assert set(row) == {
        "id",
        "code",
        "facility",
        "origin",
        "protocol",
        "ready_date",
        "urgency",
        "status",
        "machine",
        "start_date",
        "latest_start",
        "referral_id",
    }
    assert client.get(f"{API}/courses?origin=foreign", **bearer(users["admin"])).json()["count"] == 0
    assert client.get(f"{API}/courses", **bearer(users["admin"])).json()["count"] == 2


def test_add_a_course(client, users, sched):
    auth = bearer(users["reporter"])
    payload = {"facility": "KLU-PC", "protocol": "LINAC-3", "ready_date": TODAY.isoformat(), "urgency": 1}
    response = client.post(f"{API}/courses", data=payload, content_type="application/json", **auth)
    assert response.status_code == 201
    assert response.json()["code"] == "D-00001"
    assert response.json()["urgency"] == 1
    # another region's facility answers 404, like a missing one
    other = client.post(
        f"{API}/courses", data={**payload, "facility": "MOW-PC"}, content_type="application/json", **auth
    )
    missing = client.post(
        f"{API}/courses", data={**payload, "facility": "NOPE"}, content_type="application/json", **auth
    )
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    # bad input: unknown field, bad urgency, unknown protocol, protocol without a machine there
    unknown = client.post(
        f"{API}/courses", data={**payload, "patient_name": "Ivanov"}, content_type="application/json", **auth
    )
    assert unknown.status_code == 400
    urgency = client.post(f"{API}/courses", data={**payload, "urgency": 7}, content_type="application/json", **auth)
    assert urgency.status_code == 400
    protocol = client.post(
        f"{API}/courses", data={**payload, "protocol": "NO-SUCH"}, content_type="application/json", **auth
    )
    assert protocol.status_code == 400
    assert protocol.json()["errors"][0]["field"] == "protocol"
    pet = client.post(f"{API}/courses", data={**payload, "protocol": "PET-1"}, content_type="application/json", **auth)
    assert pet.status_code == 400
    assert pet.json()["errors"] == [
        {"field": "protocol", "message": "KLU-PC has no machine for this protocol", "value": "PET-1"}
    ]
    forbidden = client.post(f"{API}/courses", data=payload, content_type="application/json", **bearer(users["analyst"]))
    assert forbidden.status_code == 403
    assert Course.objects.count() == 1


CSV_BAD = (
    "code,facility,protocol,ready_date,urgency\n"
    "A-1,KLU-PC,PROTON-5,2026-12-01,3\n"
    "A-2,KLU-PC,NO-SUCH,2026-12-01,3\n"
    "A-3,KLU-PC,LINAC-3,tomorrow,2\n"
)


def test_csv_import_as_body_and_as_file(client, users, sched):
    auth = bearer(users["reporter"])
    bad = client.post(f"{API}/courses/import", data=CSV_BAD, content_type="text/csv", **auth)
    assert bad.status_code == 400
    body = bad.json()
    assert body["detail"] == "2 problem(s); nothing was imported."
    assert [(e["field"], e["message"]) for e in body["errors"]] == [
        ("protocol", "line 3: unknown protocol"),
        ("ready_date", "line 4: a date YYYY-MM-DD"),
    ]
    assert not Course.objects.exists()
    good = CSV_BAD.replace("NO-SUCH", "PROTON-5").replace("tomorrow", "2026-12-02")
    response = client.post(f"{API}/courses/import", data=good, content_type="text/csv", **auth)
    assert response.status_code == 200
    assert response.json() == {"imported": 3, "codes": ["A-1", "A-2", "A-3"]}

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "more.csv", b"code,facility,protocol,ready_date,urgency\nB-1,KLU-PC,LINAC-3,2026-12-03,1\n"
    )
    as_file = client.post(f"{API}/courses/import", data={"file": upload}, **auth)
    assert as_file.status_code == 200
    assert as_file.json()["codes"] == ["B-1"]
    empty = client.post(f"{API}/courses/import", data="", content_type="text/csv", **auth)
    assert empty.status_code == 400
    missing_columns = client.post(f"{API}/courses/import", data="code,facility\nx,y\n", content_type="text/csv", **auth)
    assert missing_columns.status_code == 400
    assert {e["field"] for e in missing_columns.json()["errors"]} == {"protocol", "ready_date", "urgency"}
    forbidden = client.post(f"{API}/courses/import", data=good, content_type="text/csv", **bearer(users["coordinator"]))
    assert forbidden.status_code == 403
    assert Course.objects.count() == 4


def test_bookings_by_machine_and_dates(client, users, sched, course, mow_course):
    services.plan_approve(user=users["reporter"], plan=jobs.plan_facility(sched["klu"], kind="manual"))
    services.plan_approve(user=users["reporter2"], plan=jobs.plan_facility(sched["mow"], kind="manual"))
    course.refresh_from_db()
    start = course.start_date
    auth = bearer(users["reporter"])
    end = (start + dt.timedelta(days=13)).isoformat()
    body = client.get(f"{API}/bookings?machine=G1&date_from={start.isoformat()}&date_to={end}", **auth).json()
    assert body["count"] == 5
    first = body["items"][0]
    assert first == {
        "course": course.code,
        "origin": "domestic",
        "machine": "G1",
        "date": start.isoformat(),
        "fraction": 1,
        "fractions": 5,
        "minutes": 60,
    }
    # without a machine: every machine the reporter may see — never Moscow's
    everything = client.get(f"{API}/bookings?date_from={start.isoformat()}&date_to={end}", **auth).json()
    assert {b["machine"] for b in everything["items"]} == {"G1"}
    assert client.get(f"{API}/bookings?machine=M1", **auth).status_code == 404
    assert client.get(f"{API}/bookings?machine=NOPE", **auth).status_code == 404
    backwards = client.get(f"{API}/bookings?date_from=2026-03-01&date_to=2026-02-01", **auth)
    assert backwards.status_code == 400
    too_long = client.get(f"{API}/bookings?date_from=2026-01-01&date_to=2026-12-31", **auth)
    assert too_long.status_code == 400
    assert client.get(f"{API}/bookings?date_from=01.01.2026", **auth).status_code == 400
    assert client.get(f"{API}/bookings", **bearer(users["finance"])).status_code == 403


def test_plan_read_and_approve(client, users, sched, course, mow_course):
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    mow_plan = jobs.plan_facility(sched["mow"], kind="manual", user=users["reporter2"])
    auth = bearer(users["reporter"])
    body = client.get(f"{API}/plans/{plan.pk}", **auth).json()
    assert body["status"] == "proposed"
    assert body["facility"] == "KLU-PC"
    assert body["counts"] == {"added": 1}
    assert body["rows"][0]["course"] == course.code
    assert body["rows"][0]["change"] == "added"
    assert body["guarantee"]["holds"] is True
    assert body["metrics"]["domestic"]["scheduled"] == 1
    # another region's plan: 404, like a missing one; reading and approving
    other = client.get(f"{API}/plans/{mow_plan.pk}", **auth)
    assert other.status_code == client.get(f"{API}/plans/999999", **auth).status_code == 404
    assert client.post(f"{API}/plans/{mow_plan.pk}/approve", **auth).status_code == 404
    # an analyst reads but may not approve
    analyst = bearer(users["analyst"])
    assert client.get(f"{API}/plans/{mow_plan.pk}", **analyst).status_code == 200
    assert client.post(f"{API}/plans/{plan.pk}/approve", **analyst).status_code == 403
    approved = client.post(f"{API}/plans/{plan.pk}/approve", **auth)
    assert approved.status_code == 200
    assert approved.json()["status"] == PlanStatus.APPROVED
    assert Booking.objects.filter(course=course).count() == 5
    again = client.post(f"{API}/plans/{plan.pk}/approve", **auth)
    assert again.status_code == 409
    assert "only a proposed plan can be approved" in again.json()["detail"]
    mow_plan.refresh_from_db()
    assert mow_plan.status == PlanStatus.PROPOSED


def test_openapi_lists_the_scheduling_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/scheduling/machines",
        "/api/v1/scheduling/courses",
        "/api/v1/scheduling/courses/import",
        "/api/v1/scheduling/bookings",
        "/api/v1/scheduling/plans/{plan_id}",
        "/api/v1/scheduling/plans/{plan_id}/approve",
    ):
        assert path in paths
