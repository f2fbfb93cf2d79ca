"""Machine days and bookings: a machine's or beam's minutes on a date, booking and releasing fractions, the
statuses courses reach as their booked days pass.

Bookings never overlap capacity: `book_fractions` adds each fraction's minutes to its MachineDay with one
conditional UPDATE (`… SET booked = booked + m WHERE booked + m <= capacity`). On PostgreSQL the row lock of
the UPDATE serialises concurrent bookers and the condition is re-checked on the newest row; SQLite runs one
writer at a time. Either way the loser gets a DomainError (409) and its transaction changes nothing; the
MachineDay CHECK constraint backs this up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from onconet.core.errors import DomainError, FieldProblem
from onconet.core.models import Holiday
from onconet.core.transitions import System
from onconet.scheduling.models import Beam, Booking, Course, CourseStatus, Downtime, Machine, MachineDay
from onconet.scheduling.workflow import COURSES


def capacity_on(machine: Machine, date: dt.date) -> int:
    """Minutes the machine has on `date`: its weekday hours, less downtime, nothing on a holiday."""
    if Holiday.objects.filter(date=date).exists():
        return 0
    hours = int(machine.minutes_per_weekday[date.weekday()])
    down = Downtime.objects.filter(machine=machine, date=date).aggregate(m=Sum("minutes"))["m"] or 0
    return max(0, hours - down)


def machine_day(machine: Machine, date: dt.date) -> MachineDay:
    """The MachineDay row, created with its capacity on first use (safe when two bookers race to create it)."""
    day = MachineDay.objects.filter(machine=machine, date=date).first()
    if day is not None:
        return day
    try:
        with transaction.atomic():
            return MachineDay.objects.create(machine=machine, date=date, capacity_minutes=capacity_on(machine, date))
    except IntegrityError:
        return MachineDay.objects.get(machine=machine, date=date)


def beam_free(beam: Beam, date: dt.date) -> int:
    """Minutes the beam has left on `date`: its weekday minutes (none on a holiday) less what all its machines have
    booked. Call it with the beam's row locked when a booking follows."""
    if Holiday.objects.filter(date=date).exists():
        return 0
    total = int((beam.minutes_per_weekday or [0] * 7)[date.weekday()])
    booked = MachineDay.objects.filter(machine__beam=beam, date=date).aggregate(m=Sum("booked_minutes"))["m"] or 0
    return total - booked


def book_fractions(course: Course, machine: Machine, fractions: Sequence[tuple[int, dt.date, int]]) -> list[Booking]:
    """Book (fraction number, date, minutes) for `course` on `machine`, all or nothing; 409 when one does not fit
    the machine's day or, on a machine fed by a shared accelerator, the beam's minutes of that day (the beam's row is
    locked, so bookings on its rooms are taken one at a time)."""
    bookings = []
    with transaction.atomic():
        beam = Beam.objects.select_for_update().get(pk=machine.beam_id) if machine.beam_id else None
        for number, date, minutes in fractions:
            if beam is not None and minutes > (left := beam_free(beam, date)):
                raise DomainError(
                    f"{beam.code} (the accelerator of {machine.code}) on {date.isoformat()} has {max(0, left)} free "
                    f"minutes; fraction {number + 1} of {course.code} needs {minutes}.",
                    errors=[FieldProblem("no beam capacity", "date", date.isoformat())],
                )
            day = machine_day(machine, date)
            added = MachineDay.objects.filter(pk=day.pk, booked_minutes__lte=F("capacity_minutes") - minutes).update(
                booked_minutes=F("booked_minutes") + minutes
            )
            if not added:
                day.refresh_from_db()
                free = max(0, day.capacity_minutes - day.booked_minutes)
                raise DomainError(
                    f"{machine.code} on {date.isoformat()} has {free} free minutes; fraction {number + 1} of "
                    f"{course.code} needs {minutes}.",
                    errors=[FieldProblem("no capacity", "date", date.isoformat())],
                )
            bookings.append(Booking(course=course, day=day, fraction=number, minutes=minutes))
        Booking.objects.bulk_create(bookings)
    return bookings


def release_bookings(course: Course, from_date: dt.date) -> int:
    """Give back the course's bookings on or after `from_date`; returns how many were released."""
    released = 0
    with transaction.atomic():
        for booking in Booking.objects.filter(course=course, day__date__gte=from_date).select_related("day"):
            MachineDay.objects.filter(pk=booking.day_id).update(booked_minutes=F("booked_minutes") - booking.minutes)
            booking.delete()
            released += 1
    return released


def book_course(course: Course, machine: Machine, dates: Sequence[dt.date], first_fraction: int = 0) -> None:
    """Book the course's fractions from `first_fraction` on the given dates (consecutive open days)."""
    protocol = course.protocol
    fractions = [
        (first_fraction + i, date, protocol.first_minutes if first_fraction + i == 0 else protocol.minutes)
        for i, date in enumerate(dates)
    ]
    book_fractions(course, machine, fractions)


def refresh_statuses(today: dt.date | None = None) -> int:
    """Booked courses whose first fraction is past are under way; those whose last is past are completed."""
    today = today or timezone.localdate()
    changed = 0
    for course in Course.objects.filter(status__in=[CourseStatus.BOOKED, CourseStatus.UNDER_WAY]).prefetch_related(
        "bookings__day"
    ):
        dates = sorted(b.day.date for b in course.bookings.all())
        if not dates:
            continue
        delivered = sum(1 for d in dates if d < today)
        status = course.status
        if delivered >= course.protocol.fractions or (delivered and delivered == len(dates) and dates[-1] < today):
            status = CourseStatus.COMPLETED
        elif delivered:
            status = CourseStatus.UNDER_WAY
        if status != course.status:
            COURSES.move(
                course, name="complete" if status == CourseStatus.COMPLETED else "start", actor=System("the clock")
            )
            changed += 1
    return changed


def holidays_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))
