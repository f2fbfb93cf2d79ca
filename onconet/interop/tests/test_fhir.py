"""The FHIR R5 endpoint: every resource we emit validates with fhir.resources, and — since that library checks
neither code bindings, nor start ≤ end, nor reference targets — our own checks do; search, paging, scoping (404
outside a user's scope), authentication and errors as OperationOutcomes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from fhir.resources.bundle import Bundle

from onconet.core.services import api_token_create
from onconet.scheduling import services as scheduling
from onconet.scheduling.tests.conftest import TODAY, next_weekday

BINDINGS = {
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("ServiceRequest", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("ServiceRequest", "intent"): {
        "proposal",
        "plan",
        "directive",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    },
    ("DocumentReference", "status"): {"current", "superseded", "entered-in-error"},
    ("Location", "status"): {"active", "suspended", "inactive"},
    ("Location", "mode"): {"instance", "kind"},
    ("Device", "status"): {"active", "inactive", "entered-in-error"},
    ("Slot", "status"): {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"},
    ("Appointment", "status"): {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    },
}


def get(client: Any, url: str, **headers: str) -> tuple[int, dict[str, Any]]:
    response = client.get(url, **headers)
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return response.status_code, json.loads(response.content)


def references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def check_resource(client: Any, resource: dict[str, Any]) -> None:
    """What fhir.resources does not check: code bindings, start ≤ end, and that every reference resolves."""
    kind = resource["resourceType"]
    for (rtype, name), allowed in BINDINGS.items():
        if rtype == kind and name in resource:
            assert resource[name] in allowed, (kind, name, resource[name])
    if "start" in resource and "end" in resource:
        assert dt.datetime.fromisoformat(resource["start"]) <= dt.datetime.fromisoformat(resource["end"])
    for ref in references(resource):
        status, target = get(client, f"/fhir/{ref}")
        assert status == 200, (kind, ref, target)
        assert f"{target['resourceType']}/{target['id']}" == ref


@pytest.fixture
def booked(users, sched, course, prepaid_referral):
    """A domestic course booked on G1 and the Bulgarian patient's course booked after it."""
    start = next_weekday(TODAY, 1)
    days = [start]
    while len(days) < 5:
        days.append(next_weekday(days[-1], 1))
    scheduling.book_course(course, sched["g1"], days)
    foreign = scheduling.foreign_course_create(
        user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"]
    )
    later = [next_weekday(days[-1], 1)]
    while len(later) < 5:
        later.append(next_weekday(later[-1], 1))
    scheduling.book_course(foreign, sched["g1"], later)
    return {"domestic": course, "foreign": foreign, "patient": prepaid_referral.patient}


@pytest.mark.parametrize(
    "resource",
    ["Patient", "Organization", "Location", "Device", "Schedule", "Slot", "Appointment", "ServiceRequest"],
)
def test_every_resource_validates_and_its_references_resolve(client, users, booked, resource):
    client.force_login(users["admin"])
    status, bundle = get(client, f"/fhir/{resource}?_count=200")
    assert status == 200
    Bundle.model_validate(bundle)
    assert bundle["total"] == len(bundle["entry"]) > 0
    for entry in bundle["entry"][:25]:
        assert entry["fullUrl"].endswith(f"/fhir/{resource}/{entry['resource']['id']}")
        check_resource(client, entry["resource"])


def test_metadata_lists_the_resources_and_their_search_parameters(client, users):
    client.force_login(users["analyst"])
    status, capability = get(client, "/fhir/metadata")
    assert status == 200
    assert capability["fhirVersion"] == "5.0.0"
    served = {r["type"]: {p["name"] for p in r["searchParam"]} for r in capability["rest"][0]["resource"]}
    assert served["Appointment"] == {"_id", "_count", "_page", "identifier", "date"}
    assert served["Slot"] == {"_id", "_count", "_page", "start"}


def test_patient_search_by_identifier_and_scoping(client, users, booked):
    patient = booked["patient"]
    client.force_login(users["coordinator"])
    passport = f"https://onconet.example/fhir/sid/passport/BG|{patient.passport_number}"
    status, bundle = get(client, f"/fhir/Patient?identifier={passport}")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(patient.pk)]
    resource = bundle["entry"][0]["resource"]
    assert resource["name"][0] == {"use": "official", "family": "Petrova", "given": ["Ana"]}
    assert resource["gender"] == "female"
    assert resource["birthDate"] == "1970-01-02"
    assert resource["communication"][0]["preferred"] is True
    status, none = get(client, "/fhir/Patient?identifier=https://onconet.example/fhir/sid/passport/RS|BG9876543")
    assert none["total"] == 0
    status, born = get(client, "/fhir/Patient?birthdate=ge1970-01-02&birthdate=le1970-01-02")
    assert born["total"] == 1
    # the partner agent sees its own patient; the other partner gets 404 for it and an empty search
    client.force_login(users["partner"])
    assert get(client, f"/fhir/Patient/{patient.pk}")[0] == 200
    client.force_login(users["partner2"])
    status, missing = get(client, f"/fhir/Patient/{patient.pk}")
    assert status == 404
    assert missing["resourceType"] == "OperationOutcome"
    assert get(client, "/fhir/Patient")[1]["total"] == 0
    client.force_login(users["analyst"])  # no patient data for the national analyst
    status, refused = get(client, "/fhir/Patient")
    assert status == 403
    assert refused["issue"][0]["code"] == "forbidden"


def test_passport_numbers_only_for_those_who_may_see_them(client, users, booked):
    patient = booked["patient"]
    client.force_login(users["partner"])
    systems = [i["system"] for i in get(client, f"/fhir/Patient/{patient.pk}")[1]["identifier"]]
    assert systems == ["https://onconet.example/fhir/sid/foreign-patient"]
    client.force_login(users["coordinator"])
    identifiers = get(client, f"/fhir/Patient/{patient.pk}")[1]["identifier"]
    assert identifiers[1]["value"] == patient.passport_number


def test_directory_follows_mcsd(client, users, sched, region):
    from conftest import make_facility

    operator = make_facility(region, "KLU-OPS", name="Kaluga oncology operator")
    building = make_facility(region, "KLU-HOSP", name="Kaluga regional hospital")
    ward = make_facility(region, "KLU-WARD", name="Oncology beds", parent=operator, located_in=building)
    client.force_login(users["reporter"])
    organization = get(client, f"/fhir/Organization/{ward.pk}")[1]
    assert organization["partOf"]["reference"] == f"Organization/{operator.pk}"
    location = get(client, f"/fhir/Location/{ward.pk}")[1]
    assert location["partOf"]["reference"] == f"Location/{building.pk}"
    assert location["managingOrganization"]["reference"] == f"Organization/{ward.pk}"
    _status, found = get(client, "/fhir/Location?identifier=https://onconet.example/fhir/sid/facility|RU-KLU/KLU-WARD")
    assert [e["resource"]["id"] for e in found["entry"]] == [str(ward.pk)]
    # another region's facility is not there for this reporter
    assert get(client, f"/fhir/Location/{sched['mow'].pk}")[0] == 404


def test_slots_appointments_and_paging(client, users, booked, sched):
    client.force_login(users["reporter"])
    first = next_weekday(TODAY, 1)
    _status, slots = get(client, f"/fhir/Slot?start={first.isoformat()}")
    assert [s["resource"]["schedule"]["reference"] for s in slots["entry"]] == [f"Schedule/{sched['g1'].pk}"]
    assert slots["entry"][0]["resource"]["comment"] == "540 of 600 minutes free"
    _status, page1 = get(client, "/fhir/Appointment?_count=4")
    assert page1["total"] == 10
    assert [link["relation"] for link in page1["link"]] == ["self", "next"]
    next_url = page1["link"][1]["url"].split("testserver", 1)[-1]
    _status, page3 = get(client, next_url.replace("_page=2", "_page=3"))
    assert len(page3["entry"]) == 2
    assert [link["relation"] for link in page3["link"]] == ["self", "previous"]
    code = booked["domestic"].code
    _status, one = get(client, f"/fhir/Appointment?identifier={code}/2")
    assert [e["resource"]["description"] for e in one["entry"]] == ["PROTON-5, fraction 2 of 5"]
    assert "subject" not in one["entry"][0]["resource"]  # domestic courses are pseudonymous


def test_everything_about_one_patient(client, users, booked):
    """The patient's data export as FHIR: the patient, the referral, the appointments, the invoice and its lines;
    every reference inside resolves to an entry of the same Bundle, and the export is audited."""
    from onconet.core.models import AuditAction, AuditEntry

    patient = booked["patient"]
    client.force_login(users["coordinator"])
    status, bundle = get(client, f"/fhir/Patient/{patient.pk}/$everything")
    assert status == 200
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "ServiceRequest"] + ["Appointment"] * 5 + ["Invoice", "ChargeItem"]
    inside = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    for entry in bundle["entry"]:
        assert entry["fullUrl"].endswith("/fhir/" + f"{entry['resource']['resourceType']}/{entry['resource']['id']}")
        for ref in references(entry["resource"]):
            if ref.split("/")[0] in {"Patient", "ServiceRequest", "Appointment", "Invoice", "ChargeItem"}:
                assert ref in inside, ref
    assert {e["resource"]["subject"]["reference"] for e in bundle["entry"][1:]} == {f"Patient/{patient.pk}"}
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(patient.pk)).count() == 1
    # a reviewer reads referrals but not the schedule: no appointments in the reviewer's copy
    client.force_login(users["reviewer"])
    kinds = [e["resource"]["resourceType"] for e in get(client, f"/fhir/Patient/{patient.pk}/$everything")[1]["entry"]]
    assert kinds == ["Patient", "ServiceRequest", "Invoice", "ChargeItem"]
    client.force_login(users["partner2"])
    assert get(client, f"/fhir/Patient/{patient.pk}/$everything")[0] == 404


def test_bad_requests_and_authentication(client, users, sched):
    assert get(client, "/fhir/Device")[0] == 401
    token = api_token_create(user=users["reporter"], name="fhir")[1]
    status, devices = get(client, "/fhir/Device", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert status == 200
    assert {e["resource"]["identifier"][0]["value"] for e in devices["entry"]} == {"G1", "L1"}
    assert get(client, "/fhir/Device", HTTP_AUTHORIZATION="Bearer nonsense")[0] == 401
    client.force_login(users["admin"])
    cases = {
        "/fhir/Device?_count=500": "_count: must be between 0 and 200",
        "/fhir/Device?_page=0": "_page: must be between 1 and 1000000",
        "/fhir/Device?_count=x": "_count: must be a whole number",
        "/fhir/Slot?start=tomorrow": 'start: "tomorrow" is not a date',
        "/fhir/Device?colour=red": "Unsupported search parameters for Device: colour",
        "/fhir/Slot?identifier=x": "cannot be searched by identifier",
    }
    for url, message in cases.items():
        status, problem = get(client, url)
        assert status == 400, url
        assert message in problem["issue"][0]["diagnostics"], url
    status, problem = get(client, "/fhir/Observation")
    assert status == 404
    assert client.post("/fhir/Device", {}).status_code == 405


def test_the_identifier_and_code_systems_follow_the_deployments_base(tmp_path: Any) -> None:
    script = "import django; django.setup(); from onconet.interop import fhir; print(fhir.SYSTEM, fhir.CODES)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "ONCONET_VAR_DIR": str(tmp_path)}
    env["FHIR_BASE_SYSTEM"] = "https://oncology.example.ru/fhir/"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["https://oncology.example.ru/fhir/sid", "https://oncology.example.ru/fhir/CodeSystem"]
