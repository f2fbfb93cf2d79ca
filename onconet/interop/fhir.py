"""OncoNet records as FHIR R5 resources (validated with fhir.resources) and the search registry of /fhir/.

Each resource type names: the records a user may see (permission and scope — a record outside it answers 404),
the mapping to a FHIR dict, and its search parameters (`identifier`, `date`). Mappings follow IHE mCSD for the
directory: a facility is both an Organization (partOf = its operator) and a Location (partOf = the building it is
located in, managingOrganization = itself). The international office serves its price list (HealthcareService), the
interpreters and medical reviewers (Practitioner, PractitionerRole), contracts, invoices and their lines (ChargeItem);
a referral is a ServiceRequest and its documents are DocumentReferences — the shapes the referral import takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from fhir.resources.appointment import Appointment
from fhir.resources.chargeitem import ChargeItem
from fhir.resources.contract import Contract
from fhir.resources.device import Device
from fhir.resources.documentreference import DocumentReference
from fhir.resources.healthcareservice import HealthcareService
from fhir.resources.invoice import Invoice
from fhir.resources.location import Location
from fhir.resources.organization import Organization
from fhir.resources.patient import Patient
from fhir.resources.practitioner import Practitioner
from fhir.resources.practitionerrole import PractitionerRole
from fhir.resources.resource import Resource
from fhir.resources.schedule import Schedule
from fhir.resources.servicerequest import ServiceRequest
from fhir.resources.slot import Slot

from onconet.core.errors import NotAllowed
from onconet.core.models import Facility, User
from onconet.core.params import BIGINT_MAX, id_or_none, int_or_none
from onconet.core.reference_data import lookup_language
from onconet.core.roles import OFFICE_ROLES, Role
from onconet.core.scoping import AnyUser, visible

SYSTEM = f"{settings.FHIR_BASE_SYSTEM}/sid"  # identifier systems: {SYSTEM}/foreign-patient, …/facility, …
CODES = f"{settings.FHIR_BASE_SYSTEM}/CodeSystem"  # our own code systems: {CODES}/facility-kind, …
GENDER = {"M": "male", "F": "female", "X": "other", "U": "unknown"}


def _need(user: AnyUser, permission: str, what: str) -> None:
    if not user.is_authenticated or not user.has_perm(permission):
        raise NotAllowed(f"You are not allowed to read {what}.")


def validated(model: type[Resource], data: dict[str, Any]) -> dict[str, Any]:
    """The resource as JSON-ready data, after fhir.resources has validated it (raises on an invalid resource)."""
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def _day_bounds(day: dt.date) -> tuple[str, str]:
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start.isoformat(), (start + dt.timedelta(days=1)).isoformat()


# ---------------------------------------------------------------- Patient (the foreign registry)


def patient(p: Any, user: AnyUser) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = [{"system": f"{SYSTEM}/foreign-patient", "value": str(p.pk)}]
    if user.has_perm("tourism.view_passport_number"):
        identifiers.append(
            {
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PPN"}]},
                "system": f"{SYSTEM}/passport/{p.citizenship.code}",
                "value": p.passport_number,
            }
        )
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    names: list[dict[str, Any]] = [{"use": "official", "family": p.family_name, "given": p.given_name.split()}]
    if p.name_native:
        names.append({"use": "usual", "text": p.name_native})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(p.pk),
        "identifier": identifiers,
        "name": names,
        "gender": GENDER.get(p.sex, "unknown"),
        "birthDate": p.date_of_birth.isoformat(),
        "telecom": telecom or None,
        "address": [{"text": p.address, "country": p.citizenship.code}] if p.address else None,
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]},
                "preferred": code == _bcp47(p.preferred_language),
            }
            for code in dict.fromkeys(_bcp47(c) for c in [p.preferred_language, *p.languages])
        ],
        # A logical reference: partner organisations are not (yet) served as Organization resources.
        "managingOrganization": {
            "identifier": {"system": f"{SYSTEM}/partner", "value": str(p.partner_id)},
            "display": p.partner.name,
        },
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-citizenship",
                "extension": [
                    {
                        "url": "code",
                        "valueCodeableConcept": {
                            "coding": [{"system": "urn:iso:std:iso:3166", "code": p.citizenship.code}]
                        },
                    }
                ],
            }
        ],
    }
    return validated(Patient, data)


def patients(user: AnyUser) -> QuerySet[Any]:
    from onconet.tourism.models import ForeignPatient

    _need(user, "tourism.view_foreignpatient", "patients")
    return visible(user, ForeignPatient.objects.select_related("citizenship", "partner")).order_by("pk")


def patients_by_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    pk = id_or_none(value)
    if system == f"{SYSTEM}/foreign-patient" or (system is None and pk is not None):
        return qs.filter(pk=pk) if pk is not None else qs.none()
    if system and system.startswith(f"{SYSTEM}/passport/"):
        return qs.filter(citizenship__code=system.rsplit("/", 1)[-1].upper(), passport_number=value)
    if system is None:
        return qs.filter(passport_number=value)
    return qs.none()


# ---------------------------------------------------------------- Organization and Location (mCSD)


def organization(f: Facility, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(f.pk),
        "identifier": [{"system": f"{SYSTEM}/facility", "value": f"{f.region.code}/{f.code}"}],
        "active": f.is_active,
        "type": [
            {"coding": [{"system": f"{CODES}/facility-kind", "code": f.kind, "display": str(f.get_kind_display())}]}
        ],
        "name": f.name,
        "partOf": {"reference": f"Organization/{f.parent.pk}", "display": f.parent.name} if f.parent else None,
    }
    return validated(Organization, data)


def location(f: Facility, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(f.pk),
        "identifier": [{"system": f"{SYSTEM}/facility", "value": f"{f.region.code}/{f.code}"}],
        "status": "active" if f.is_active else "inactive",
        "name": f.name,
        "mode": "instance",
        "address": {"text": f.address, "state": f.region.code, "country": "RU"} if f.address else None,
        "position": {"latitude": f.latitude, "longitude": f.longitude}
        if f.latitude is not None and f.longitude is not None
        else None,
        "managingOrganization": {"reference": f"Organization/{f.pk}"},
        "partOf": {"reference": f"Location/{f.located_in.pk}", "display": f.located_in.name} if f.located_in else None,
    }
    return validated(Location, data)


def facilities(user: AnyUser) -> QuerySet[Facility]:
    _need(user, "core.view_facility", "facilities")
    return visible(user, Facility.objects.select_related("region", "parent", "located_in")).order_by("pk")


def facilities_by_identifier(qs: QuerySet[Facility], system: str | None, value: str) -> QuerySet[Facility]:
    if system not in (None, f"{SYSTEM}/facility") or "/" not in value:
        return qs.filter(code=value) if system is None else qs.none()
    region, code = value.split("/", 1)
    return qs.filter(region__code=region, code=code)


# ---------------------------------------------------------------- Device, Schedule, Slot, Appointment (scheduling)


def device(m: Any, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Device",
        "id": str(m.pk),
        "identifier": [{"system": f"{SYSTEM}/machine", "value": m.code}],
        "status": "active" if m.active else "inactive",
        "displayName": m.name,
        "type": [
            {"coding": [{"system": f"{CODES}/machine-kind", "code": m.kind, "display": str(m.get_kind_display())}]}
        ],
        "owner": {"reference": f"Organization/{m.facility_id}", "display": m.facility.name},
        "location": {"reference": f"Location/{m.facility_id}"},
    }
    return validated(Device, data)


def machines(user: AnyUser) -> QuerySet[Any]:
    from onconet.scheduling.selectors import machines_list

    _need(user, "scheduling.view_schedule", "machines")
    return machines_list(user=user).order_by("pk")


def schedule(m: Any, user: AnyUser) -> dict[str, Any]:
    hours = ", ".join(
        f"{day} {minutes} min"
        for day, minutes in zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), m.minutes_per_weekday, strict=True)
        if minutes
    )
    data: dict[str, Any] = {
        "resourceType": "Schedule",
        "id": str(m.pk),
        "identifier": [{"system": f"{SYSTEM}/machine", "value": m.code}],
        "active": m.active,
        "name": f"{m.code} · {m.name}",
        "actor": [{"reference": f"Device/{m.pk}"}, {"reference": f"Location/{m.facility_id}"}],
        "comment": f"Weekly hours: {hours}" if hours else "Not in service on any weekday",
    }
    return validated(Schedule, data)


def slot(d: Any, user: AnyUser) -> dict[str, Any]:
    start, end = _day_bounds(d.date)
    data: dict[str, Any] = {
        "resourceType": "Slot",
        "id": str(d.pk),
        "schedule": {"reference": f"Schedule/{d.machine_id}"},
        "status": "busy" if d.booked_minutes >= d.capacity_minutes else "free",
        "start": start,
        "end": end,
        "comment": f"{d.capacity_minutes - d.booked_minutes} of {d.capacity_minutes} minutes free",
    }
    return validated(Slot, data)


def machine_days(user: AnyUser) -> QuerySet[Any]:
    from onconet.scheduling.models import MachineDay

    _need(user, "scheduling.view_schedule", "slots")
    return visible(user, MachineDay.objects.filter(machine__in=machines(user))).order_by("date", "machine_id")


def appointment(b: Any, user: AnyUser) -> dict[str, Any]:
    course = b.course
    start, end = _day_bounds(b.day.date)
    participants: list[dict[str, Any]] = [
        {"actor": {"reference": f"Device/{b.day.machine_id}"}, "status": "accepted"},
        {"actor": {"reference": f"Location/{b.day.machine.facility_id}"}, "status": "accepted"},
    ]
    subject = None
    if course.referral_id and user.has_perm("tourism.view_foreignpatient"):
        subject = {"reference": f"Patient/{course.referral.patient_id}"}
        participants.append({"actor": subject, "status": "accepted"})
    status = {"cancelled": "cancelled", "completed": "fulfilled"}.get(course.status, "booked")
    data: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(b.pk),
        "identifier": [{"system": f"{SYSTEM}/course", "value": f"{course.code}/{b.fraction + 1}"}],
        "status": status,
        "serviceType": [{"concept": {"coding": [{"system": f"{CODES}/protocol", "code": course.protocol.code}]}}],
        "description": f"{course.protocol.code}, fraction {b.fraction + 1} of {course.protocol.fractions}",
        "start": start,
        "end": end,
        "minutesDuration": b.minutes,
        "slot": [{"reference": f"Slot/{b.day_id}"}],
        "subject": subject,
        "participant": participants,
    }
    return validated(Appointment, data)


def bookings(user: AnyUser) -> QuerySet[Any]:
    from onconet.scheduling.models import Booking

    _need(user, "scheduling.view_schedule", "appointments")
    return visible(
        user, Booking.objects.select_related("course__protocol", "course__referral", "day__machine")
    ).order_by("day__date", "pk")


# ---------------------------------------------------------------- the international office: services, staff, money
#
# Codes of our own CodeSystems (f"{CODES}/…"): service (price-list codes), service-kind, protocol, staff-role,
# contract-term, partner-role. Partner organisations are not served, so they are referenced logically (by
# identifier), as Patient.managingOrganization does; our contracting party is a display-only reference.

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]  # the office works Monday to Friday (days-of-week codes)
STAFF_ROLES = {
    Role.INTERPRETER: ("interpreter", "Interpreter"),
    Role.MEDICAL_REVIEWER: ("reviewer", "Medical reviewer"),
}
# ContractStatus → R5 contract-status (required binding):
#   active    → executed    "activated for the period stipulated, both parties have signed"
#   draft     → negotiable  "provisions are being proposed and considered" — not yet in force
#   suspended → disputed    "pended to rectify a failure to fulfil a provision"; reversible (→ resolved), unlike
#                           cancelled/revoked, which are final
#   expired   → terminated  "the contract reaches its expiry date"
CONTRACT_STATUS = {"active": "executed", "draft": "negotiable", "suspended": "disputed", "expired": "terminated"}


def _bcp47(code: str) -> str:
    """A language code as BCP-47 wants it: ISO 639-1 where the language has one (srp → sr), else ISO 639-3."""
    lang = lookup_language(code)
    if lang is None:
        return code.lower()
    return str(getattr(lang, "alpha_2", None) or lang.alpha_3)


def _languages(codes: Any) -> list[dict[str, Any]]:
    return [
        {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]}
        for code in dict.fromkeys(_bcp47(c) for c in codes or [])
    ]


def _money(amount: Any, currency: str) -> dict[str, Any]:
    return {"value": amount, "currency": currency}


def _partner_reference(partner: Any) -> dict[str, Any]:
    return {"identifier": {"system": f"{SYSTEM}/partner", "value": str(partner.pk)}, "display": partner.name}


def _patient_reference(patient: Any, user: AnyUser) -> dict[str, Any]:
    """A literal reference for those who may read the patient, else the registry id (which reveals nothing more)."""
    if user.has_perm("tourism.view_foreignpatient"):
        return {"reference": f"Patient/{patient.pk}"}
    return {"identifier": {"system": f"{SYSTEM}/foreign-patient", "value": str(patient.pk)}}


def _service_coding(service: Any) -> dict[str, Any]:
    return {"coding": [{"system": f"{CODES}/service", "code": service.code, "display": service.name}]}


def healthcare_service(s: Any, user: AnyUser) -> dict[str, Any]:
    from onconet.tourism.letters import OFFICE_LANGUAGES, PARTNER_LANGUAGES

    data: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": str(s.pk),
        "identifier": [{"system": f"{SYSTEM}/service", "value": s.code}],
        "active": True,
        "name": s.name,
        "category": [
            {"coding": [{"system": f"{CODES}/service-kind", "code": s.kind, "display": str(s.get_kind_display())}]}
        ],
        "type": [_service_coding(s)],
        "characteristic": [{"coding": [{"system": f"{CODES}/protocol", "code": s.protocol}]}] if s.protocol else None,
        "extraDetails": f"Base price {s.base_price} RUB; contracts set their own prices or discounts.",
        # the languages the office writes letters to patients in
        "communication": _languages([*OFFICE_LANGUAGES, *PARTNER_LANGUAGES]),
        "availability": [{"availableTime": [{"daysOfWeek": WEEKDAYS}]}],
    }
    return validated(HealthcareService, data)


def services(user: AnyUser) -> QuerySet[Any]:
    from onconet.tourism import models as office

    _need(user, "tourism.view_service", "the price list")
    return visible(user, office.Service.objects.all()).order_by("pk")


def _service_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(code=value) if system in (None, f"{SYSTEM}/service") else qs.none()


def practitioner(u: User, user: AnyUser) -> dict[str, Any]:
    name: dict[str, Any] = {
        "use": "official",
        "text": u.get_full_name() or u.username,
        "family": u.last_name or None,
        "given": u.first_name.split() or None,
    }
    data: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(u.pk),
        "identifier": [{"system": f"{SYSTEM}/staff", "value": u.username}],
        "active": u.is_active,
        "name": [name],
        "telecom": [{"system": "email", "value": u.email, "use": "work"}] if u.email else None,
        "communication": [{"language": language} for language in _languages(u.languages)] or None,
    }
    return validated(Practitioner, data)


def practitioner_role(u: User, user: AnyUser) -> dict[str, Any]:
    code, display = STAFF_ROLES[Role(u.role)]
    data: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": str(u.pk),
        "identifier": [{"system": f"{SYSTEM}/staff-role", "value": f"{u.username}/{code}"}],
        "active": u.is_active,
        "practitioner": {"reference": f"Practitioner/{u.pk}", "display": u.get_full_name() or u.username},
        "code": [{"coding": [{"system": f"{CODES}/staff-role", "code": code, "display": display}]}],
        "communication": _languages(u.languages) or None,
    }
    return validated(PractitionerRole, data)


def staff(user: AnyUser) -> QuerySet[User]:
    """Interpreters and medical reviewers, for the office and the national admin (who manages users) — not for
    partner agents, analysts or regional reporters."""
    if not isinstance(user, User) or not (user.has_perm("core.view_user") or user.role in OFFICE_ROLES):
        raise NotAllowed("You are not allowed to read the office's staff.")
    return visible(user, User.objects.filter(role__in=list(STAFF_ROLES))).order_by("pk")


def _staff_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    if system not in (None, f"{SYSTEM}/staff", f"{SYSTEM}/staff-role"):
        return qs.none()
    username, _, code = value.partition("/")
    if code:
        roles = [role for role, (role_code, _display) in STAFF_ROLES.items() if role_code == code]
        qs = qs.filter(role__in=roles)
    return qs.filter(username=username)


def contract(c: Any, user: AnyUser) -> dict[str, Any]:
    from onconet.tourism.money import money

    lines = sorted(c.services.all(), key=lambda line: line.service.code)
    party = [
        {
            "reference": [_partner_reference(c.partner)],
            "role": {"coding": [{"system": f"{CODES}/partner-role", "code": "customer", "display": "Customer"}]},
        }
    ]
    terms: list[dict[str, Any]] = [
        {
            "type": {"coding": [{"system": f"{CODES}/contract-term", "code": "prepayment"}]},
            "text": f"{c.prepayment_share * 100:.1f} % of each invoice is paid before treatment starts.",
            "offer": {"party": party},
        }
    ]
    for line in lines:
        s = line.service
        entity = (
            {"entityReference": {"reference": f"HealthcareService/{s.pk}", "display": s.name}}
            if user.has_perm("tourism.view_service")
            else {"entityCodeableConcept": _service_coding(s)}
        )
        if line.price is not None:
            priced: dict[str, Any] = {
                "unitPrice": _money(line.price, c.currency),
                "net": _money(line.price, c.currency),
            }
            text = f"{s.code}: {line.price} {c.currency}"
        else:  # a discount on the base price in roubles, converted at the quote date's rate
            factor = (100 - line.discount_percent) / 100
            priced = {
                "unitPrice": _money(s.base_price, "RUB"),
                "factor": factor,
                "net": _money(money(s.base_price * factor), "RUB"),
            }
            text = f"{s.code}: base price less {line.discount_percent} %, in {c.currency} at the quote date's rate"
        if line.monthly_quota is not None:
            text += f"; at most {line.monthly_quota} a month"
        terms.append(
            {
                "identifier": {"system": f"{SYSTEM}/contract-service", "value": f"{c.number}/{s.code}"},
                "type": {"coding": [{"system": f"{CODES}/contract-term", "code": "service-price"}]},
                "text": text,
                "offer": {"party": party},
                "asset": [{"type": [_service_coding(s)], "valuedItem": [{**entity, **priced}]}],
            }
        )
    data: dict[str, Any] = {
        "resourceType": "Contract",
        "id": str(c.pk),
        "identifier": [{"system": f"{SYSTEM}/contract", "value": c.number}],
        "status": CONTRACT_STATUS[c.status],
        "title": f"{c.number}: {c.our_party} and {c.partner.name}",
        "applies": {"start": c.valid_from.isoformat(), "end": c.valid_until.isoformat()},
        "term": terms,
    }
    return validated(Contract, data)


def contracts(user: AnyUser) -> QuerySet[Any]:
    from onconet.tourism import models as office

    _need(user, "tourism.view_contract", "contracts")
    qs = office.Contract.objects.select_related("partner").prefetch_related("services__service")
    return visible(user, qs).order_by("pk")


def _contract_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(number=value) if system in (None, f"{SYSTEM}/contract") else qs.none()


def _lines(quote: Any) -> list[Any]:
    """A quote's lines in the order they were priced (QuoteLine has no ordering of its own)."""
    return sorted(quote.lines.all(), key=lambda line: line.pk)


def invoice(i: Any, user: AnyUser) -> dict[str, Any]:
    from onconet.tourism.services import invoice_balance

    lines = _lines(i.quote)
    total = _money(i.total, i.currency)
    data: dict[str, Any] = {
        "resourceType": "Invoice",
        "id": str(i.pk),
        "identifier": [{"system": f"{SYSTEM}/invoice", "value": i.number}],
        # An invoice has no status of its own: issued while anything is owed, balanced once paid or credited.
        "status": "balanced" if invoice_balance(i) <= 0 else "issued",
        "subject": _patient_reference(i.referral.patient, user),
        "recipient": _partner_reference(i.referral.partner),
        "issuer": {"display": i.quote.contract.our_party},
        "date": i.issued_on.isoformat(),
        "lineItem": [
            {
                "sequence": n,
                "chargeItemReference": {"reference": f"ChargeItem/{line.pk}"},
                "priceComponent": [
                    {"type": "base", "factor": line.quantity, "amount": _money(line.amount, i.currency)}
                ],
            }
            for n, line in enumerate(lines, 1)
        ],
        # No tax is charged on these medical services, so net and gross are the invoice total.
        "totalNet": total,
        "totalGross": total,
        "paymentTerms": f"Due on {i.due_on.isoformat()}.",
        "note": [{"text": f"Exchange rate pinned at issue: {i.rate} RUB per 1 {i.currency}."}],
    }
    return validated(Invoice, data)


def _visible_invoices(user: AnyUser, what: str) -> QuerySet[Any]:
    from onconet.tourism import models as office

    _need(user, "tourism.view_invoice", what)
    return visible(user, office.Invoice.objects.all())


def invoices(user: AnyUser) -> QuerySet[Any]:
    return (
        _visible_invoices(user, "invoices")
        .select_related("referral__patient", "referral__partner", "quote__contract")
        .prefetch_related("quote__lines")
        .order_by("pk")
    )


def _invoice_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(number=value) if system in (None, f"{SYSTEM}/invoice") else qs.none()


def charge_item(line: Any, user: AnyUser) -> dict[str, Any]:
    quote = line.quote
    i = quote.invoice
    n = [other.pk for other in _lines(quote)].index(line.pk) + 1
    data: dict[str, Any] = {
        "resourceType": "ChargeItem",
        "id": str(line.pk),
        "identifier": [{"system": f"{SYSTEM}/invoice-line", "value": f"{i.number}/{n}"}],
        "status": "billed",
        "code": _service_coding(line.service),
        "subject": _patient_reference(quote.referral.patient, user),
        "requestingOrganization": _partner_reference(quote.referral.partner),
        "enteredDate": quote.issued_on.isoformat(),
        "quantity": {"value": line.quantity},
        "unitPriceComponent": {"type": "base", "amount": _money(line.unit_price, i.currency)},
        "totalPriceComponent": {"type": "base", "factor": line.quantity, "amount": _money(line.amount, i.currency)},
    }
    return validated(ChargeItem, data)


def charge_items(user: AnyUser) -> QuerySet[Any]:
    """The lines of invoices (an invoice bills its quote's lines). QuoteLine has no scope of its own: a line is
    visible when its invoice is."""
    from onconet.tourism import models as office

    return (
        office.QuoteLine.objects.filter(quote__invoice__in=_visible_invoices(user, "charge items"))
        .select_related("service", "quote__invoice", "quote__referral__patient", "quote__referral__partner")
        .prefetch_related("quote__lines")
        .order_by("pk")
    )


def _charge_item_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    """INVOICE/LINE, or an invoice number for all its lines."""
    from onconet.tourism import models as office

    if system not in (None, f"{SYSTEM}/invoice-line"):
        return qs.none()
    number, _, n = value.rpartition("/")
    line = int_or_none(n, minimum=0, maximum=BIGINT_MAX) if number else None
    if line is None:
        return qs.filter(quote__invoice__number=value)
    pks = list(
        office.QuoteLine.objects.filter(quote__invoice__number=number).order_by("pk").values_list("pk", flat=True)
    )
    return qs.filter(pk=pks[line - 1]) if 1 <= line <= len(pks) else qs.none()


# ---------------------------------------------------------------- ServiceRequest and DocumentReference (referrals)

ICD10 = "http://hl7.org/fhir/sid/icd-10"
# The referral pipeline against FHIR's request-status: declined is revoked, the end of treatment completed.
REQUEST_STATUS = {"declined": "revoked", "completed": "completed", "follow_up": "completed", "more_info": "on-hold"}


def service_request(r: Any, user: AnyUser) -> dict[str, Any]:
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
        "code": {"concept": _service_coding(r.service)},
        "subject": _patient_reference(r.patient, user),
        "requester": _partner_reference(r.partner),
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


def referrals(user: AnyUser) -> QuerySet[Any]:
    from onconet.tourism.models import Referral

    _need(user, "tourism.view_referral", "referrals")
    return (
        visible(user, Referral.objects.select_related("patient", "partner", "service"))
        .prefetch_related("documents")
        .order_by("pk")
    )


def _referral_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    number = value.upper().removeprefix("R-")
    pk = id_or_none(number)
    if system not in (None, f"{SYSTEM}/referral") or pk is None:
        return qs.none()
    return qs.filter(pk=pk)


def document_reference(d: Any, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": str(d.pk),
        "status": "current",
        "type": {"coding": [{"system": f"{CODES}/document-kind", "code": d.kind, "display": d.get_kind_display()}]},
        "subject": _patient_reference(d.referral.patient, user),
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


def documents(user: AnyUser) -> QuerySet[Any]:
    from onconet.tourism.models import PatientDocument

    _need(user, "tourism.view_patientdocument", "patient documents")
    _need(user, "tourism.view_referral", "patient documents")
    return visible(user, PatientDocument.objects.select_related("referral__patient")).order_by("pk")


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


def _machine_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(code=value) if system in (None, f"{SYSTEM}/machine") else qs.none()


def _booking_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    if system not in (None, f"{SYSTEM}/course"):
        return qs.none()
    code, _, fraction = value.rpartition("/")
    number = int_or_none(fraction, minimum=0, maximum=BIGINT_MAX)
    if number is not None and code:
        return qs.filter(course__code=code, fraction=number - 1)
    return qs.filter(course__code=value)


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
    "Device": ResourceType("Device", machines, device, _machine_identifier, None, {"identifier": "machine code"}),
    "Schedule": ResourceType("Schedule", machines, schedule, _machine_identifier, None, {"identifier": "machine code"}),
    "Slot": ResourceType("Slot", machine_days, slot, None, _dates("date"), {"start": "day (eq, ge, le, gt, lt)"}),
    "Appointment": ResourceType(
        "Appointment",
        bookings,
        appointment,
        _booking_identifier,
        _dates("day__date"),
        {"identifier": "COURSE/FRACTION", "date": "day (eq, ge, le, gt, lt)"},
    ),
    "HealthcareService": ResourceType(
        "HealthcareService", services, healthcare_service, _service_identifier, None, {"identifier": "service code"}
    ),
    "Practitioner": ResourceType(
        "Practitioner", staff, practitioner, _staff_identifier, None, {"identifier": "username"}
    ),
    "PractitionerRole": ResourceType(
        "PractitionerRole", staff, practitioner_role, _staff_identifier, None, {"identifier": "username[/role]"}
    ),
    "Contract": ResourceType(
        "Contract", contracts, contract, _contract_identifier, None, {"identifier": "contract number"}
    ),
    "Invoice": ResourceType(
        "Invoice",
        invoices,
        invoice,
        _invoice_identifier,
        _dates("issued_on"),
        {"identifier": "invoice number", "date": "date of issue (eq, ge, le, gt, lt)"},
    ),
    "ChargeItem": ResourceType(
        "ChargeItem", charge_items, charge_item, _charge_item_identifier, None, {"identifier": "INVOICE[/LINE]"}
    ),
    "ServiceRequest": ResourceType(
        "ServiceRequest",
        referrals,
        service_request,
        _referral_identifier,
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
