"""The home page: each role's own work first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from onconet.core.http import request_user
from onconet.core.jobs import job_kinds
from onconet.core.roles import Role
from onconet.home import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    board = selectors.dashboard_for(user=user)
    startable = [kind for kind in job_kinds() if kind.user_startable and user.has_perm(kind.permission)]
    chart = {
        "labels": [str(label) for label, _n in board.facility_kinds],
        "values": [n for _l, n in board.facility_kinds],
    }
    return render(
        request,
        "core/home.html",
        {
            "board": board,
            "startable_jobs": startable,
            "chart": chart,
            "Role": Role,
            "days_left": (board.passport.due - timezone.localdate()).days if board.passport else None,
        },
    )
