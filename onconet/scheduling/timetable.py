"""A machine's day as a timetable: each booked fraction gets a clock time.

The plan books minutes on machine-days; the timetable sequences the day's fractions from the machine's opening
time (`Machine.opens_at`), one after another: urgent courses first, then each course's first fraction (the longest,
with the set-up and the patient's first visit), then foreign patients who have an interpreter booked that day (so
that the interpreter's hours are early and short), then by course code and fraction. Booked minutes never exceed
the day's capacity, so the last fraction ends by opening time + capacity; downtime is taken at the end of the day.

The sequence is computed from the bookings whenever it is read (the day view, the printable and CSV day lists,
FHIR Appointments), so every place shows the same times; a newly booked urgent course moves the later ones, and
the day list printed the evening before is the one that counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from onconet.scheduling.models import Booking, Origin
from onconet.tourism.models import InterpreterBooking, Referral


@dataclass(frozen=True)
class Slot:
    booking: Booking
    start: dt.datetime
    end: dt.datetime
    interpreter: bool  # a foreign patient with an interpreter booked that day


def order_key(booking: Booking, interpreted: set[int]) -> tuple[int, int, int, str, int]:
    course = booking.course
    return (
        course.urgency,
        0 if booking.fraction == 0 else 1,
        0 if course.pk in interpreted else 1,
        course.code,
        booking.fraction,
    )


def sequence(
    bookings: Iterable[Booking], *, date: dt.date, opens_at: dt.time, interpreted: set[int] | None = None
) -> list[Slot]:
    """The day's fractions in order, each with its start and end (aware datetimes in the current time zone)."""
    interpreted = interpreted or set()
    clock = dt.datetime.combine(date, opens_at, tzinfo=timezone.get_current_timezone())
    slots = []
    for booking in sorted(bookings, key=lambda b: order_key(b, interpreted)):
        end = clock + dt.timedelta(minutes=booking.minutes)
        slots.append(Slot(booking, clock, end, booking.course_id in interpreted))
        clock = end
    return slots


def interpreted_courses(bookings: Iterable[Booking]) -> dict[dt.date, set[int]]:
    """Of the foreign courses among `bookings`, those whose referral has an interpreter booked on the booking's date."""
    by_referral: dict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        if booking.course.origin == Origin.FOREIGN and booking.course.referral_id:
            by_referral[booking.course.referral_id].append(booking)
    out: dict[dt.date, set[int]] = defaultdict(set)
    if not by_referral:
        return out
    dates = {b.day.date for group in by_referral.values() for b in group}
    booked = InterpreterBooking.objects.filter(
        referral_id__in=by_referral, starts_at__date__gte=min(dates), starts_at__date__lte=max(dates)
    ).values_list("referral_id", "starts_at")
    days_with_interpreter = {(referral, timezone.localdate(at)) for referral, at in booked}
    for referral, group in by_referral.items():
        for booking in group:
            if (referral, booking.day.date) in days_with_interpreter:
                out[booking.day.date].add(booking.course_id)
    return out


def day_timetables(day_ids: Iterable[int]) -> dict[int, list[Slot]]:
    """The timetable of each machine-day of `day_ids`, in two queries."""
    bookings = list(
        Booking.objects.filter(day_id__in=list(day_ids)).select_related(
            "day__machine", "course__protocol", "course__referral__patient"
        )
    )
    interpreted = interpreted_courses(bookings)
    by_day: dict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_day[booking.day_id].append(booking)
    return {
        day_id: sequence(
            group,
            date=group[0].day.date,
            opens_at=group[0].day.machine.opens_at,
            interpreted=interpreted.get(group[0].day.date, set()),
        )
        for day_id, group in by_day.items()
    }


def booking_times(bookings: Iterable[Booking]) -> dict[int, Slot]:
    """Each booking's slot (by booking id), from the timetables of the days they are on."""
    days = {b.day_id for b in bookings}
    return {slot.booking.pk: slot for slots in day_timetables(days).values() for slot in slots}


def first_appointment(referral: Referral) -> dt.datetime | None:
    """When the referral's course has its first fraction, by the timetable of that day (None: not booked)."""
    first = Booking.objects.filter(course__referral=referral, fraction=0).first()
    if first is None:
        return None
    slot = booking_times([first]).get(first.pk)
    return slot.start if slot else None
