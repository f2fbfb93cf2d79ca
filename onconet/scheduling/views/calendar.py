"""The machine calendar: a facility's machines by week (capacity against booked minutes) or by day (the booked
fractions)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.params import date_or_none
from onconet.core.scoping import get_visible
from onconet.scheduling import selectors
from onconet.scheduling.selectors import require_view
from onconet.scheduling.views.params import int_param


def _date(value: str | None, default: dt.date) -> dt.date:
    return date_or_none(value) or default


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
