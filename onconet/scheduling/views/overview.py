"""The overview: machines by facility with their weekly hours, utilisation for the next eight weeks, the latest
plans, domestic waits by urgency and the shared accelerators' load."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.scheduling import charts, selectors
from onconet.scheduling.charts import URGENCY_LABELS
from onconet.scheduling.models import CourseStatus, MachineKind
from onconet.scheduling.selectors import require_view
from onconet.scheduling.views.params import int_param

WAIT_WEEKS = 8  # the overview's waits: domestic courses that started in the last eight weeks


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Machines by facility with their weekly hours, utilisation for the next eight ISO weeks, latest plans."""
    user = request_user(request)
    require_view(user)
    facility = int_param(request.GET.get("facility"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in MachineKind.values else ""
    machines = list(selectors.machines_list(user=user, facility=facility, kind=kind or None))
    today = timezone.localdate()
    loads = selectors.weekly_utilisation(machines, today, 8)
    start = selectors.monday(today)
    weeks = [selectors.iso_week(start + dt.timedelta(weeks=n)) for n in range(8)]
    groups: dict[Facility, list[dict[str, Any]]] = {}
    cells = []
    totals = {"domestic": [0.0] * 8, "foreign": [0.0] * 8, "capacity": [0.0] * 8}
    for y, machine in enumerate(machines):
        rows = loads[machine.pk]
        groups.setdefault(machine.facility, []).append(
            {"machine": machine, "weekly_hours": selectors.weekly_minutes(machine) / 60, "weeks": rows}
        )
        for x, row in enumerate(rows):
            cells.append([x, y, row.percent if row.percent is not None else "-"])
            totals["domestic"][x] += row.domestic / 60
            totals["foreign"][x] += row.foreign / 60
            totals["capacity"][x] += row.capacity / 60
    rounded = {key: [round(v, 1) for v in values] for key, values in totals.items()}
    return render(
        request,
        "scheduling/overview.html",
        {
            "tab": "overview",
            "groups": list(groups.items()),
            "weeks": weeks,
            "machine_count": len(machines),
            "heatmap": charts.utilisation_heatmap(machines, weeks, cells),
            "bars": charts.weekly_bars(weeks, rounded["domestic"], rounded["foreign"], rounded["capacity"]),
            "plans": selectors.plans_list(user=user)[:8],
            "by_urgency": selectors.waits_by_urgency(
                user=user,
                facility=facility,
                since=today - dt.timedelta(weeks=WAIT_WEEKS),
                until=today + dt.timedelta(1),
            ),
            "wait_weeks": WAIT_WEEKS,
            "urgency_labels": URGENCY_LABELS,
            "facilities": selectors.facilities_with_machines(user=user),
            "facility": facility,
            "kind": kind,
            "kinds": MachineKind.choices,
            "waiting": selectors.courses_list(user=user, status=CourseStatus.WAITING).count(),
            "beams": selectors.beam_loads(user=user, facility=facility, first=today),
        },
    )
