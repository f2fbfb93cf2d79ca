"""The machine calendar: a facility's machines by week (capacity against booked minutes) or by day (the booked
fractions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.params import date_or_none
from onconet.core.scoping import get_visible
from onconet.core.spreadsheets import table_response
from onconet.scheduling import selectors, timetable
from onconet.scheduling.models import Machine, MachineDay
from onconet.scheduling.selectors import require_view
from onconet.scheduling.views.params import int_param


def _date(value: str | None, default: dt.date) -> dt.date:
    return date_or_none(value) or default


def _add_timetables(rows: list[dict[str, Any]]) -> None:
    """Give each day of the day view its fractions' clock times (`load.slots`)."""
    bookings = [b for row in rows for load in row["days"] for b in load.bookings]
    interpreted = timetable.interpreted_courses(bookings)
    for row in rows:
        for load in row["days"]:
            load.slots = timetable.sequence(
                load.bookings,
                date=load.date,
                opens_at=row["machine"].opens_at,
                interpreted=interpreted.get(load.date, set()),
            )


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """A facility's machines by week (capacity against booked minutes) or by day (the booked fractions)."""
    user = request_user(request)
    require_view(user)
    facilities = selectors.facilities_with_machines(user=user)
    facility_id = int_param(request.GET.get("facility"))
    facility = (
        get_visible(user, Facility.objects.all(), pk=facility_id) if facility_id is not None else facilities.first()
    )
    today = timezone.localdate()
    date = _date(request.GET.get("date"), today)
    view = "day" if request.GET.get("view") == "day" else "week"
    if view == "week":
        start, days, step = selectors.monday(date), 7, 7
    else:
        start, days, step = date, 1, 1
    machines = list(selectors.machines_list(user=user, facility=facility.pk, active_only=True)) if facility else []
    rows = selectors.calendar_rows(machines, start, days, with_bookings=view == "day")
    if view == "day":
        _add_timetables(rows)
    return render(
        request,
        "scheduling/calendar.html",
        {
            "tab": "calendar",
            "facilities": facilities,
            "facility": facility,
            "view": view,
            "date": date,
            "start": start,
            "end": start + dt.timedelta(days=days - 1),
            "dates": [start + dt.timedelta(days=n) for n in range(days)],
            "previous": start - dt.timedelta(days=step),
            "next": start + dt.timedelta(days=step),
            "today": today,
            "rows": rows,
        },
    )


@login_required
def day_list(request: HttpRequest, machine_id: int) -> HttpResponse:
    """One machine's day as a list to print (or `?format=csv`): each fraction's time, course, fraction and minutes;
    a foreign patient's name only for those who may see the registry."""
    user = request_user(request)
    require_view(user)
    machine = get_visible(user, Machine.objects.select_related("facility"), pk=machine_id)
    date = _date(request.GET.get("date"), timezone.localdate())
    day = MachineDay.objects.filter(machine=machine, date=date).first()
    slots = timetable.day_timetables([day.pk]).get(day.pk, []) if day else []
    names = user.has_perm("tourism.view_foreignpatient")
    rows = [
        [
            s.start.strftime("%H:%M"),
            s.end.strftime("%H:%M"),
            s.booking.course.code,
            str(s.booking.course.get_origin_display()),
            str(s.booking.course.referral.patient) if names and s.booking.course.referral else "",
            s.booking.course.protocol.code,
            f"{s.booking.fraction + 1}/{s.booking.course.protocol.fractions}",
            s.booking.minutes,
            str(_("yes")) if s.interpreter else "",
        ]
        for s in slots
    ]
    header = [
        str(_("From")),
        str(_("Until")),
        str(_("Course")),
        str(_("Origin")),
        str(_("Patient")),
        str(_("Protocol")),
        str(_("Fraction")),
        str(_("Minutes")),
        str(_("Interpreter")),
    ]
    if request.GET.get("format") == "csv":
        return table_response(rows, header, fmt="csv", filename=f"{machine.code}-{date.isoformat()}")
    return render(
        request,
        "scheduling/day_list.html",
        {"tab": "calendar", "machine": machine, "date": date, "day": day, "rows": rows, "header": header},
    )
