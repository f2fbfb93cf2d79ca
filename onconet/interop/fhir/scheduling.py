"""Device, Schedule, Slot and Appointment: machines, their days and the bookings of courses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.appointment import Appointment
from fhir.resources.device import Device
from fhir.resources.schedule import Schedule
from fhir.resources.slot import Slot

from onconet.core.params import BIGINT_MAX, int_or_none
from onconet.core.scoping import AnyUser, visible
from onconet.interop.fhir.common import CODES, SYSTEM, day_bounds, need, validated
from onconet.scheduling.models import Booking, Machine, MachineDay
from onconet.scheduling.selectors import machines_list
from onconet.scheduling.timetable import booking_times

# ---------------------------------------------------------------- Device, Schedule, Slot, Appointment (scheduling)


def device(m: Machine, user: AnyUser) -> dict[str, Any]:
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


def machines(user: AnyUser) -> QuerySet[Machine]:
    need(user, "scheduling.view_schedule", "machines")
    return machines_list(user=user).order_by("pk")


def schedule(m: Machine, user: AnyUser) -> dict[str, Any]:
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


def slot(d: MachineDay, user: AnyUser) -> dict[str, Any]:
    start, end = day_bounds(d.date)
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


def machine_days(user: AnyUser) -> QuerySet[MachineDay]:
    need(user, "scheduling.view_schedule", "slots")
    return visible(user, MachineDay.objects.filter(machine__in=machines(user))).order_by("date", "machine_id")


def appointment(b: Booking, user: AnyUser) -> dict[str, Any]:
    """A booked fraction, at the clock time of its machine's day timetable (scheduling.timetable)."""
    course = b.course
    timed = booking_times([b]).get(b.pk)
    start, end = (timed.start.isoformat(), timed.end.isoformat()) if timed else day_bounds(b.day.date)
    participants: list[dict[str, Any]] = [
        {"actor": {"reference": f"Device/{b.day.machine_id}"}, "status": "accepted"},
        {"actor": {"reference": f"Location/{b.day.machine.facility_id}"}, "status": "accepted"},
    ]
    subject = None
    if course.referral is not None and user.has_perm("tourism.view_foreignpatient"):
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


def bookings(user: AnyUser) -> QuerySet[Booking]:
    need(user, "scheduling.view_schedule", "appointments")
    return visible(
        user, Booking.objects.select_related("course__protocol", "course__referral", "day__machine")
    ).order_by("day__date", "pk")


def machine_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(code=value) if system in (None, f"{SYSTEM}/machine") else qs.none()


def booking_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    if system not in (None, f"{SYSTEM}/course"):
        return qs.none()
    code, _, fraction = value.rpartition("/")
    number = int_or_none(fraction, minimum=0, maximum=BIGINT_MAX)
    if number is not None and code:
        return qs.filter(course__code=code, fraction=number - 1)
    return qs.filter(course__code=value)
