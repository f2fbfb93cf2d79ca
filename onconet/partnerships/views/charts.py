"""ECharts option dicts of the partnerships pages."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from onconet.partnerships.models import Delegation, Direction


def delegations_by_year(delegations: Iterable[Delegation]) -> dict[str, Any] | None:
    """Delegations per year of their first day, stacked by direction; None when there are none."""
    by_year: dict[int, Counter[str]] = defaultdict(Counter)
    for d in delegations:
        by_year[d.start_date.year][d.direction] += 1
    years = sorted(by_year)
    if not years:
        return None
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [str(label) for _v, label in Direction.choices]},
        "grid": {"left": 10, "right": 10, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "minInterval": 1},
        "color": ["#1f6fd1", "#f28c28"],
        "series": [
            {"name": str(label), "type": "bar", "stack": "d", "data": [by_year[y][value] for y in years]}
            for value, label in Direction.choices
        ],
    }
