"""ECharts options of the scheduling pages: utilisation, bookings, the capacity offer, simulation and replay."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from onconet.scheduling.models import Machine, Urgency

URGENCY_LABELS = [(str(value), label) for value, label in Urgency.choices]  # lazy labels: translated when shown
DOMESTIC_COLOUR, FOREIGN_COLOUR, DOWNTIME_COLOUR = "#1f6fd1", "#f28c28", "#9aa0a6"


def utilisation_heatmap(machines: list[Machine], weeks: list[str], cells: list[list[Any]]) -> dict[str, Any]:
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 10, "right": 20, "top": 10, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "data": weeks, "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": [m.code for m in machines], "splitArea": {"show": True}, "inverse": True},
        "visualMap": {
            "min": 0,
            "max": 100,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]},
        },
        "series": [{"name": str(_("Utilisation, %")), "type": "heatmap", "data": cells, "label": {"show": True}}],
    }


def weekly_bars(weeks: list[str], domestic: list[float], foreign: list[float], capacity: list[float]) -> dict[str, Any]:
    names = [str(_("domestic")), str(_("foreign")), str(_("capacity"))]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        # The legend below the chart: above it, it covered the axis name.
        "legend": {"data": names, "bottom": 0},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "category", "data": weeks},
        "yAxis": {"type": "value", "name": str(_("hours")), "nameTextStyle": {"align": "left"}},
        "color": [DOMESTIC_COLOUR, FOREIGN_COLOUR, "#3d405b"],
        "series": [
            {"name": names[0], "type": "bar", "stack": "booked", "data": domestic},
            {"name": names[1], "type": "bar", "stack": "booked", "data": foreign},
            {"name": names[2], "type": "line", "data": capacity, "lineStyle": {"type": "dashed"}, "symbol": "none"},
        ],
    }


def utilisation_bars(utilisation: dict[str, float]) -> dict[str, Any]:
    codes = sorted(utilisation)
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 10, "right": 40, "top": 10, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "data": codes, "inverse": True},
        "color": [DOMESTIC_COLOUR],
        "series": [
            {
                "name": str(_("Utilisation, %")),
                "type": "bar",
                "data": [round(100 * float(utilisation[c]), 1) for c in codes],
                "label": {"show": True, "position": "right", "formatter": "{c} %"},
            }
        ],
    }


def offer_chart(rows: list[Any], labels: tuple[str, str, str]) -> dict[str, Any]:
    months = [r.month.strftime("%Y-%m") for r in rows]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": list(labels)},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value"},
        "color": [FOREIGN_COLOUR, "#3d405b", "#3d405b"],
        "series": [
            {"name": labels[0], "type": "bar", "data": [float(r.courses) for r in rows]},
            {
                "name": labels[1],
                "type": "line",
                "data": [float(r.ci_low) for r in rows],
                "lineStyle": {"type": "dashed"},
                "symbol": "none",
            },
            {
                "name": labels[2],
                "type": "line",
                "data": [float(r.ci_high) for r in rows],
                "lineStyle": {"type": "dashed"},
                "symbol": "none",
            },
        ],
    }


def p95_chart(levels: list[dict[str, Any]], labels: tuple[str, str, str]) -> dict[str, Any]:
    """Domestic p95 wait by foreign level: the mean with its 95 % CI as a band (stacked low + width)."""
    x = [str(row["level"]) for row in levels]
    low = [row["p95_ci_low"] for row in levels]
    return {
        # Item tooltips on the mean only: the band is drawn as a stack (low + width), whose values mean nothing alone.
        "tooltip": {"trigger": "item"},
        "legend": {"data": [labels[0], labels[1]], "right": 10},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "category", "data": x, "name": labels[2], "nameLocation": "middle", "nameGap": 25},
        "yAxis": {"type": "value", "name": str(_("days")), "nameTextStyle": {"align": "left"}},
        "color": [DOMESTIC_COLOUR, DOMESTIC_COLOUR],
        "series": [
            {
                "name": labels[1],
                "type": "line",
                "data": low,
                "stack": "ci",
                "symbol": "none",
                "silent": True,
                "lineStyle": {"opacity": 0},
            },
            {
                "name": labels[1],
                "type": "line",
                "data": [round(row["p95_ci_high"] - row["p95_ci_low"], 3) for row in levels],
                "stack": "ci",
                "symbol": "none",
                "silent": True,
                "lineStyle": {"opacity": 0},
                "areaStyle": {"opacity": 0.2},
            },
            {"name": labels[0], "type": "line", "data": [row["p95_mean"] for row in levels], "symbolSize": 8},
        ],
    }


def admitted_chart(levels: list[dict[str, Any]], labels: tuple[str, str, str]) -> dict[str, Any]:
    """Foreign requests offered against courses admitted a month, by level, with the admitted CI as error bars."""
    x = [str(row["level"]) for row in levels]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [labels[0], labels[1]]},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "category", "data": x, "name": labels[2], "nameLocation": "middle", "nameGap": 25},
        "yAxis": {"type": "value"},
        "color": ["#c9ccd1", FOREIGN_COLOUR],
        "series": [
            {"name": labels[0], "type": "bar", "data": [row["offered_per_month"]["mean"] for row in levels]},
            {"name": labels[1], "type": "bar", "data": [row["admitted_per_month"]["mean"] for row in levels]},
        ],
    }


def replay_chart(runs: dict[str, Any]) -> dict[str, Any]:
    """Grouped bars: per urgency, the mean, 95th percentile and longest wait without and with foreign courses."""
    measures = (_("mean"), _("p95"), _("max"))
    labels = [f"{label} · {measure}" for _u, label in URGENCY_LABELS for measure in measures]
    keys = [(u, key) for u, _label in URGENCY_LABELS for key in ("wait_days_mean", "wait_days_p95", "wait_days_max")]

    def values(run: dict[str, Any]) -> list[float]:
        by = run.get("by_urgency", {})
        return [by.get(u, {}).get(key, 0) for u, key in keys]

    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [str(_("without foreign patients")), str(_("with foreign patients"))]},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 10, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [str(label) for label in labels],
            "axisLabel": {"interval": 0, "rotate": 30},
        },
        "yAxis": {"type": "value", "name": str(_("days"))},
        "color": [DOMESTIC_COLOUR, FOREIGN_COLOUR],
        "series": [
            {"name": str(_("without foreign patients")), "type": "bar", "data": values(runs.get("domestic_only", {}))},
            {"name": str(_("with foreign patients")), "type": "bar", "data": values(runs.get("with_foreign", {}))},
        ],
    }
