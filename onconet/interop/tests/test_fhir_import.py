"""A partner's referral as a FHIR transaction Bundle: imported into the pipeline all or nothing, every problem
listed with its FHIRPath expression, only with a partner agent's token."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from conftest import pdf_bytes
from onconet.core.services import api_token_create
from onconet.tourism.models import ForeignPatient, PatientDocument, Referral, Service
from onconet.tourism.tests.factories import ServiceFactory

SID = "https://onconet.example/fhir/sid"
CS = "https://onconet.example/fhir/CodeSystem"
PDF = pdf_bytes()  # a real PDF: documents are identified by opening them


def bundle(**change: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:6f1c2d9e-0b7a-4c1e-9a53-2f7c1d8e4b10",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {
                            "type": {
                                "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PPN"}]
                            },
                            "system": f"{SID}/passport/BG",
                            "value": "BG 1234567",
                        }
                    ],
                    "name": [{"use": "official", "family": "Ivanova", "given": ["Maria", "Petrova"]}],
                    "gender": "female",
                    "birthDate": "1968-04-12",
                    "communication": [
                        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
                        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "bg"}]}, "preferred": True},
                    ],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:0d3f5a4b-8c2e-4f6a-b1d7-9e8c7b6a5d4c",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": "urn:uuid:6f1c2d9e-0b7a-4c1e-9a53-2f7c1d8e4b10"},
                    "code": {"concept": {"coding": [{"system": f"{CS}/service", "code": "proton-5"}]}},
                    "reason": [
                        {"concept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "C71.9"}]}}
                    ],
                    "occurrencePeriod": {"end": "2027-02-01T00:00:00+00:00"},
                    "note": [{"text": "Glioma after resection; MRI attached."}],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
            {
                "fullUrl": "urn:uuid:1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
                "resource": {
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "category": [{"coding": [{"system": f"{CS}/document-kind", "code": "imaging"}]}],
                    "content": [
                        {
                            "attachment": {
                                "contentType": "application/pdf",
                                "title": "mri-report.pdf",
                                "data": base64.b64encode(PDF).decode(),
                            }
                        }
                    ],
                },
                "request": {"method": "POST", "url": "DocumentReference"},
            },
        ],
    }
    data.update(change)
    return data


@pytest.fixture
def service(db: None) -> Service:
    return ServiceFactory(
        code="proton-5",
        name="Proton, 5 fractions",
        kind="proton_course",
        protocol="PROTON-5",
        base_price=Decimal("2500000"),
        is_course=True,
    )


@pytest.fixture
def token(users: dict[str, Any]) -> str:
    return api_token_create(user=users["partner"], name="his")[1]


def post(client: Any, data: Any, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = data if isinstance(data, bytes | str) else json.dumps(data)
    response = client.post("/fhir/", body, content_type="application/fhir+json", **headers)
    return response.status_code, json.loads(response.content)


def counts() -> tuple[int, int, int]:
    return ForeignPatient.objects.count(), Referral.objects.count(), PatientDocument.objects.count()


def test_a_referral_bundle_enters_the_pipeline(client, users, service, token, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    status, response = post(client, bundle(), token)
    assert status == 200, response
    assert response["type"] == "transaction-response"
    assert [e["response"]["status"] for e in response["entry"]] == ["201 Created"] * 3
    patient = ForeignPatient.objects.get()
    assert response["entry"][0]["response"]["location"] == f"Patient/{patient.pk}"
    assert (patient.family_name, patient.given_name, patient.sex, patient.passport_number) == (
        "Ivanova",
        "Maria Petrova",
        "F",
        "BG1234567",
    )
    assert (patient.preferred_language, patient.languages, patient.partner) == (
        "bg",
        ["bg", "en"],
        users["partner"].agency.partner,
    )
    referral = Referral.objects.get()
    assert (referral.state, referral.icd10_codes, referral.latest_start) == ("inquiry", ["C71.9"], dt.date(2027, 2, 1))
    assert referral.clinical_summary == "Glioma after resection; MRI attached."
    assert f"R-{referral.pk}" in response["entry"][1]["response"]["outcome"]["issue"][0]["diagnostics"]
    document = PatientDocument.objects.get()
    assert (document.kind, document.content_type, document.referral) == ("imaging", "application/pdf", referral)
    # the same patient referred again is found by passport, not registered twice
    status, again = post(client, bundle(), token)
    assert status == 200
    assert again["entry"][0]["response"]["status"] == "200 OK"
    assert counts() == (1, 2, 2)


def test_every_problem_is_listed_and_nothing_is_written(client, service, token):
    data = bundle()
    patient, request, document = (e["resource"] for e in data["entry"])
    patient["gender"] = "unknown"
    patient["identifier"] = []
    request["reason"] = []
    del document["content"][0]["attachment"]["data"]
    status, problem = post(client, data, token)
    assert status == 400
    assert problem["resourceType"] == "OperationOutcome"
    assert [(i["expression"][0], i["diagnostics"]) for i in problem["issue"]] == [
        ("Bundle.entry[0].resource.gender", "must be male or female"),
        ("Bundle.entry[0].resource.identifier", "needs the passport (identifier.type PPN)"),
        ("Bundle.entry[1].resource.reason", "needs at least one ICD-10 coding (http://hl7.org/fhir/sid/icd-10)"),
        ("Bundle.entry[2].resource.content[0].attachment.data", "is required (base64)"),
    ]
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("change", "expression", "message"),
    [
        (
            lambda d: d["entry"][1]["resource"]["code"]["concept"]["coding"][0].update(code="heart-op"),
            "Bundle",
            "unknown service",
        ),
        (
            lambda d: d["entry"][1]["resource"]["reason"][0]["concept"]["coding"][0].update(code="X99.9"),
            "Bundle",
            "X99.9",
        ),
        (
            lambda d: d["entry"][2]["resource"]["content"][0]["attachment"].update(
                data=base64.b64encode(b"MZ\x90").decode()
            ),
            "Bundle.entry[2].resource",
            "Only PDF, PNG and JPEG",
        ),
    ],
)
def test_a_problem_found_while_writing_rolls_everything_back(client, service, token, change, expression, message):
    data = copy.deepcopy(bundle())
    change(data)
    status, problem = post(client, data, token)
    assert status == 400, problem
    assert counts() == (0, 0, 0)  # the patient registered before the failing step is gone too
    text = json.dumps(problem)
    assert expression in text
    assert message in text


def test_only_a_partner_agents_token_may_post(client, users, service, token):
    client.force_login(users["partner"])
    status, problem = post(client, bundle(), None)
    assert status == 401  # a session cannot write here: only tokens (no cross-site forgery)
    assert post(client, bundle(), "nonsense")[0] == 401
    coordinator = api_token_create(user=users["coordinator"], name="x")[1]
    status, problem = post(client, bundle(), coordinator)
    assert status == 403
    assert problem["issue"][0]["code"] == "forbidden"
    assert post(client, b"{not json", token)[0] == 400
    broken = bundle()
    broken["entry"][2]["resource"]["content"][0]["attachment"]["data"] = "not base64!"
    status, problem = post(client, broken, token)
    assert status == 400
    assert problem["issue"][0]["expression"][0].startswith("Bundle.entry[2].resource")
    status, problem = post(client, bundle(type="collection"), token)
    assert status == 400
    assert problem["issue"][0]["expression"] == ["Bundle.type"]
    status, problem = post(
        client,
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"resource": {"resourceType": "Patient", "gender": 5}}],
        },
        token,
    )
    assert status == 400
    assert counts() == (0, 0, 0)
