"""ECharts options built on the server as plain JSON: the page script only draws them (no inline code)."""

from __future__ import annotations

import csv
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from django.urls import reverse

from onconet.analytics.forecast import Projection
from onconet.analytics.indicators import Snapshot

PALETTE = ["#0b5563", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#6d597a", "#b56576"]
REFERENCE = Path(__file__).resolve().parent / "reference"


@cache
def tile_positions() -> dict[str, tuple[int, int]]:
    """Region code → (row, column) of the tile-grid map (reference/tile_grid.csv)."""
    with (REFERENCE / "tile_grid.csv").open(encoding="utf-8", newline="") as handle:
        return {row["iso_code"]: (int(row["row"]), int(row["col"])) for row in csv.DictReader(handle)}


def tile_map(
    snap: Snapshot,
    indicator: str,
    dimension: str,
    *,
    higher_is_better: bool | None,
    names: dict[str, str],
    unit: str,
    no_data: str,
) -> dict[str, Any]:
    """One equal square per region, placed roughly geographically and coloured by the indicator."""
    positions = tile_positions()
    present, missing = [], []
    values: list[float] = []
    for code, (row, col) in positions.items():
        value = snap.value(code, indicator, dimension)
        url = reverse("analytics:region", args=[code])
        label = f"{names.get(code, code)} ({code})"
        if value is None:
            missing.append({"name": f"{label}: {no_data}", "value": [col, row, 0, code[3:]], "url": url})
        else:
            values.append(round(value, 2))
            present.append(
                {"name": f"{label}: {value:,.1f} {unit}", "value": [col, row, round(value, 2), code[3:]], "url": url}
            )
    colours = ["#d7301f", "#fdcc8a", "#ffffcc", "#a1dab4", "#2c7fb8"]
    if higher_is_better is False:
        colours.reverse()
    tile = {
        "type": "scatter",
        "symbol": "roundRect",
        "symbolSize": 40,
        "label": {"show": True, "formatter": "{@[3]}", "fontSize": 10, "color": "#222"},
        "emphasis": {"itemStyle": {"borderColor": "#000", "borderWidth": 2}},
    }
    return {
        "tooltip": {"formatter": "{b}"},
        "grid": {"left": 10, "right": 10, "top": 10, "bottom": 60},
        "xAxis": {"type": "value", "show": False, "min": -1, "max": max(c for _r, c in positions.values()) + 1},
        "yAxis": {
            "type": "value",
            "show": False,
            "inverse": True,
            "min": -1,
            "max": max(r for r, _c in positions.values()) + 1,
        },
        "visualMap": {
            "type": "continuous",
            "dimension": 2,
            "seriesIndex": 0,
            "orient": "horizontal",
            "left": "center",
            "bottom": 5,
            "calculable": True,
            "min": min(values, default=0),
            "max": max(values, default=1),
            "inRange": {"color": colours},
            "text": ["", ""],
        },
        "series": [
            {**tile, "name": "value", "data": present},
            {**tile, "name": "no data", "data": missing, "itemStyle": {"color": "#d9d9d9"}},
        ],
    }


def age_pyramid(ages_by_sex: dict[str, Counter[int]], *, female: str, male: str) -> dict[str, Any]:
    """Five-year age bands; women to the left, men to the right."""
    bands = [(low, low + 4) for low in range(20, 80, 5)]
    labels = [f"{low}–{high}" for low, high in bands]

    def counts(sex: str) -> list[int]:
        ages = ages_by_sex.get(sex, Counter())
        return [sum(n for age, n in ages.items() if low <= age <= high) for low, high in bands]

    women = [-n for n in counts("F")]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [female, male]},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": labels},
        "color": [PALETTE[1], PALETTE[0]],
        "series": [
            {"name": female, "type": "bar", "stack": "sex", "data": women},
            {"name": male, "type": "bar", "stack": "sex", "data": counts("M")},
        ],
    }


def equipment_age_bars(rows: list[tuple[str, int, int, int]], labels: tuple[str, str, str]) -> dict[str, Any]:
    """Stacked bars per kind: units up to 5, 6–10 and over 10 years old."""
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": list(labels)},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": [r[0] for r in rows], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "color": ["#2c7fb8", "#fdcc8a", "#d7301f"],
        "series": [
            {"name": labels[i], "type": "bar", "stack": "age", "data": [r[i + 1] for r in rows]} for i in range(3)
        ],
    }


def utilisation_heatmap(facilities: list[str], kinds: list[str], cells: list[tuple[int, int, float]]) -> dict[str, Any]:
    """Utilisation (%) of each kind of equipment at each facility."""
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 10, "right": 20, "top": 10, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "data": kinds, "splitArea": {"show": True}, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "category", "data": facilities, "splitArea": {"show": True}},
        "visualMap": {
            "min": 0,
            "max": 100,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "inRange": {"color": ["#d7301f", "#ffffbf", "#1a9850"]},
        },
        "series": [{"type": "heatmap", "data": [[k, f, round(v)] for f, k, v in cells], "label": {"show": True}}],
    }


def forecast_lines(p: Projection, *, stock: str, with_intake: str, target: str) -> dict[str, Any]:
    years = [str(y) for y in p.years]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [stock, with_intake, target]},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value"},
        "color": [PALETTE[1], PALETTE[0], "#555"],
        "series": [
            {"name": stock, "type": "line", "data": [round(v, 1) for v in p.stock]},
            {"name": with_intake, "type": "line", "data": [round(v, 1) for v in p.with_intake]},
            {
                "name": target,
                "type": "line",
                "data": [round(p.target, 1)] * len(years),
                "lineStyle": {"type": "dashed"},
                "symbol": "none",
            },
        ],
    }


def bars(labels: list[str], values: list[float | None], *, horizontal: bool = True) -> dict[str, Any]:
    category = {"type": "category", "data": labels, "inverse": horizontal}
    value_axis = {"type": "value"}
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 10, "right": 30, "top": 10, "bottom": 10, "containLabel": True},
        "xAxis": value_axis if horizontal else category,
        "yAxis": category if horizontal else value_axis,
        "series": [
            {
                "type": "bar",
                "data": [None if v is None else round(v, 2) for v in values],
                "label": {"show": True, "position": "right" if horizontal else "top"},
            }
        ],
    }
