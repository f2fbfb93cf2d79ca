"""The workforce plan: per region, when a specialty falls short of its target and how many trainees to start, under
a retirement age and an attrition rate the user can change."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from onconet.analytics import selectors
from onconet.analytics.views.common import period_params, region_names, table_download
from onconet.core.http import request_user
from onconet.core.scoping import require_permission
from onconet.passports.models import Specialty


@login_required
def workforce(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "analytics.view_national_analytics", action="see national analytics")
    period, submitted = period_params(request.GET.get("period"), request.GET.get("submitted"))
    specialty = request.GET.get("specialty", "radiologist")
    if specialty not in Specialty.values:
        specialty = "radiologist"
    try:
        retirement = int(request.GET.get("retirement", settings.PASSPORT_RETIREMENT_AGE))
        attrition = float(request.GET.get("attrition", "3")) / 100
        if not (50 <= retirement <= 80 and 0 <= attrition < 0.5):
            raise ValueError
    except ValueError:
        messages.error(request, _("Retirement age must be 50–80 and attrition 0–50 %."))
        retirement, attrition = settings.PASSPORT_RETIREMENT_AGE, 0.03
    rows = selectors.workforce_forecast(
        period=period, specialty=specialty, retirement_age=retirement, attrition=attrition, include_submitted=submitted
    )
    names = region_names()
    for row in rows:
        row.region_name = names.get(row.region, row.region_name)
    download = table_download(
        request.GET.get("format"),
        [
            [
                r.region,
                r.region_name,
                r.headcount,
                round(r.target, 1),
                r.target_basis,
                r.projection.shortfall_year,
                r.projection.annual_intake,
                r.projection.too_late,
            ]
            for r in rows
        ],
        [
            "region",
            "name",
            "headcount",
            "target",
            "target_basis",
            "shortfall_year",
            "trainees_to_start_this_year",
            "shortfall_before_trainees_arrive",
        ],
        f"workforce-{specialty}-{period}",
    )
    if download:
        return download
    return render(
        request,
        "analytics/workforce.html",
        {
            "rows": rows,
            "names": names,
            "period": period,
            "periods": selectors.periods(),
            "submitted": submitted,
            "specialty": specialty,
            "specialties": Specialty.choices,
            "retirement": retirement,
            "attrition": round(attrition * 100, 1),
            "urgent": [r for r in rows if r.projection.shortfall_year][:5],
        },
    )
