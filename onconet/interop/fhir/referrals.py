"""ServiceRequest and DocumentReference: referrals and their documents (the shapes the referral import takes)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.documentreference import DocumentReference
from fhir.resources.servicerequest import ServiceRequest

from onconet.core.params import id_or_none
from onconet.core.scoping import AnyUser, visible
from onconet.interop.fhir.common import (
    CODES,
    SYSTEM,
    need,
    partner_reference,
    patient_reference,
    service_coding,
    validated,
)
from onconet.tourism.models import PatientDocument, Referral

# ---------------------------------------------------------------- ServiceRequest and DocumentReference (referrals)

ICD10 = "http://hl7.org/fhir/sid/icd-10"
# The referral pipeline against FHIR's request-status: declined is revoked, the end of treatment completed.
REQUEST_STATUS = {"declined": "revoked", "completed": "completed", "follow_up": "completed", "more_info": "on-hold"}


def service_request(r: Referral, user: AnyUser) -> dict[str, Any]:
    period: dict[str, str] = {}
    if r.start_date:
        period["start"] = r.start_date.isoformat()
    if r.latest_start and (r.start_date is None or r.start_date <= r.latest_start):
        period["end"] = r.latest_start.isoformat()
    documents = [d for d in r.documents.all() if user.has_perm("tourism.view_patientdocument")]
    data: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(r.pk),
        "identifier": [{"system": f"{SYSTEM}/referral", "value": f"R-{r.pk}"}],
        "status": REQUEST_STATUS.get(r.state, "active"),
        "intent": "order",
        "code": {"concept": service_coding(r.service)},
        "subject": patient_reference(r.patient, user),
        "requester": partner_reference(r.partner),
        "authoredOn": r.created_at.isoformat(),
        "reason": [{"concept": {"coding": [{"system": ICD10, "code": code}]}} for code in r.icd10_codes] or None,
        "occurrencePeriod": period or None,
        "note": [{"text": r.clinical_summary}] if r.clinical_summary else None,
        "supportingInfo": [{"reference": {"reference": f"DocumentReference/{d.pk}"}} for d in documents] or None,
        "extension": [
            {"url": f"{CODES}/referral-state", "valueCode": r.state},
        ],
    }
    return validated(ServiceRequest, data)


def referrals(user: AnyUser) -> QuerySet[Referral]:
    need(user, "tourism.view_referral", "referrals")
    return (
        visible(user, Referral.objects.select_related("patient", "partner", "service"))
        .prefetch_related("documents")
        .order_by("pk")
    )


def referral_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    number = value.upper().removeprefix("R-")
    pk = id_or_none(number)
    if system not in (None, f"{SYSTEM}/referral") or pk is None:
        return qs.none()
    return qs.filter(pk=pk)


def document_reference(d: PatientDocument, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": str(d.pk),
        "status": "current",
        "type": {"coding": [{"system": f"{CODES}/document-kind", "code": d.kind, "display": d.get_kind_display()}]},
        "subject": patient_reference(d.referral.patient, user),
        "basedOn": [{"reference": f"ServiceRequest/{d.referral_id}"}],
        "date": d.uploaded_at.isoformat(),
        "content": [
            {
                "attachment": {
                    "contentType": d.content_type,
                    "size": d.size,
                    "title": d.original_name,
                    "url": f"/office/documents/patient/{d.pk}/",
                    "creation": d.uploaded_at.isoformat(),
                }
            }
        ],
    }
    return validated(DocumentReference, data)


def documents(user: AnyUser) -> QuerySet[PatientDocument]:
    need(user, "tourism.view_patientdocument", "patient documents")
    need(user, "tourism.view_referral", "patient documents")
    return visible(user, PatientDocument.objects.select_related("referral__patient")).order_by("pk")
