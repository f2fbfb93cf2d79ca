"""OncoNet records as FHIR R5 resources (validated with fhir.resources) and the search registry of /fhir/.

Each resource type names: the records a user may see (permission and scope — a record outside it answers 404),
the mapping to a FHIR dict, and its search parameters (`identifier`, `date`). Mappings follow IHE mCSD for the
directory: a facility is both an Organization (partOf = its operator) and a Location (partOf = the building it is
located in, managingOrganization = itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from fhir.resources.appointment import Appointment
from fhir.resources.device import Device
from fhir.resources.location import Location
from fhir.resources.organization import Organization
from fhir.resources.patient import Patient
from fhir.resources.resource import Resource
from fhir.resources.schedule import Schedule
from fhir.resources.slot import Slot

from onconet.core.errors import NotAllowed
from onconet.core.models import Facility
from onconet.core.scoping import AnyUser, visible

SYSTEM = "https://onconet.example/fhir/sid"
CODES = "https://onconet.example/fhir/CodeSystem"
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
                "preferred": code == p.preferred_language,
            }
            for code in dict.fromkeys([p.preferred_language, *p.languages])
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
    if system == f"{SYSTEM}/foreign-patient" or (system is None and value.isdigit()):
        return qs.filter(pk=value) if value.isdigit() else qs.none()
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
    if fraction.isdigit() and code:
        return qs.filter(course__code=code, fraction=int(fraction) - 1)
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
}
DATE_PARAMS = {"Patient": "birthdate", "Slot": "start", "Appointment": "date"}
