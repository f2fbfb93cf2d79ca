"""The search registry of /fhir/: per resource type, the records a user may see, its mapping, its search parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from onconet.core.scoping import AnyUser
from onconet.interop.fhir.billing import (
    charge_item,
    charge_item_identifier,
    charge_items,
    invoice,
    invoice_identifier,
    invoices,
)
from onconet.interop.fhir.facilities import facilities, facilities_by_identifier, location, organization
from onconet.interop.fhir.office import (
    contract,
    contract_identifier,
    contracts,
    healthcare_service,
    practitioner,
    practitioner_role,
    service_identifier,
    services,
    staff,
    staff_identifier,
)
from onconet.interop.fhir.patients import patient, patients, patients_by_identifier
from onconet.interop.fhir.referrals import (
    document_reference,
    documents,
    referral_identifier,
    referrals,
    service_request,
)
from onconet.interop.fhir.scheduling import (
    appointment,
    booking_identifier,
    bookings,
    device,
    machine_days,
    machine_identifier,
    machines,
    schedule,
    slot,
)

# ---------------------------------------------------------------- the registry

DateFilter = Callable[[QuerySet[Any], str, dt.date], QuerySet[Any]]
LOOKUPS = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}


def _dates(field_name: str) -> DateFilter:
    def apply(qs: QuerySet[Any], op: str, day: dt.date) -> QuerySet[Any]:
        return qs.filter(**{f"{field_name}{LOOKUPS[op]}": day})

    return apply


@dataclass(frozen=True)
class ResourceType:
    name: str
    records: Callable[[AnyUser], QuerySet[Any]]
    to_fhir: Callable[[Any, AnyUser], dict[str, Any]]
    identifier: Callable[[QuerySet[Any], str | None, str], QuerySet[Any]] | None = None
    date: DateFilter | None = None
    search: dict[str, str] = field(default_factory=dict)  # parameter → description, for the CapabilityStatement


RESOURCES: dict[str, ResourceType] = {
    "Patient": ResourceType(
        "Patient",
        patients,
        patient,
        patients_by_identifier,
        _dates("date_of_birth"),
        {"identifier": "registry id or passport (system|value)", "birthdate": "date of birth"},
    ),
    "Organization": ResourceType(
        "Organization",
        facilities,
        organization,
        facilities_by_identifier,
        None,
        {"identifier": "REGION/CODE"},
    ),
    "Location": ResourceType(
        "Location", facilities, location, facilities_by_identifier, None, {"identifier": "REGION/CODE"}
    ),
    "Device": ResourceType("Device", machines, device, machine_identifier, None, {"identifier": "machine code"}),
    "Schedule": ResourceType("Schedule", machines, schedule, machine_identifier, None, {"identifier": "machine code"}),
    "Slot": ResourceType("Slot", machine_days, slot, None, _dates("date"), {"start": "day (eq, ge, le, gt, lt)"}),
    "Appointment": ResourceType(
        "Appointment",
        bookings,
        appointment,
        booking_identifier,
        _dates("day__date"),
        {"identifier": "COURSE/FRACTION", "date": "day (eq, ge, le, gt, lt)"},
    ),
    "HealthcareService": ResourceType(
        "HealthcareService", services, healthcare_service, service_identifier, None, {"identifier": "service code"}
    ),
    "Practitioner": ResourceType(
        "Practitioner", staff, practitioner, staff_identifier, None, {"identifier": "username"}
    ),
    "PractitionerRole": ResourceType(
        "PractitionerRole", staff, practitioner_role, staff_identifier, None, {"identifier": "username[/role]"}
    ),
    "Contract": ResourceType(
        "Contract", contracts, contract, contract_identifier, None, {"identifier": "contract number"}
    ),
    "Invoice": ResourceType(
        "Invoice",
        invoices,
        invoice,
        invoice_identifier,
        _dates("issued_on"),
        {"identifier": "invoice number", "date": "date of issue (eq, ge, le, gt, lt)"},
    ),
    "ChargeItem": ResourceType(
        "ChargeItem", charge_items, charge_item, charge_item_identifier, None, {"identifier": "INVOICE[/LINE]"}
    ),
    "ServiceRequest": ResourceType(
        "ServiceRequest",
        referrals,
        service_request,
        referral_identifier,
        _dates("created_at__date"),
        {"identifier": "referral number (R-12)", "authored": "day the referral came (eq, ge, le, gt, lt)"},
    ),
    "DocumentReference": ResourceType(
        "DocumentReference", documents, document_reference, None, _dates("uploaded_at__date"), {"date": "day of upload"}
    ),
}
DATE_PARAMS = {
    "Patient": "birthdate",
    "Slot": "start",
    "Appointment": "date",
    "Invoice": "date",
    "ServiceRequest": "authored",
    "DocumentReference": "date",
}
