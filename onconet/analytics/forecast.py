"""Workforce projection: pure arithmetic, no database (tested against a worked example).

A region's staff of one specialty is a list of ages in the base year. Each year everyone is a year
older; people leave at the retirement age, and a share `attrition` of those remaining leaves for other
reasons. Trainees who start in year s join in year s + training_years and then leave like everyone else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Projection:
    base_year: int
    years: list[int]  # base_year … base_year + horizon
    stock: list[float]  # expected headcount without new trainees
    target: float
    shortfall_year: int | None  # first year after the base year with stock below target
    arrival_year: int  # when trainees who start this year are ready
    gap_at_arrival: float  # target − stock in the arrival year (≥ 0)
    annual_intake: int  # trainees to start this year, and every year after, to stay at target
    with_intake: list[float]  # stock plus the pipeline of that annual intake
    too_late: bool  # the shortfall begins before this year's trainees can arrive


def project_stock(ages: Sequence[int], *, years_ahead: int, retirement_age: int, attrition: float) -> float:
    """Expected headcount `years_ahead` years from now."""
    stay = (1 - attrition) ** years_ahead
    return sum(stay for age in ages if age + years_ahead < retirement_age)


def project(
    ages: Sequence[int],
    *,
    base_year: int,
    target: float,
    retirement_age: int = 65,
    attrition: float = 0.03,
    training_years: int = 2,
    horizon: int = 10,
) -> Projection:
    """Project a workforce over `horizon` years and size this year's training intake."""
    if not 0 <= attrition < 1:
        raise ValueError("attrition must be in [0, 1)")
    if training_years < 0 or horizon < 1:
        raise ValueError("training_years must be ≥ 0 and horizon ≥ 1")
    steps = range(horizon + 1)
    stock = [project_stock(ages, years_ahead=k, retirement_age=retirement_age, attrition=attrition) for k in steps]
    shortfall = next((base_year + k for k in steps if k > 0 and stock[k] < target - 1e-9), None)
    arrival = min(training_years, horizon)
    gap = max(0.0, target - stock[arrival])

    # A constant intake k started every year from now: in year base+j (j ≥ L) the cohorts started in
    # base … base+j−L are in service, the oldest having spent j−L years after training.
    def pipeline_factor(j: int) -> float:
        return sum((1 - attrition) ** m for m in range(j - training_years + 1)) if j >= training_years else 0.0

    needed = 0.0
    for j in steps:
        factor = pipeline_factor(j)
        if factor > 0 and stock[j] < target:
            needed = max(needed, (target - stock[j]) / factor)
    intake = math.ceil(needed - 1e-9) if needed > 0 else 0
    with_intake = [stock[j] + intake * pipeline_factor(j) for j in steps]
    return Projection(
        base_year=base_year,
        years=[base_year + k for k in steps],
        stock=stock,
        target=target,
        shortfall_year=shortfall,
        arrival_year=base_year + arrival,
        gap_at_arrival=gap,
        annual_intake=intake,
        with_intake=with_intake,
        too_late=shortfall is not None and shortfall < base_year + training_years,
    )
