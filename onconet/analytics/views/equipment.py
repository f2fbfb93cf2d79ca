"""The equipment plan: units past their service life and to buy per region and kind, and the machines with spare
capacity (under a utilisation threshold) — the latter also for those who may see only the spare capacity."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onconet.analytics import charts, selectors
from onconet.analytics.views.common import period_params, region_names, table_download
from onconet.core.http import request_user
from onconet.core.scoping import require_permission
from onconet.passports.models import EquipmentKind


@login_required
def equipment(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not (user.has_perm("analytics.view_national_analytics") or user.has_perm("analytics.view_spare_capacity")):
        require_permission(user, "analytics.view_national_analytics", action="see the equipment plan")
    period, submitted = period_params(request.GET.get("period"), request.GET.get("submitted"))
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
        download = table_download(
            request.GET.get("format"),
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
        download = table_download(
            request.GET.get("format"),
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
            "names": region_names(),
            "spare_chart": charts.bars(
                [str(EquipmentKind(k).label) for k in spare_totals], list(spare_totals.values())
            ),
            "spare_totals": sorted(spare_totals.items(), key=lambda kv: -kv[1]),
        },
    )
