"""The scheduler's part of a foreign patient's data export: the course of each referral and its sessions."""

from __future__ import annotations

from typing import Any

from onconet.core.scoping import AnyUser
from onconet.scheduling.models import Course
from onconet.tourism.models import Referral
from onconet.tourism.privacy import export_row, register_referral_section


def referral_course(referral: Referral, user: AnyUser) -> dict[str, Any] | None:
    """The referral's course with its machine and booked sessions, for a reader who may see schedules."""
    if not user.has_perm("scheduling.view_schedule"):
        return None
    course = Course.objects.filter(referral=referral).select_related("facility", "protocol", "machine").first()
    if course is None:
        return None
    return export_row(course, ["code", "status", "ready_date", "latest_start", "start_date"]) | {
        "facility": course.facility.name,
        "protocol": course.protocol.code,
        "machine": course.machine.code if course.machine else None,
        "sessions": [
            {"date": b.day.date.isoformat(), "fraction": b.fraction + 1, "minutes": b.minutes}
            for b in course.bookings.select_related("day").order_by("fraction")
        ],
    }


register_referral_section("course", referral_course)
