"""The timetable: each booked fraction of a machine's day gets a clock time, the same in the day view, the day
list (printable and CSV) and the FHIR Appointments."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.test import Client
from django.utils import timezone

from onconet.scheduling import services, timetable
from onconet.scheduling.models import Booking
from onconet.scheduling.tests.conftest import TODAY, next_weekday
from onconet.tourism import services as office

DAY = next_weekday(TODAY, 3)


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_urgent_and_first_fractions_come_first_from_the_opening_time(users: dict[str, Any], sched: dict[str, Any]):
    g1 = sched["g1"]
    g1.opens_at = dt.time(7, 30)
    g1.save(update_fields=["opens_at"])
    routine_later = services.course_create(
        user=users["reporter"], facility=sched["klu"], protocol=sched["proton"], ready_date=TODAY, urgency=3
    )
    routine_first = services.course_create(
        user=users["reporter"], facility=sched["klu"], protocol=sched["proton"], ready_date=TODAY, urgency=3
    )
    urgent = services.course_create(
        user=users["reporter"], facility=sched["klu"], protocol=sched["proton"], ready_date=TODAY, urgency=1
    )
    services.book_fractions(routine_later, g1, [(4, DAY, 20)])
    services.book_fractions(routine_first, g1, [(0, DAY, 45)])
    services.book_fractions(urgent, g1, [(2, DAY, 30)])
    (slots,) = timetable.day_timetables(Booking.objects.values_list("day_id", flat=True).distinct()).values()
    assert [(s.booking.course, s.start, s.end) for s in slots] == [
        (urgent, _at(7, 30), _at(8)),  # urgent first, whatever its fraction
        (routine_first, _at(8), _at(8, 45)),  # then first fractions
        (routine_later, _at(8, 45), _at(9, 5)),
    ]


def test_a_foreign_patient_with_an_interpreter_that_day_goes_before_other_later_fractions(
    users: dict[str, Any], sched: dict[str, Any], course: Any, prepaid_referral: Any
):
    foreign = services.foreign_course_create(
        user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"]
    )
    services.book_fractions(course, sched["g1"], [(3, DAY, 20)])
    services.book_fractions(foreign, sched["g1"], [(3, DAY, 20)])
    slots = timetable.sequence(
        Booking.objects.select_related("course"), date=DAY, opens_at=dt.time(8), interpreted=set()
    )
    assert slots[0].booking.course == min(course, foreign, key=lambda c: c.code)  # no interpreter: by code
    office.interpreter_book(
        user=users["coordinator"],
        referral=prepaid_referral,
        interpreter=users["interpreter"],
        starts_at=_at(8),
        ends_at=_at(9),
    )
    (slots,) = timetable.day_timetables(Booking.objects.values_list("day_id", flat=True).distinct()).values()
    assert [(s.booking.course, s.interpreter) for s in slots] == [(foreign, True), (course, False)]


def test_the_day_list_prints_and_downloads_the_times_and_fhir_has_them(
    client: Client, users: dict[str, Any], sched: dict[str, Any], course: Any
):
    services.book_fractions(course, sched["g1"], [(0, DAY, 45)])
    client.force_login(users["reporter"])
    url = f"/scheduling/calendar/machines/{sched['g1'].pk}/day-list/?date={DAY.isoformat()}"
    page = client.get(url).content.decode()
    assert "08:00" in page
    assert "08:45" in page
    assert course.code in page
    rows = list(csv.reader(io.StringIO(client.get(url + "&format=csv").content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["08:00", "08:45", course.code]
    day_view = client.get(f"/scheduling/calendar/?facility={sched['klu'].pk}&view=day&date={DAY.isoformat()}")
    assert "08:00–08:45" in day_view.content.decode()
    client.force_login(users["reporter2"])  # another region's machine: as if it did not exist
    assert client.get(url).status_code == 404
    client.force_login(users["admin"])
    booking = Booking.objects.get()
    appointment = client.get(f"/fhir/Appointment/{booking.pk}").json()
    assert dt.datetime.fromisoformat(appointment["start"]) == _at(8)
    assert dt.datetime.fromisoformat(appointment["end"]) == _at(8, 45)


def test_the_patients_letters_give_the_first_fractions_time(
    users: dict[str, Any], sched: dict[str, Any], prepaid_referral: Any
):
    from onconet.tourism.letters import start_of_treatment
    from onconet.tourism.models import Referral

    coordinator, klu = users["coordinator"], sched["klu"]
    foreign = services.foreign_course_create(user=coordinator, referral=prepaid_referral, facility=klu)
    Referral.objects.filter(pk=prepaid_referral.pk).update(start_date=DAY)
    prepaid_referral.refresh_from_db()
    assert start_of_treatment(prepaid_referral) == DAY.isoformat()  # not booked yet: the date alone
    services.book_fractions(foreign, sched["g1"], [(0, DAY, 45)])
    assert start_of_treatment(prepaid_referral) == f"{DAY.isoformat()}, 08:00"
