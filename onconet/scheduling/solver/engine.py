"""Instance → plan: the domestic-first procedure of the contract (version 2), with either solver.

0. Courses under way (`fixed`), domestic **and foreign**, are laid on the machines first: they are in every plan,
   the domestic-only reference included (a patient is never taken off a machine mid-course). If they alone overload
   a machine-day or a beam-day, the plan is `infeasible` (the conflicts are listed) and no new foreign course is
   admitted; domestic courses are still scheduled in what capacity is left.
1. Domestic courses are scheduled as if no new foreign course existed, lexicographically: most scheduled, then
   least (weighted) days over their wait targets, then least weighted wait. The result *is* the plan of the instance
   with every foreign course not under way removed — the reference of the guarantee.
2. With a forecast, the capacity that forecast domestic arrivals will need is protected (`forecast.py`).
3. New foreign courses are admitted into what is left, within the domestic reserve, the beams, the partners' quotas
   and the protected capacity, maximising value.

The domestic reserve binds admissions: on a machine-day where a new foreign course is booked, all foreign minutes
(courses under way included) ≤ max(0, (1 − reserve) × capacity − domestic minutes). A course under way was admitted
under it in its time, and domestic courses may use every minute it leaves.

The plan carries the guarantee check: every domestic course scheduled in phase 1 must be scheduled, no later,
in the final plan. A plan that fails it raises `GuaranteeBroken` instead of being written.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import cpsat, forecast, greedy
from .calendar import Calendar, Placement, Usage
from .instance import Instance
from .plan import (
    Assignment,
    DomesticMetrics,
    ForeignMetrics,
    Guarantee,
    Metrics,
    Plan,
    Rejection,
    UrgencyMetrics,
)

SOLVERS = ("cpsat", "greedy")
DEFAULT_TIME_LIMIT = 10.0
OBJECTIVES = ("targets", "weighted-wait")
DOMESTIC_SHARE = 0.7  # of the time limit; must not depend on the foreign courses (see module docstring)
# The windows of a decomposed instance search with (days over target × this + weighted wait) and accept only
# lexicographic improvements (`cpsat.search_weights`); the tie-break level is left to the acceptance test.
WINDOW_WEIGHTS = (20, 1, 0)


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
    *,
    objective: str = "targets",
) -> Plan:
    """The plan of `instance`. `stats`, when given, receives wall-clock seconds (`first_feasible_seconds`: the
    complete warm-start plan; `wall_seconds`), which stay out of the plan so that plans are reproducible.

    `objective="weighted-wait"` is version 1's domestic objective (most scheduled, then least weighted wait, targets
    ignored), kept only as the benchmark's baseline of "today's cpsat"; the contract's is "targets"."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    targets = objective == "targets"
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
        if c.fixed is not None:
            placed[i] = calendar.fixed_placement(i)
            usage.add(placed[i])
    conflicts = _overloads(calendar, usage)
    seconds = 0.0
    optimal = True
    warm_start = 0.0
    fit_cache: dict[tuple[Any, ...], bool] = {}
    over_if_left_out = {ci: _over_if_unscheduled(calendar, ci, fit_cache) for ci in domestic}

    # Phase 1: domestic courses, over the courses under way.
    if solver == "greedy":
        placed.update(greedy.place_domestic(calendar, usage, greedy.fcfs_order(courses, domestic)))
    else:
        best_usage, best = usage, {}
        best_key: tuple[int, int, int] | None = None
        for order in greedy.priority_orders(courses, domestic, instance):
            trial = usage.copy()
            result = greedy.place_domestic(calendar, trial, order)
            key = _domestic_key(instance, result, domestic, over_if_left_out)
            if not targets:
                key = (key[0], 0, key[2])
            if best_key is None or key < best_key:
                best_key, best, best_usage = key, result, trial
        usage = best_usage
        warm_start = time.perf_counter() - began  # a valid plan exists from here: the warm start, no foreign course

        def domestic_cost(ci: int, day: int) -> cpsat.Cost:
            # (left out, days over target, weighted wait, a tie-break: weighted squared wait). The last level only
            # chooses among plans equal on the contract's three, and then prefers the one that spreads the waits
            # (the course that has waited longest goes first) over one that lets a single course wait on and on.
            c = courses[ci]
            wait = day - instance.day(c.ready_date)
            if not targets:
                return (0, 0, c.weight * wait, 0)
            return (0, c.weight * max(0, wait - c.target), c.weight * wait, c.weight * wait * wait)

        phase = cpsat.Phase(
            domestic=True,
            cost=domestic_cost,
            penalty=lambda ci: (1, courses[ci].weight * over_if_left_out[ci] if targets else 0, 0, 0),
            limit=Usage.domestic_limit,
            window_weights=WINDOW_WEIGHTS if targets else None,
        )
        outcome = cpsat.improve(calendar, usage, domestic, best, phase, time_limit * DOMESTIC_SHARE, seed)
        placed.update(outcome.placed)
        seconds += outcome.deterministic_time
        optimal = optimal and outcome.optimal
    reference = {courses[i].id: p for i, p in placed.items() if courses[i].domestic}
    reference_start = {i: placed[i].start_day for i in domestic if i in placed}

    # Phase 2: new foreign courses, into what the domestic plan (and, with a forecast, the forecast) leaves.
    first_feasible = warm_start if solver == "cpsat" else time.perf_counter() - began
    if not conflicts and foreign:
        if instance.forecast is not None:
            forecast.protect(calendar, usage, foreign, seed)
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
            # Values in cents (a value of 0.50 must count), divided by their common factor to keep coefficients
            # small; then earlier beats later (`day - days` < 0: admitting a course beats leaving it out).
            cents = {i: round(courses[i].value * 100) for i in foreign}
            unit = math.gcd(*cents.values()) or 1
            phase = cpsat.Phase(
                domestic=False,
                cost=lambda ci, day: (-(cents[ci] // unit), day - instance.days),
                penalty=lambda ci: (0, 0),
                limit=Usage.foreign_limit,
                quota_used=quota_used,
            )
            joint_allowed = instance.forecast is None
            share = time_limit * (1 - DOMESTIC_SHARE) / (2 if joint_allowed else 1)
            outcome = cpsat.improve(calendar, usage, foreign, result, phase, share, seed)
            placed.update(outcome.placed)
            seconds += outcome.deterministic_time
            optimal = optimal and outcome.optimal
            if joint_allowed:
                # Joint phase: domestic courses may move earlier (never later than in the domestic-only plan) to
                # make room for more foreign value. Not with a forecast: a domestic course moved earlier could take
                # capacity that the protected forecast arrivals were counted on.
                def joint_domestic(ci: int, day: int) -> cpsat.Cost:
                    return (0, *domestic_cost(ci, day)[1:], 0)

                joint = cpsat.Joint(
                    latest_start=reference_start,
                    foreign_cost=lambda ci, day: (-(cents[ci] // unit), 0, 0, 0, day - instance.days),
                    domestic_cost=joint_domestic,
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
                optimal = optimal and joined.optimal
    if stats is not None:
        stats["first_feasible_seconds"] = first_feasible
        stats["wall_seconds"] = time.perf_counter() - began
    if conflicts:
        status = "infeasible"
    elif solver == "cpsat" and optimal:
        status = "optimal"
    else:
        status = "feasible"
    schedule = Schedule(placed, status, conflicts, seconds)
    checked = guarantee(instance, placed, reference)
    if not checked.holds:
        raise GuaranteeBroken(
            f"domestic courses later than without foreign ones: {list(checked.later_than_domestic_only)}"
        )
    return build_plan(calendar, schedule, solver, usage, checked, fit_cache)


def _domestic_key(
    instance: Instance, placed: dict[int, Placement], indices: list[int], over_if_left_out: dict[int, int]
) -> tuple[int, int, int]:
    """The lexicographic domestic objective: (unscheduled, weighted days over target, weighted wait)."""
    courses = instance.courses
    over = 0
    for ci in indices:
        c = courses[ci]
        p = placed.get(ci)
        if p is None:
            over += c.weight * over_if_left_out[ci]
        else:
            over += c.weight * max(0, p.start_day - instance.day(c.ready_date) - c.target)
    return (len(indices) - len(placed), over, _weighted_wait(instance, placed))


def _over_if_unscheduled(calendar: Calendar, ci: int, cache: dict[tuple[Any, ...], bool] | None = None) -> int:
    """Days over target of a course left out: as if it started the day after the horizon, or 0 when its fractions
    cannot fit in the horizon at all (from its ready date, on an otherwise empty calendar)."""
    instance = calendar.instance
    c = instance.courses[ci]
    if not fits_at_all(calendar, ci, cache):
        return 0
    return max(0, instance.days - instance.day(c.ready_date) - c.target)


def fits_at_all(calendar: Calendar, ci: int, cache: dict[tuple[Any, ...], bool] | None = None) -> bool:
    """Whether the course fits somewhere from its ready date to the end of the horizon on an empty calendar."""
    instance = calendar.instance
    course = instance.courses[ci]
    lo = greedy.earliest_day(calendar, course)
    key = (course.machines, course.fractions, course.first_minutes, course.minutes, lo)
    if cache is not None and key in cache:
        return cache[key]
    empty = calendar.empty_limits()
    fits = any(
        len(calendar.feasible_starts(course, mi, empty[mi], lo, instance.days - 1)) for mi in calendar.eligible(course)
    )
    if cache is not None:
        cache[key] = fits
    return fits


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
    """Machine-days and beam-days that the courses under way alone overload."""
    out: list[str] = []
    instance = calendar.instance
    for mi, machine in enumerate(instance.machines):
        cap = calendar.open_capacity[mi]
        dom, fgn = usage.domestic[mi], usage.foreign[mi]
        for pos in (dom + fgn > cap).nonzero()[0]:
            date = instance.date(int(calendar.open_days[mi][pos])).isoformat()
            out.append(
                f"{machine.id} {date}: {int(dom[pos])} domestic + {int(fgn[pos])} foreign minutes "
                f"of courses under way exceed capacity {int(cap[pos])}"
            )
    for bi, beam in enumerate(instance.beams):
        for day in np.flatnonzero(usage.beam[bi] > calendar.beam_capacity[bi]):
            out.append(
                f"beam {beam.id} {instance.date(int(day)).isoformat()}: {int(usage.beam[bi][day])} minutes "
                f"of courses under way exceed its capacity {int(calendar.beam_capacity[bi][day])}"
            )
    return out


def guarantee(instance: Instance, placed: dict[int, Placement], reference: dict[str, Placement]) -> Guarantee:
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
    return Guarantee(
        domestic_only_weighted_wait=ref_wait,
        domestic_weighted_wait=_weighted_wait(instance, placed),
        later_than_domestic_only=tuple(sorted(later, key=lambda cid: index[cid])),
    )


def percentile(values: list[int], p: float) -> int:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _number(value: float) -> float | int:
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def domestic_metrics(
    calendar: Calendar, placed: dict[int, Placement], cache: dict[tuple[Any, ...], bool] | None = None
) -> DomesticMetrics:
    """The plan's `metrics.domestic` (v2: days over target and the metrics of each urgency)."""
    instance = calendar.instance
    courses = instance.courses
    waits: list[int] = []
    by: dict[int, list[int]] = {1: [], 2: [], 3: []}
    over_count = {1: 0, 2: 0, 3: 0}
    over_days = 0
    for ci, c in enumerate(courses):
        if not c.domestic:
            continue
        p = placed.get(ci)
        if p is None:
            over_count[c.urgency] += 1
            over_days += c.weight * _over_if_unscheduled(calendar, ci, cache)
            continue
        wait = _start(instance, ci, p) - instance.day(c.ready_date)
        waits.append(wait)
        by[c.urgency].append(wait)
        if wait > c.target:
            over_count[c.urgency] += 1
            over_days += c.weight * (wait - c.target)
    n_domestic = sum(1 for c in courses if c.domestic)
    return DomesticMetrics(
        scheduled=len(waits),
        unscheduled=n_domestic - len(waits),
        wait_days_mean=round(sum(waits) / len(waits), 2) if waits else 0,
        wait_days_p50=percentile(waits, 50),
        wait_days_p95=percentile(waits, 95),
        weighted_wait=_weighted_wait(instance, placed),
        days_over_target=over_days,
        by_urgency={
            u: UrgencyMetrics(
                scheduled=len(w),
                wait_days_mean=round(sum(w) / len(w), 2) if w else 0,
                wait_days_p95=percentile(w, 95),
                wait_days_max=max(w, default=0),
                over_target=over_count[u],
            )
            for u, w in by.items()
        },
    )


def build_plan(
    calendar: Calendar,
    schedule: Schedule,
    solver: str,
    usage: Usage,
    checked: Guarantee,
    cache: dict[tuple[Any, ...], bool] | None = None,
) -> Plan:
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
            Assignment(
                course=course.id,
                machine=instance.machines[p.machine].id,
                start_date=start,
                dates=tuple(instance.date(d) for d in p.days),
            )
        )
    rejected = tuple(
        Rejection(course=c.id, reason=_reason(calendar, usage, ci, schedule))
        for ci, c in enumerate(courses)
        if ci not in placed
    )
    admitted = [ci for ci in placed if not courses[ci].domestic]
    used = {m.id: 0 for m in instance.machines}
    for p in placed.values():
        used[instance.machines[p.machine].id] += sum(p.loads)
    utilization = {}
    for mi, m in enumerate(instance.machines):
        total = int(calendar.capacity[mi].sum())
        utilization[m.id] = round(used[m.id] / total, 4) if total else 0.0
    return Plan(
        solver=solver,
        status=schedule.status,
        assignments=tuple(assignments),
        rejected=rejected,
        metrics=Metrics(
            domestic=domestic_metrics(calendar, placed, cache),
            foreign=ForeignMetrics(
                admitted=len(admitted),
                rejected=sum(1 for c in courses if not c.domestic) - len(admitted),
                value=_number(sum(courses[ci].value for ci in admitted)),
            ),
            utilization=utilization,
            # CP-SAT's deterministic time (≈ seconds of one core): wall-clock time would make plans differ.
            solve_seconds=round(schedule.deterministic_time, 3),
        ),
        guarantee=checked,
    )


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
    lo, hi = greedy.earliest_day(calendar, course), greedy.latest_day(calendar, course)
    for mi in calendar.eligible(course):
        if len(calendar.feasible_starts(course, mi, usage.foreign_limit(mi), lo, hi)):
            return f"partner {course.partner} has used its quota of foreign courses in the months it could start"
    if instance.forecast is not None:
        unprotected = usage.copy()
        unprotected.protected = [np.zeros_like(a) for a in usage.protected]
        unprotected.protected_beam = [np.zeros_like(a) for a in usage.protected_beam]
        for mi in calendar.eligible(course):
            if len(calendar.feasible_starts(course, mi, unprotected.foreign_limit(mi), lo, hi)):
                return (
                    f"the capacity left before latest_start {latest} is needed by the forecast domestic arrivals "
                    f"(protection {instance.forecast.protection:g})"
                )
    return f"no capacity before latest_start {latest} within the domestic reserve"
