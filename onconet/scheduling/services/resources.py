"""Machines and their downtime: saving a machine with its weekly minutes, recording downtime (the bookings that
no longer fit are released and a re-plan is queued for them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.models import Facility, User
from onconet.core.scoping import get_visible, require_permission
from onconet.scheduling.models import (
    Booking,
    Course,
    Downtime,
    DowntimeReason,
    Machine,
    MachineDay,
    MachineKind,
    PlanKind,
)
from onconet.scheduling.services.bookings import capacity_on, release_bookings
from onconet.scheduling.services.plans import start_plan

MAX_MINUTES = 24 * 60


def machine_save(
    *, user: User, facility: Facility, code: str, name: str, kind: str, minutes_per_weekday: Sequence[Any]
) -> Machine:
    require_permission(user, "scheduling.manage_resources", action="manage machines")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    problems = []
    if kind not in MachineKind.values:
        problems.append(FieldProblem(f"must be one of {', '.join(MachineKind.values)}", "kind", kind))
    week = list(minutes_per_weekday)
    if len(week) != 7 or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_MINUTES for v in week
    ):
        problems.append(FieldProblem("seven whole numbers of minutes 0–1440, Monday first", "minutes_per_weekday"))
    if not code.strip():
        problems.append(FieldProblem("required", "code"))
    if problems:
        raise InvalidInput("The machine is not valid.", errors=problems)
    machine, created = Machine.objects.update_or_create(
        code=code.strip(),
        defaults={"facility": facility, "name": name.strip() or code, "kind": kind, "minutes_per_weekday": week},
    )
    audit_record(actor=user, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=machine)
    return machine


def downtime_record(
    *, user: User, machine: Machine, date: dt.date, minutes: int, reason: str, note: str = ""
) -> tuple[Downtime, list[Course]]:
    """Record downtime; bookings that no longer fit are released (fewest courses first: foreign, then the least
    urgent, latest-booked), and a re-plan is proposed for them. Returns the downtime and the displaced courses."""
    require_permission(user, "scheduling.manage_resources", action="record downtime")
    machine = get_visible(user, Machine.objects.all(), pk=machine.pk)
    if reason not in DowntimeReason.values:
        raise InvalidInput(
            "Unknown reason.", errors=[FieldProblem(f"one of {', '.join(DowntimeReason.values)}", "reason", reason)]
        )
    if not 0 < minutes <= MAX_MINUTES:
        raise InvalidInput("Downtime is 1 to 1440 minutes.", errors=[FieldProblem("1–1440", "minutes", str(minutes))])
    displaced: list[Course] = []
    with transaction.atomic():
        downtime = Downtime.objects.create(
            machine=machine, date=date, minutes=minutes, reason=reason, note=note, created_by=user
        )
        day = MachineDay.objects.select_for_update().filter(machine=machine, date=date).first()
        if day is not None:
            capacity = capacity_on(machine, date)
            excess = day.booked_minutes - capacity
            if excess > 0:
                bookings = list(
                    Booking.objects.filter(day=day)
                    .select_related("course")
                    .order_by("-course__origin", "-course__urgency", "-course__start_date", "-course__code")
                )
                for booking in bookings:
                    if excess <= 0:
                        break
                    course = booking.course
                    excess -= booking.minutes
                    release_bookings(course, date)
                    displaced.append(course)
                day.refresh_from_db()
            MachineDay.objects.filter(pk=day.pk).update(capacity_minutes=capacity)
        audit_record(actor=user, action=AuditAction.CREATE, obj=downtime, message=f"displaced {len(displaced)}")
    if displaced:
        start_plan(user=user, facility=machine.facility, kind=PlanKind.BREAKDOWN)
    return downtime, displaced
