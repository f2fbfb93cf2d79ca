"""Referrals as ServiceRequest and their documents as DocumentReference — the shapes a partner's referral Bundle
arrives in — read back from /fhir/: validated, bound to R5 value sets, references resolving, scoped by partner."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhir.resources.bundle import Bundle

from conftest import pdf_bytes
from onconet.interop.tests.test_fhir import check_resource, get
from onconet.scheduling.tests.conftest import TODAY
from onconet.tourism import services as office

pytestmark = pytest.mark.django_db
PDF = pdf_bytes()  # a real PDF: documents are identified by opening them


@pytest.fixture
def documented(users: dict[str, Any], prepaid_referral: Any) -> dict[str, Any]:
    document = office.document_upload(
        user=users["partner"], referral=prepaid_referral, data=PDF, filename="petrova-ct.pdf", kind="imaging"
    )
    return {"referral": prepaid_referral, "document": document}


def test_a_referral_reads_as_a_service_request(client, users, documented):
    referral, document = documented["referral"], documented["document"]
    client.force_login(users["coordinator"])
    status, request = get(client, f"/fhir/ServiceRequest/{referral.pk}")
    assert status == 200
    check_resource(client, request)
    assert request["status"] == "active"  # prepaid: still to be treated
    assert request["intent"] == "order"
    assert request["identifier"][0]["value"] == f"R-{referral.pk}"
    assert request["code"]["concept"]["coding"][0]["code"] == referral.service.code
    assert [r["concept"]["coding"][0] for r in request["reason"]] == [
        {"system": "http://hl7.org/fhir/sid/icd-10", "code": code} for code in referral.icd10_codes
    ]
    assert request["occurrencePeriod"]["end"] == referral.latest_start.isoformat()
    assert request["supportingInfo"] == [{"reference": {"reference": f"DocumentReference/{document.pk}"}}]
    assert request["subject"] == {"reference": f"Patient/{referral.patient_id}"}


def test_a_document_reads_as_a_document_reference(client, users, documented):
    document = documented["document"]
    client.force_login(users["coordinator"])
    status, resource = get(client, f"/fhir/DocumentReference/{document.pk}")
    assert status == 200
    check_resource(client, resource)
    attachment = resource["content"][0]["attachment"]
    assert (attachment["contentType"], attachment["size"], attachment["title"]) == (
        "application/pdf",
        len(PDF),
        "petrova-ct.pdf",
    )
    assert b"".join(client.get(attachment["url"]).streaming_content) == PDF  # the attachment's address serves the file
    assert resource["basedOn"] == [{"reference": f"ServiceRequest/{documented['referral'].pk}"}]


def test_search_by_number_and_date_and_scoping(client, users, documented):
    referral = documented["referral"]
    client.force_login(users["partner"])
    for query in (f"identifier=R-{referral.pk}", f"identifier={referral.pk}", f"authored=ge{TODAY.isoformat()}"):
        status, bundle = get(client, f"/fhir/ServiceRequest?{query}")
        assert status == 200, query
        Bundle.model_validate(bundle)
        assert [e["resource"]["id"] for e in bundle["entry"]] == [str(referral.pk)], query
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    assert get(client, f"/fhir/ServiceRequest?authored=ge{tomorrow}")[1]["total"] == 0
    assert get(client, "/fhir/ServiceRequest?identifier=R-x")[1]["total"] == 0
    assert get(client, f"/fhir/DocumentReference?date={TODAY.isoformat()}")[1]["total"] == 1
    client.force_login(users["partner2"])  # another partner: as if it did not exist
    assert get(client, f"/fhir/ServiceRequest/{referral.pk}")[0] == 404
    assert get(client, f"/fhir/DocumentReference/{documented['document'].pk}")[0] == 404
    assert get(client, "/fhir/ServiceRequest")[1]["total"] == 0
    client.force_login(users["analyst"])  # no office permissions at all
    assert get(client, "/fhir/ServiceRequest")[0] == 403


def test_declined_and_completed_referrals_map_to_request_status(client, users, documented):
    from onconet.interop.fhir import REQUEST_STATUS

    assert REQUEST_STATUS == {
        "declined": "revoked",
        "completed": "completed",
        "follow_up": "completed",
        "more_info": "on-hold",
    }
    referral = documented["referral"]
    referral.state = "follow_up"
    referral.save(update_fields=["state"])
    client.force_login(users["coordinator"])
    assert get(client, f"/fhir/ServiceRequest/{referral.pk}")[1]["status"] == "completed"
