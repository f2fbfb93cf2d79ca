"""The national dashboard: the tile-grid map, the federal districts and the regions' ranking for one indicator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from onconet.analytics import charts, selectors
from onconet.analytics.indicators import DEFINITIONS, DEFINITIONS_BY_CODE, NATION, TOTAL
from onconet.analytics.views.common import dimension_label, period_params, region_names, table_download
from onconet.core.http import request_user
from onconet.core.models import FederalDistrict
from onconet.core.scoping import require_permission


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


def _indicator_choices() -> list[dict[str, Any]]:
    return [
        {"code": d.code, "title": d.title, "dimensions": [(v, dimension_label(v)) for v in d.dimension_values()]}
        for d in DEFINITIONS
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The national dashboard: tile-grid map, districts, ranking."""
    user = request_user(request)
    require_permission(user, "analytics.view_national_analytics", action="see national analytics")
    period, submitted = period_params(request.GET.get("period"), request.GET.get("submitted"))
    indicator, dimension = _indicator(request)
    district = request.GET.get("district", "")
    snap = selectors.snapshot(period=period, include_submitted=submitted)
    definition = DEFINITIONS_BY_CODE[indicator]
    rows = selectors.ranking(snap, indicator, dimension, district or None)
    names = region_names()
    district_names = {d.code: d.display_name for d in FederalDistrict.objects.all()}
    for row in rows:
        row.name = names.get(row.code, row.name)
        row.district = district_names.get(row.district or "", row.district)
    download = table_download(
        request.GET.get("format"),
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
            "dimension_label": dimension_label(dimension),
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
