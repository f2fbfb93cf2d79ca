"""Writes of the scheduling app, one module per purpose; every public service is importable from here.

- `bookings`: machine days' and beams' minutes, booking and releasing fractions (never beyond capacity), course
  statuses as booked days pass, holidays in a range
- `resources`: machines and their weekly minutes, downtime and the bookings it displaces
- `courses`: domestic courses (one or a CSV import), foreign courses from prepaid referrals, cancelling a course
- `plans`: queueing the planner, approving a plan (writing its bookings) or discarding it
- `offer`: publishing a simulation's capacity offer, the months a plan would sell beyond it
"""

from __future__ import annotations

from onconet.scheduling.services.bookings import (
    beam_free,
    book_course,
    book_fractions,
    capacity_on,
    holidays_between,
    machine_day,
    refresh_statuses,
    release_bookings,
)
from onconet.scheduling.services.courses import (
    CSV_COLUMNS,
    course_cancel,
    course_create,
    courses_import_csv,
    foreign_course_create,
    visible_courses,
)
from onconet.scheduling.services.courses import (
    _course_problems as _course_problems,  # the demo data checks its courses with it
)
from onconet.scheduling.services.offer import MIN_OFFER_DAYS, OfferExcess, offer_excess, offer_publish
from onconet.scheduling.services.plans import plan_approve, plan_discard, start_plan
from onconet.scheduling.services.resources import MAX_MINUTES, downtime_record, machine_save

__all__ = [
    "CSV_COLUMNS",
    "MAX_MINUTES",
    "MIN_OFFER_DAYS",
    "OfferExcess",
    "beam_free",
    "book_course",
    "book_fractions",
    "capacity_on",
    "course_cancel",
    "course_create",
    "courses_import_csv",
    "downtime_record",
    "foreign_course_create",
    "holidays_between",
    "machine_day",
    "machine_save",
    "offer_excess",
    "offer_publish",
    "plan_approve",
    "plan_discard",
    "refresh_statuses",
    "release_bookings",
    "start_plan",
    "visible_courses",
]
