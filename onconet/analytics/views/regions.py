"""The pages of one area: a federal district (its indicators and its regions) and a region (its indicators against
the previous year and the nation, with its staff age pyramid, equipment ages, utilisation and workforce forecast).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from onconet.analytics import charts, selectors
from onconet.analytics.indicators import DEFINITIONS_BY_CODE, TOTAL, Snapshot
from onconet.analytics.views.common import dimension_label, period_params, region_names, table_download
from onconet.core.errors import NotFound
from onconet.core.http import request_user
from onconet.core.models import Facility, FederalDistrict, Region, User
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.passports.models import Equipment, EquipmentKind, Passport, Specialty, StaffMember


def _report_rows(snap: Snapshot, area: str, previous: Snapshot | None) -> list[dict[str, Any]]:
    rows = []
    for row in selectors.area_report(snap, area, previous):
        definition = DEFINITIONS_BY_CODE[row.indicator]
        rows.append({"row": row, "definition": definition, "dimension_label": dimension_label(row.dimension)})
    return rows


def _report_download(fmt: str | None, rows: list[dict[str, Any]], name: str) -> HttpResponse | None:
    return table_download(
        fmt,
        [
            [
                r["row"].indicator,
                r["row"].dimension or "all",
                r["row"].value,
                r["row"].previous,
                r["row"].national,
                r["row"].q1,
                r["row"].median,
                r["row"].q3,
                "; ".join(
                    f"{b.code} {b.comparison} {b.value}: {'met' if met else 'not met' if met is False else '—'}"
                    for b, met in r["row"].benchmarks
                ),
            ]
            for r in rows
        ],
        ["indicator", "dimension", "value", "previous_year", "national", "q1", "median", "q3", "benchmarks"],
        name,
    )


@login_required
def district(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "analytics.view_national_analytics", action="see national analytics")
    fd = FederalDistrict.objects.filter(code=code).first()
    if fd is None:
        raise NotFound("No such federal district.")
    period, submitted = period_params(request.GET.get("period"), request.GET.get("submitted"))
    snap = selectors.snapshot(period=period, include_submitted=submitted)
    previous = selectors.snapshot(period=period - 1, include_submitted=submitted)
    rows = _report_rows(snap, f"FD:{code}", previous)
    download = _report_download(request.GET.get("format"), rows, f"district-{code}-{period}")
    if download:
        return download
    names = region_names()
    regions = [
        {
            "code": a.code,
            "name": names.get(a.code, a.name_en),
            "has_data": a.passport_id is not None,
            "staff": snap.value(a.code, "staff_per_100k"),
            "equipment": snap.value(a.code, "equipment_per_million"),
            "beds": snap.value(a.code, "beds_per_100k"),
            "compliance": snap.value(a.code, "compliance_score"),
        }
        for a in snap.regions()
        if a.district == code
    ]
    return render(
        request,
        "analytics/district.html",
        {
            "district": fd,
            "period": period,
            "periods": selectors.periods(),
            "submitted": submitted,
            "rows": rows,
            "regions": regions,
        },
    )


def _may_see_region(user: User, region: Region) -> None:
    if user.has_perm("analytics.view_national_analytics"):
        return
    if user.role == Role.REGIONAL_REPORTER and user.region_id == region.pk:
        return
    raise NotFound("No region matches the given code.")


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    region_obj = get_visible(user, Region.objects.select_related("federal_district"), code__iexact=code)
    _may_see_region(user, region_obj)
    period, submitted = period_params(request.GET.get("period"), request.GET.get("submitted"))
    snap = selectors.snapshot(period=period, include_submitted=submitted)
    previous = selectors.snapshot(period=period - 1, include_submitted=submitted)
    rows = _report_rows(snap, region_obj.code, previous)
    download = _report_download(request.GET.get("format"), rows, f"region-{region_obj.code}-{period}")
    if download:
        return download
    area = snap.areas.get(region_obj.code)
    passport = Passport.objects.filter(pk=area.passport_id).first() if area and area.passport_id else None
    specialty = request.GET.get("specialty", "radiologist")
    if specialty not in Specialty.values and specialty != TOTAL:
        specialty = "radiologist"
    context: dict[str, Any] = {
        "region": region_obj,
        "period": period,
        "periods": selectors.periods(),
        "submitted": submitted,
        "rows": rows,
        "passport": passport,
        "specialty": specialty,
        "specialties": Specialty.choices,
    }
    if passport is not None:
        context.update(_region_charts(passport, specialty, period, submitted))
    return render(request, "analytics/region.html", context)


def _region_charts(passport: Passport, specialty: str, period: int, submitted: bool) -> dict[str, Any]:
    """The region page's charts (the options from onconet.analytics.charts), from the passport's staff and
    equipment, and its workforce forecast and facilities."""
    staff = StaffMember.objects.filter(passport=passport)
    if specialty:
        staff = staff.filter(specialty=specialty)
    ages: dict[str, Counter[int]] = defaultdict(Counter)
    for sex, birth_year in staff.values_list("sex", "birth_year"):
        ages[sex or "M"][period - birth_year] += 1
    equipment = Equipment.objects.filter(passport=passport)
    bands: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    heat: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for kind, installed, available, used, facility in equipment.values_list(
        "kind", "year_installed", "available_hours_per_week", "used_hours_per_week", "facility__code"
    ):
        age = period - installed
        bands[kind][0 if age <= 5 else 1 if age <= 10 else 2] += 1
        if available and used is not None:
            heat[(facility, kind)][0] += float(used)
            heat[(facility, kind)][1] += float(available)
    kind_labels = {k: str(EquipmentKind(k).label) for k in bands}
    facilities = sorted({f for f, _k in heat})
    kinds = sorted({k for _f, k in heat})
    cells = [(facilities.index(f), kinds.index(k), 100 * u / a) for (f, k), (u, a) in heat.items() if a]
    forecast = selectors.workforce_forecast(
        period=period,
        specialty=specialty or "radiologist",
        region_code=passport.region.code,
        include_submitted=submitted,
    )
    projection = forecast[0] if forecast else None
    return {
        "pyramid": charts.age_pyramid(ages, female=str(_("women")), male=str(_("men"))),
        "equipment_ages": charts.equipment_age_bars(
            [(kind_labels[k], v[0], v[1], v[2]) for k, v in sorted(bands.items())],
            (str(_("up to 5 years")), str(_("6–10 years")), str(_("over 10 years"))),
        ),
        "heatmap": charts.utilisation_heatmap(facilities, [str(EquipmentKind(k).label) for k in kinds], cells)
        if cells
        else None,
        "forecast": projection,
        "forecast_chart": charts.forecast_lines(
            projection.projection,
            stock=str(_("staff without new trainees")),
            with_intake=str(_("with the intake below")),
            target=str(_("target")),
        )
        if projection
        else None,
        "facilities": Facility.objects.filter(region=passport.region).order_by("kind", "code"),
    }
