"""Pages of planning analytics: the national dashboard, district and region pages, workforce, equipment,
definitions and benchmarks. Every table can be downloaded as CSV or XLSX (`?format=csv|xlsx`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onconet.analytics import charts, selectors, services
from onconet.analytics.indicators import DEFINITIONS, DEFINITIONS_BY_CODE, NATION, TOTAL, Snapshot
from onconet.analytics.models import Benchmark, Comparison
from onconet.analytics.reports import reports_folder
from onconet.core.errors import InvalidInput, NotFound
from onconet.core.http import request_user
from onconet.core.models import Facility, FederalDistrict, Region, User
from onconet.core.params import period_or_none
from onconet.core.reference_data import localised_subdivision_name
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.selectors import jobs_list
from onconet.core.spreadsheets import table_response
from onconet.passports.models import Equipment, EquipmentKind, Passport, Specialty, StaffMember


def _params(request: HttpRequest) -> tuple[int, bool]:
    period = period_or_none(request.GET.get("period")) or selectors.default_period()  # a bad period is ignored
    return period, request.GET.get("submitted") == "1"


def _indicator(
    request: HttpRequest, default: str = "staff_per_100k", default_dimension: str = "radiologist"
) -> tuple[str, str]:
    combined = request.GET.get("ind", "")
    if ":" in combined:  # the dashboard's one select: "indicator:dimension"
        code, dimension = combined.split(":", 1)
        if code in DEFINITIONS_BY_CODE and dimension in DEFINITIONS_BY_CODE[code].dimension_values():
            return code, dimension
    code = request.GET.get("indicator", default)
    if code not in DEFINITIONS_BY_CODE:
        code = default
    dimension = request.GET.get("dimension", default_dimension if code == default else TOTAL)
    if dimension not in DEFINITIONS_BY_CODE[code].dimension_values():
        dimension = TOTAL
    return code, dimension


def _names() -> dict[str, str]:
    language = get_language()
    return {r.code: localised_subdivision_name(r.name, language) for r in Region.objects.all()}


def _dimension_label(dimension: str) -> str:
    for choices in (Specialty, EquipmentKind):
        if dimension in choices.values:
            return str(choices(dimension).label)
    return dimension or str(_("all"))


def _indicator_choices() -> list[dict[str, Any]]:
    return [
        {"code": d.code, "title": d.title, "dimensions": [(v, _dimension_label(v)) for v in d.dimension_values()]}
        for d in DEFINITIONS
    ]


def _download(request: HttpRequest, rows: list[list[Any]], header: list[str], name: str) -> HttpResponse | None:
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return table_response(rows, header, fmt=fmt, filename=name)
    return None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The national dashboard: tile-grid map, districts, ranking."""
    user = request_user(request)
    require_permission(user, "analytics.view_national_analytics", action="see national analytics")
    period, submitted = _params(request)
    indicator, dimension = _indicator(request)
    district = request.GET.get("district", "")
    snap = selectors.snapshot(period=period, include_submitted=submitted)
    definition = DEFINITIONS_BY_CODE[indicator]
    rows = selectors.ranking(snap, indicator, dimension, district or None)
    names = _names()
    district_names = {d.code: d.display_name for d in FederalDistrict.objects.all()}
    for row in rows:
        row.name = names.get(row.code, row.name)
        row.district = district_names.get(row.district or "", row.district)
    download = _download(
        request,
        [[r.rank, r.code, r.name, r.district, r.value, r.benchmark_met] for r in rows],
        ["rank", "region", "name", "federal_district", f"{indicator}:{dimension or 'all'}", "benchmark_met"],
        f"ranking-{indicator}-{dimension or 'all'}-{period}",
    )
    if download:
        return download
    distribution = snap.distribution(indicator, dimension)
    districts = [
        {"area": area, "value": snap.value(area.code, indicator, dimension)}
        for area in sorted(snap.districts(), key=lambda a: a.name_en)
    ]
    return render(
        request,
        "analytics/dashboard.html",
        {
            "period": period,
            "periods": selectors.periods(),
            "submitted": submitted,
            "indicator": indicator,
            "dimension": dimension,
            "definition": definition,
            "dimension_label": _dimension_label(dimension),
            "indicators": _indicator_choices(),
            "national": snap.value(NATION, indicator, dimension),
            "distribution": distribution,
            "benchmarks": selectors.benchmarks_for(indicator, dimension),
            "districts": districts,
            "district": district,
            "district_choices": FederalDistrict.objects.all(),
            "rows": rows,
            "names": names,
            "missing": selectors.regions_without_data(snap),
            "map": charts.tile_map(
                snap,
                indicator,
                dimension,
                higher_is_better=definition.higher_is_better,
                names=names,
                unit=str(definition.unit),
                no_data=str(_("no data")),
            ),
        },
    )


def _report_rows(snap: Snapshot, area: str, previous: Snapshot | None) -> list[dict[str, Any]]:
    rows = []
    for row in selectors.area_report(snap, area, previous):
        definition = DEFINITIONS_BY_CODE[row.indicator]
        rows.append({"row": row, "definition": definition, "dimension_label": _dimension_label(row.dimension)})
    return rows


def _report_download(request: HttpRequest, rows: list[dict[str, Any]], name: str) -> HttpResponse | None:
    return _download(
        request,
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
    period, submitted = _params(request)
    snap = selectors.snapshot(period=period, include_submitted=submitted)
    previous = selectors.snapshot(period=period - 1, include_submitted=submitted)
    rows = _report_rows(snap, f"FD:{code}", previous)
    download = _report_download(request, rows, f"district-{code}-{period}")
    if download:
        return download
    names = _names()
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
    period, submitted = _params(request)
    snap = selectors.snapshot(period=period, include_submitted=submitted)
    previous = selectors.snapshot(period=period - 1, include_submitted=submitted)
    rows = _report_rows(snap, region_obj.code, previous)
    download = _report_download(request, rows, f"region-{region_obj.code}-{period}")
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


@login_required
def workforce(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "analytics.view_national_analytics", action="see national analytics")
    period, submitted = _params(request)
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
    names = _names()
    for row in rows:
        row.region_name = names.get(row.region, row.region_name)
    download = _download(
        request,
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


@login_required
def equipment(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not (user.has_perm("analytics.view_national_analytics") or user.has_perm("analytics.view_spare_capacity")):
        require_permission(user, "analytics.view_national_analytics", action="see the equipment plan")
    period, submitted = _params(request)
    try:
        threshold = float(request.GET.get("threshold", "60")) / 100
        if not 0 < threshold <= 1:
            raise ValueError
    except ValueError:
        threshold = 0.6
    spare = selectors.spare_capacity(period=period, threshold=threshold, include_submitted=submitted)
    plan = (
        selectors.equipment_plan(period=period, include_submitted=submitted)
        if user.has_perm("analytics.view_national_analytics")
        else []
    )
    table = request.GET.get("table", "plan")
    if table == "spare":
        download = _download(
            request,
            [
                [
                    m.region,
                    m.facility,
                    m.facility_name,
                    m.code,
                    m.kind,
                    m.available,
                    m.used,
                    m.spare_hours,
                    round(100 * m.utilisation, 1),
                ]
                for m in spare
            ],
            [
                "region",
                "facility",
                "facility_name",
                "equipment_id",
                "kind",
                "available_h_week",
                "used_h_week",
                "spare_h_week",
                "utilisation_pct",
            ],
            f"spare-capacity-{period}",
        )
    else:
        download = _download(
            request,
            [
                [
                    n.region,
                    n.region_name,
                    n.kind,
                    n.units,
                    n.past_service_life,
                    None if n.target_units is None else round(n.target_units, 1),
                    n.target_basis,
                    n.to_buy,
                    ", ".join(f"{k}: {v}" for k, v in n.operators.items()),
                ]
                for n in plan
            ],
            [
                "region",
                "name",
                "kind",
                "units",
                "past_service_life",
                "target_units",
                "target_basis",
                "to_buy",
                "operators_to_train",
            ],
            f"equipment-plan-{period}",
        )
    if download:
        return download
    spare_totals: dict[str, float] = defaultdict(float)
    for machine in spare:
        spare_totals[machine.kind] += machine.spare_hours
    return render(
        request,
        "analytics/equipment.html",
        {
            "plan": plan,
            "spare": spare,
            "period": period,
            "periods": selectors.periods(),
            "submitted": submitted,
            "threshold": round(threshold * 100),
            "names": _names(),
            "spare_chart": charts.bars(
                [str(EquipmentKind(k).label) for k in spare_totals], list(spare_totals.values())
            ),
            "spare_totals": sorted(spare_totals.items(), key=lambda kv: -kv[1]),
        },
    )


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/definitions.html", {"rows": selectors.definition_rows()})


@login_required
def definition(request: HttpRequest, code: str) -> HttpResponse:
    found = DEFINITIONS_BY_CODE.get(code)
    if found is None:
        raise NotFound("No such indicator.")
    return render(
        request,
        "analytics/definition.html",
        {
            "definition": found,
            "benchmarks": Benchmark.objects.filter(indicator=code),
            "dimensions": [(v, _dimension_label(v)) for v in found.dimension_values()],
        },
    )


@login_required
def benchmarks(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "analytics.view_benchmark", action="see benchmarks")
    error = None
    if request.method == "POST":
        try:
            if "delete" in request.POST:
                services.benchmark_delete(user=user, code=request.POST["delete"])
            else:
                services.benchmark_save(
                    user=user,
                    code=request.POST.get("code", ""),
                    indicator=request.POST.get("indicator", ""),
                    dimension=request.POST.get("dimension", ""),
                    comparison=request.POST.get("comparison", ""),
                    value=request.POST.get("value", ""),
                    source=request.POST.get("source", ""),
                    note=request.POST.get("note", ""),
                    for_planning=request.POST.get("for_planning") == "on",
                )
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("The benchmarks were saved."))
            return redirect("analytics:benchmarks")
    rows = Benchmark.objects.all()
    download = _download(
        request,
        [[b.code, b.indicator, b.dimension, b.comparison, b.value, b.for_planning, b.source, b.note] for b in rows],
        ["code", "indicator", "dimension", "comparison", "value", "for_planning", "source", "note"],
        "benchmarks",
    )
    if download:
        return download
    return render(
        request,
        "analytics/benchmarks.html",
        {
            "benchmarks": rows,
            "can_edit": user.has_perm("analytics.change_benchmark"),
            "error": error,
            "indicators": DEFINITIONS,
            "comparisons": Comparison.choices,
        },
    )


@login_required
def report_start(request: HttpRequest) -> HttpResponse:
    """Start a report job (POST kind=region|national, region, period) and show its progress."""
    if request.method != "POST":
        raise NotFound("Start a report from the dashboard or a region page.")
    user = request_user(request)
    period = period_or_none(request.POST.get("period")) or selectors.default_period()
    job = services.report_start(
        user=user,
        kind=request.POST.get("kind", ""),
        period=period,
        region_code=request.POST.get("region"),
        language=get_language() or "en",
    )
    return redirect("core:job", pk=job.pk)


@login_required
def report_file(request: HttpRequest, job_id: int, name: str) -> HttpResponseBase:

    job = jobs_list(user=request_user(request)).filter(pk=job_id, kind__in=["region_report", "national_report"]).first()
    if job is None or name not in ("report.pdf", "report.html"):
        raise NotFound("No such report.")
    path = reports_folder(job.pk) / name
    if not path.exists():
        raise NotFound("The report is not ready.")
    content_type = "application/pdf" if name.endswith(".pdf") else "text/html; charset=utf-8"
    return FileResponse(path.open("rb"), content_type=content_type)
