"""The scheduler's part of a foreign patient's data export (registered into tourism's export)."""

from __future__ import annotations

from typing import Any

from onconet.scheduling import services
from onconet.scheduling.tests.conftest import TODAY, next_weekday
from onconet.tourism.privacy import patient_data_export


def test_the_data_export_holds_the_referrals_course_and_its_sessions_for_who_may_see_schedules(
    users: dict[str, Any], sched: dict[str, Any], prepaid_referral: Any
) -> None:
    course = services.foreign_course_create(user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"])
    first = next_weekday(TODAY, 3)
    services.book_fractions(course, sched["g1"], [(0, first, 60)])
    patient = prepaid_referral.patient
    (referral,) = patient_data_export(user=users["admin"], patient_id=patient.pk)["referrals"]
    assert referral["course"]["code"] == course.code
    assert referral["course"]["machine"] is None  # booked, not yet approved in a plan
    assert referral["course"]["sessions"] == [{"date": first.isoformat(), "fraction": 1, "minutes": 60}]
    (seen,) = patient_data_export(user=users["partner"], patient_id=patient.pk)["referrals"]
    assert seen["course"] is None  # a partner agent does not see the centres' schedules
