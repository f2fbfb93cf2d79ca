"""Instance → plan: the domestic-first procedure of the contract, with either solver.

1. Domestic courses are scheduled on their own (foreign courses, even those under way, do not exist in this
   phase). The result *is* the plan of the instance with every foreign course removed.
2. Courses of foreign patients already under way are laid over it; if they do not fit, the plan is
   `infeasible` (their minutes are listed) and no other foreign course is admitted.
3. Foreign courses are admitted into what is left, within the domestic reserve and the partners' quotas.

The plan carries the guarantee check: every domestic course scheduled in phase 1 must be scheduled, no later,
in the final plan. A plan that fails it raises `GuaranteeBroken` instead of being written.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from . import cpsat, greedy
from .calendar import Calendar, Placement, Usage
from .instance import PLAN_FORMAT, URGENCY_WEIGHTS, Instance

SOLVERS = ("cpsat", "greedy")
DEFAULT_TIME_LIMIT = 10.0
DOMESTIC_SHARE = 0.7  # of the time limit; must not depend on the foreign courses (see module docstring)


class GuaranteeBroken(RuntimeError):
    """A plan would delay a domestic course: a bug, never an output."""


@dataclass
class Schedule:
    placed: dict[int, Placement]
    status: str
    conflicts: list[str]
    deterministic_time: float


def solve(
    instance: Instance,
    solver: str = "cpsat",
    time_limit: float = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    stats: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The plan of `instance`. `stats`, when given, receives wall-clock seconds (`first_feasible_seconds`: the
    complete warm-start plan; `wall_seconds`), which stay out of the plan so that plans are reproducible."""
    began = time.perf_counter()
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; use one of {', '.join(SOLVERS)}")
    calendar = Calendar(instance)
    courses = instance.courses
    domestic = [i for i, c in enumerate(courses) if c.domestic and c.fixed is None]
    foreign = [i for i, c in enumerate(courses) if not c.domestic and c.fixed is None]
    usage = Usage(calendar)
    placed: dict[int, Placement] = {}
    for i, c in enumerate(courses):
        if c.domestic and c.fixed is not None:
            placed[i] = calendar.fixed_placement(i)
            usage.add(placed[i])
    seconds = 0.0
    optimal = True
    warm_start = 0.0

    # Phase 1: domestic only.
    if solver == "greedy":
        placed.update(greedy.place_domestic(calendar, usage, greedy.fcfs_order(courses, domestic)))
    else:
        best_usage, best = usage, {}
        best_key: tuple[int, int] | None = None
        for order in greedy.priority_orders(courses, domestic):
            trial = usage.copy()
            result = greedy.place_domestic(calendar, trial, order)
            key = (-len(result), _weighted_wait(instance, result))
            if best_key is None or key < best_key:
                best_key, best, best_usage = key, result, trial
        usage = best_usage
        warm_start = time.perf_counter() - began  # a valid plan exists from here: the warm start, no foreign course
        pre = pre_ready(instance, domestic)
        penalty = max(URGENCY_WEIGHTS.values()) * (instance.days + pre) * (len(domestic) + 1)
        phase = cpsat.Phase(
            domestic=True,
            cost=lambda ci, day: courses[ci].weight * (day - instance.day(courses[ci].ready_date)),
            penalty=lambda ci: penalty,
            limit=Usage.domestic_limit,
        )
        outcome = cpsat.improve(calendar, usage, domestic, best, phase, time_limit * DOMESTIC_SHARE, seed)
        placed.update(outcome.placed)
        seconds += outcome.deterministic_time
        optimal = optimal and outcome.optimal
    reference = {courses[i].id: p for i, p in placed.items() if courses[i].domestic}
    reference_start = {i: placed[i].start_day for i in domestic if i in placed}

    # Phase 2: foreign courses under way, then new ones.
    first_feasible = warm_start if solver == "cpsat" else time.perf_counter() - began
    conflicts: list[str] = []
    for i, c in enumerate(courses):
        if not c.domestic and c.fixed is not None:
            placed[i] = calendar.fixed_placement(i)
            usage.add(placed[i])
    conflicts = _overloads(calendar, usage)
    if not conflicts and foreign:
        quota_used: Counter[tuple[str, tuple[int, int]]] = Counter(
            (str(courses[i].partner), greedy.month_of(calendar, p.start_day))
            for i, p in placed.items()
            if not courses[i].domestic
        )
        if solver == "greedy":
            placed.update(greedy.place_foreign(calendar, usage, greedy.fcfs_order(courses, foreign), quota_used))
        else:
            choice: tuple[float, dict[int, Placement], Usage, Counter[tuple[str, tuple[int, int]]]] | None = None
            for order in greedy.value_orders(courses, foreign):
                trial, trial_quota = usage.copy(), Counter(quota_used)
                result = greedy.place_foreign(calendar, trial, order, trial_quota)
                value = sum(courses[i].value for i in result)
                if choice is None or value > choice[0]:
                    choice = (value, result, trial, trial_quota)
            assert choice is not None
            _, result, usage, quota_used = choice
            scale = instance.days * (len(foreign) + 1)
            # Values in cents (a value of 0.50 must count), divided by their common factor to keep coefficients
            # small; `day - days` < 0: admitting a course always beats leaving it out, and earlier beats later.
            # One unit of value outweighs all the day terms together.
            cents = {i: round(courses[i].value * 100) for i in foreign}
            unit = math.gcd(*cents.values()) or 1
            phase = cpsat.Phase(
                domestic=False,
                cost=lambda ci, day: -(cents[ci] // unit) * scale + day - instance.days,
                penalty=lambda ci: 0,
                limit=Usage.foreign_limit,
                quota_used=quota_used,
            )
            share = time_limit * (1 - DOMESTIC_SHARE) / 2
            outcome = cpsat.improve(calendar, usage, foreign, result, phase, share, seed)
            placed.update(outcome.placed)
            seconds += outcome.deterministic_time
            # Joint phase: domestic courses may move earlier (never later than in the domestic-only plan) to make
            # room for more foreign value; one unit of value outweighs every domestic and day term together.
            weights = max(URGENCY_WEIGHTS.values())
            dominance = weights * (instance.days + pre_ready(instance, domestic)) * (len(domestic) + 1) + scale
            joint = cpsat.Joint(
                latest_start=reference_start,
                foreign_cost=lambda ci, day: -(cents[ci] // unit) * dominance + day - instance.days,
                domestic_cost=lambda ci, day: courses[ci].weight * (day - instance.day(courses[ci].ready_date)),
                quota_used=Counter(
                    (str(courses[i].partner), greedy.month_of(calendar, p.start_day))
                    for i, p in outcome.placed.items()
                    if not courses[i].domestic
                )
                + Counter(
                    (str(courses[i].partner), greedy.month_of(calendar, p.start_day))
                    for i, p in placed.items()
                    if not courses[i].domestic and courses[i].fixed is not None
                ),
            )
            mixed = {i: p for i, p in placed.items() if i in reference_start or i in outcome.placed}
            joined = cpsat.improve_joint(calendar, usage, list(reference_start), foreign, mixed, joint, share, seed)
            for i in foreign:
                placed.pop(i, None)
            placed.update(joined.placed)
            seconds += joined.deterministic_time
            optimal = optimal and outcome.optimal and joined.optimal
    if stats is not None:
        stats["first_feasible_seconds"] = first_feasible
        stats["wall_seconds"] = time.perf_counter() - began
    if conflicts:
        status = "infeasible"
    elif solver == "cpsat" and optimal:
        status = "optimal"
    else:
        status = "feasible"
    plan = build_plan(calendar, Schedule(placed, status, conflicts, seconds), solver, usage)
    plan["guarantee"] = guarantee(instance, placed, reference)
    if not plan["guarantee"]["holds"]:
        raise GuaranteeBroken(
            f"domestic courses later than without foreign ones: {plan['guarantee']['later_than_domestic_only']}"
        )
    return plan


def pre_ready(instance: Instance, indices: list[int]) -> int:
    """Days before the horizon that the earliest of these courses became ready (0 when none did)."""
    return max([0, *(-instance.day(instance.courses[i].ready_date) for i in indices)])


def _weighted_wait(instance: Instance, placed: dict[int, Placement]) -> int:
    total = 0
    for ci, p in placed.items():
        course = instance.courses[ci]
        if course.domestic:
            total += course.weight * (_start(instance, ci, p) - instance.day(course.ready_date))
    return total


def _start(instance: Instance, ci: int, p: Placement) -> int:
    fixed = instance.courses[ci].fixed
    return instance.day(fixed.start_date) if fixed is not None else p.start_day


def _overloads(calendar: Calendar, usage: Usage) -> list[str]:
    out: list[str] = []
    instance = calendar.instance
    for mi, machine in enumerate(instance.machines):
        cap = calendar.open_capacity[mi]
        dom, fgn = usage.domestic[mi], usage.foreign[mi]
        allowance = (calendar.open_foreign_cap[mi] - dom).clip(min=0)
        for pos in ((dom + fgn > cap) | (fgn > allowance)).nonzero()[0]:
            date = instance.date(int(calendar.open_days[mi][pos])).isoformat()
            out.append(
                f"{machine.id} {date}: {int(dom[pos])} domestic + {int(fgn[pos])} foreign minutes "
                f"exceed capacity {int(cap[pos])} or the domestic reserve"
            )
    return out


def guarantee(instance: Instance, placed: dict[int, Placement], reference: dict[str, Placement]) -> dict[str, Any]:
    final = {instance.courses[ci].id: (ci, p) for ci, p in placed.items() if instance.courses[ci].domestic}
    index = {c.id: i for i, c in enumerate(instance.courses)}
    later = [
        cid
        for cid, p in reference.items()
        if cid not in final or _start(instance, final[cid][0], final[cid][1]) > _start(instance, index[cid], p)
    ]
    ref_wait = sum(
        instance.courses[index[cid]].weight
        * (_start(instance, index[cid], p) - instance.day(instance.courses[index[cid]].ready_date))
        for cid, p in reference.items()
    )
    return {
        "domestic_only_weighted_wait": ref_wait,
        "domestic_weighted_wait": _weighted_wait(instance, placed),
        "later_than_domestic_only": sorted(later, key=lambda cid: index[cid]),
        "holds": not later,
    }


def percentile(values: list[int], p: float) -> int:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _number(value: float) -> float | int:
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def build_plan(calendar: Calendar, schedule: Schedule, solver: str, usage: Usage) -> dict[str, Any]:
    instance = calendar.instance
    courses = instance.courses
    placed = schedule.placed
    assignments = []
    for ci, course in enumerate(courses):
        p = placed.get(ci)
        if p is None:
            continue
        start = course.fixed.start_date if course.fixed is not None else instance.date(p.start_day)
        assignments.append(
            {
                "course": course.id,
                "machine": instance.machines[p.machine].id,
                "start_date": start.isoformat(),
                "dates": [instance.date(d).isoformat() for d in p.days],
            }
        )
    rejected = [
        {"course": c.id, "reason": _reason(calendar, usage, ci, schedule)}
        for ci, c in enumerate(courses)
        if ci not in placed
    ]
    waits = [
        _start(instance, ci, p) - instance.day(courses[ci].ready_date)
        for ci, p in placed.items()
        if courses[ci].domestic
    ]
    n_domestic = sum(1 for c in courses if c.domestic)
    admitted = [ci for ci in placed if not courses[ci].domestic]
    used = {m.id: 0 for m in instance.machines}
    for p in placed.values():
        used[instance.machines[p.machine].id] += sum(p.loads)
    utilization = {}
    for mi, m in enumerate(instance.machines):
        total = int(calendar.capacity[mi].sum())
        utilization[m.id] = round(used[m.id] / total, 4) if total else 0.0
    return {
        "format": PLAN_FORMAT,
        "solver": solver,
        "status": schedule.status,
        "assignments": assignments,
        "rejected": rejected,
        "metrics": {
            "domestic": {
                "scheduled": len(waits),
                "unscheduled": n_domestic - len(waits),
                "wait_days_mean": round(sum(waits) / len(waits), 2) if waits else 0,
                "wait_days_p50": percentile(waits, 50),
                "wait_days_p95": percentile(waits, 95),
                "weighted_wait": _weighted_wait(instance, placed),
            },
            "foreign": {
                "admitted": len(admitted),
                "rejected": sum(1 for c in courses if not c.domestic) - len(admitted),
                "value": _number(sum(courses[ci].value for ci in admitted)),
            },
            "utilization": utilization,
            # CP-SAT's deterministic time (≈ seconds of one core): wall-clock time would make plans differ.
            "solve_seconds": round(schedule.deterministic_time, 3),
        },
    }


def _reason(calendar: Calendar, usage: Usage, ci: int, schedule: Schedule) -> str:
    instance = calendar.instance
    course = instance.courses[ci]
    machines = ", ".join(course.machines)
    if course.domestic:
        if all(len(calendar.open_days[mi]) < course.fractions for mi in calendar.eligible(course)):
            return f"fewer than {course.fractions} open days on {machines} in the horizon"
        return f"no {course.fractions} consecutive open days with free capacity on {machines} in the horizon"
    if schedule.status == "infeasible":
        more = f" (and {len(schedule.conflicts) - 1} more)" if len(schedule.conflicts) > 1 else ""
        return f"courses already under way do not fit: {schedule.conflicts[0]}{more}; nothing new is admitted"
    assert course.latest_start is not None
    latest = course.latest_start.isoformat()
    if greedy.latest_day(calendar, course) < greedy.earliest_day(calendar, course):
        return f"latest_start {latest} is before the ready date or outside the horizon"
    for mi in calendar.eligible(course):
        starts = calendar.feasible_starts(
            course,
            mi,
            usage.foreign_limit(mi),
            greedy.earliest_day(calendar, course),
            greedy.latest_day(calendar, course),
        )
        if len(starts):
            return f"partner {course.partner} has used its quota of foreign courses in the months it could start"
    return f"no capacity before latest_start {latest} within the domestic reserve"
