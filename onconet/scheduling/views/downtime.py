"""Downtime: the blocks recorded from 30 days ago, recording one, the courses a breakdown displaced and the
re-plan proposed for them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from onconet.core.errors import InvalidInput
from onconet.core.http import request_user
from onconet.core.models import Job
from onconet.core.scoping import require_permission
from onconet.core.selectors import jobs_list
from onconet.scheduling import selectors, services
from onconet.scheduling.forms import DowntimeForm
from onconet.scheduling.selectors import require_view
from onconet.scheduling.views.params import PAGE_SIZE, int_param


@login_required
def downtime(request: HttpRequest) -> HttpResponse:
    """Downtime blocks (from 30 days ago) and a form to record one; a breakdown's displaced courses."""
    user = request_user(request)
    require_view(user)
    form = DowntimeForm(user=user)
    displaced = None
    replan: Job | None = None
    if request.method == "POST":
        require_permission(user, "scheduling.manage_resources", action="record downtime")
        form = DowntimeForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                block, displaced = services.downtime_record(
                    user=user,
                    machine=data["machine"],
                    date=data["date"],
                    minutes=data["minutes"],
                    reason=data["reason"],
                    note=data["note"],
                )
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                if not displaced:
                    messages.success(request, _("The downtime was recorded; no booking had to move."))
                    return redirect("scheduling:downtime")
                replan = (
                    jobs_list(user=user)
                    .filter(kind="schedule_plan", params__facility=block.machine.facility_id)
                    .order_by("-pk")
                    .first()
                )
                form = DowntimeForm(user=user)
    since = timezone.localdate() - dt.timedelta(days=30)
    facility = int_param(request.GET.get("facility"))
    return render(
        request,
        "scheduling/downtime.html",
        {
            "tab": "downtime",
            "form": form,
            "rows": selectors.downtime_list(user=user, facility=facility, since=since)[:PAGE_SIZE],
            "since": since,
            "displaced": displaced,
            "replan": replan,
            "can_record": user.has_perm("scheduling.manage_resources"),
            "facilities": selectors.facilities_with_machines(user=user),
            "facility": facility,
        },
    )
