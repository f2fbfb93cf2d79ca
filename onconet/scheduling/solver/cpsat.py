"""CP-SAT improvement of a feasible schedule, by windows of time (large-neighbourhood search).

A window frees the courses of one phase (domestic or foreign) that start inside a span of days on a group of
machines, keeps every other course where it is, and lets CP-SAT re-place the freed ones (and unscheduled ones
that could start there) with the current placement as the hint. A window's answer is taken only when its
objective is no worse, so the schedule never gets worse than its greedy warm start. Small instances are one
window covering everything, which CP-SAT can prove optimal.

Search is bounded by CP-SAT's deterministic time with one worker and a fixed seed, so the same input gives the
same plan on any machine.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .calendar import Calendar, IntArray, Placement, Usage
from .greedy import earliest_day, latest_day, month_of

# A model with at most this many (candidate × fraction) terms is solved whole.
MONOLITHIC_TERMS = 250_000
# Courses freed per window when the instance is decomposed.
WINDOW_COURSES = 60


@dataclass
class Outcome:
    placed: dict[int, Placement]
    optimal: bool
    deterministic_time: float


@dataclass(frozen=True)
class Phase:
    """What differs between the domestic and the foreign phase."""

    domestic: bool
    cost: Callable[[int, int], int]  # (course index, start day) -> cost when placed
    penalty: Callable[[int], int]  # course index -> cost when left out
    limit: Callable[[Usage, int], IntArray]  # minutes left per open position for this phase
    quota_used: Counter[tuple[str, tuple[int, int]]] | None = None


def machine_groups(calendar: Calendar, indices: Sequence[int]) -> list[list[int]]:
    """Machines linked by courses eligible on several of them form a group; groups are solved apart."""
    parent = list(range(len(calendar.instance.machines)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ci in indices:
        eligible = calendar.eligible(calendar.instance.courses[ci])
        for mi in eligible[1:]:
            parent[find(mi)] = find(eligible[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for mi in range(len(parent)):
        groups[find(mi)].append(mi)
    return [groups[k] for k in sorted(groups)]


def improve(
    calendar: Calendar,
    usage: Usage,
    indices: Sequence[int],
    placed: dict[int, Placement],
    phase: Phase,
    budget: float,
    seed: int,
) -> Outcome:
    """Improve `placed` (courses of `indices`) in place of `usage`; returns the better placements."""
    courses = calendar.instance.courses
    days = calendar.instance.days
    placed = dict(placed)
    total_terms = sum(
        courses[ci].fractions * len(calendar.open_days[mi]) for ci in indices for mi in calendar.eligible(courses[ci])
    )
    windows: list[tuple[list[int], int, int]] = []
    if total_terms <= MONOLITHIC_TERMS:
        windows.append((list(range(len(calendar.instance.machines))), 0, days))
    else:
        for group in machine_groups(calendar, indices):
            members = [ci for ci in indices if calendar.eligible(courses[ci])[0] in group]
            if not members:
                continue
            span = max(2, int(days * WINDOW_COURSES / len(members)))
            step = max(1, span // 2)
            windows.extend((group, t, min(days, t + span)) for t in range(0, days, step))
    if not windows:
        return Outcome(placed, True, 0.0)
    per_window = budget / len(windows)
    optimal = total_terms <= MONOLITHIC_TERMS
    spent = 0.0
    for group, lo, hi in windows:
        group_set = set(group)
        freed = [
            ci
            for ci in indices
            if (ci in placed and placed[ci].machine in group_set and lo <= placed[ci].start_day < hi)
            or (
                ci not in placed
                and earliest_day(calendar, courses[ci]) < hi
                and latest_day(calendar, courses[ci]) >= lo
                and any(mi in group_set for mi in calendar.eligible(courses[ci]))
            )
        ]
        if not freed:
            continue
        window_optimal, seconds = _solve_window(
            calendar, usage, freed, placed, phase, group_set, lo, hi, per_window, seed
        )
        spent += seconds
        optimal = optimal and window_optimal
    return Outcome(placed, optimal, spent)


def _solve_window(
    calendar: Calendar,
    usage: Usage,
    freed: list[int],
    placed: dict[int, Placement],
    phase: Phase,
    group: set[int],
    lo: int,
    hi: int,
    budget: float,
    seed: int,
) -> tuple[bool, float]:
    courses = calendar.instance.courses
    days = calendar.instance.days
    current = {ci: placed[ci] for ci in freed if ci in placed}
    for p in current.values():
        usage.add(p, -1)
        if phase.quota_used is not None:
            phase.quota_used[(str(courses[p.course].partner), month_of(calendar, p.start_day))] -= 1
    slack = max(7, hi - lo)
    limits = {mi: phase.limit(usage, mi) for mi in sorted(group)}
    model = cp_model.CpModel()
    candidates: dict[int, list[tuple[cp_model.IntVar, int, int, int]]] = {}
    terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    quota_terms: dict[tuple[str, tuple[int, int]], list[cp_model.IntVar]] = defaultdict(list)
    objective: list[tuple[int, cp_model.IntVar]] = []
    hint_cost = 0
    for ci in freed:
        course = courses[ci]
        cur = current.get(ci)
        options: list[tuple[cp_model.IntVar, int, int, int]] = []
        for mi in calendar.eligible(course):
            if mi not in group:
                continue
            first = max(earliest_day(calendar, course), lo if cur is None or cur.start_day >= lo else cur.start_day)
            last = min(latest_day(calendar, course), hi + slack, days - 1)
            starts = calendar.feasible_starts(course, mi, limits[mi], first, last)
            if cur is not None and cur.machine == mi and cur.pos not in starts:
                starts = np.sort(np.append(starts, cur.pos))
            for k in starts:
                start_day = int(calendar.open_days[mi][k])
                var = model.new_bool_var(f"x_{ci}_{mi}_{k}")
                options.append((var, mi, int(k), start_day))
                for f in range(course.fractions):
                    terms[(mi, int(k) + f)].append((course.load(f), var))
                cost = phase.cost(ci, start_day) - phase.penalty(ci)
                objective.append((cost, var))
                is_current = cur is not None and cur.machine == mi and cur.pos == k
                model.add_hint(var, is_current)
                if phase.quota_used is not None:
                    quota_terms[(str(course.partner), month_of(calendar, start_day))].append(var)
        if options:
            model.add_at_most_one(v for v, *_ in options)
            candidates[ci] = options
        hint_cost += phase.cost(ci, cur.start_day) - phase.penalty(ci) if cur is not None else 0
    for (mi, pos), row in terms.items():
        cap = int(limits[mi][pos])
        if sum(load for load, _ in row) > cap:
            model.add(sum(load * v for load, v in row) <= cap)
    if phase.quota_used is not None:
        quotas = {p.id: p.max_courses_per_month for p in calendar.instance.partners}
        for key, chosen in quota_terms.items():
            left = quotas[key[0]] - phase.quota_used[key]
            if len(chosen) > left:
                model.add(sum(chosen) <= left)
    model.minimize(sum(c * v for c, v in objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(0.01, budget)
    status = solver.solve(model)
    accepted = False
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value <= hint_cost:
        accepted = True
        for ci in freed:
            placed.pop(ci, None)
            for var, mi, k, _ in candidates.get(ci, []):
                if solver.boolean_value(var):
                    placed[ci] = calendar.placement(ci, mi, k)
    if phase.quota_used is not None:
        for ci in freed:
            if ci in placed:
                phase.quota_used[(str(courses[ci].partner), month_of(calendar, placed[ci].start_day))] += 1
    for ci in freed:
        if ci in placed:
            usage.add(placed[ci])
    return status == cp_model.OPTIMAL and accepted, float(solver.deterministic_time)


@dataclass(frozen=True)
class Joint:
    """The joint phase: foreign courses re-placed together with the domestic ones, which may only move earlier.

    `latest_start[ci]` is each domestic course's start day in the domestic-only plan (the guarantee: never later);
    `foreign_cost` and `domestic_cost` are the objective terms of a placement (foreign value dominates)."""

    latest_start: dict[int, int]
    foreign_cost: Callable[[int, int], int]
    domestic_cost: Callable[[int, int], int]
    quota_used: Counter[tuple[str, tuple[int, int]]]


def improve_joint(
    calendar: Calendar,
    usage: Usage,
    domestic: Sequence[int],
    foreign: Sequence[int],
    placed: dict[int, Placement],
    joint: Joint,
    budget: float,
    seed: int,
) -> Outcome:
    """Windows over time × machine group where the domestic courses starting in the window may move earlier (never
    later than in the domestic-only plan) to make room for foreign ones. Accepted only when no worse."""
    courses = calendar.instance.courses
    days = calendar.instance.days
    placed = dict(placed)
    windows: list[tuple[list[int], int, int]] = []
    total_terms = sum(
        courses[ci].fractions * len(calendar.open_days[mi])
        for ci in [*domestic, *foreign]
        for mi in calendar.eligible(courses[ci])
    )
    if total_terms <= MONOLITHIC_TERMS:
        windows.append((list(range(len(calendar.instance.machines))), 0, days))
    for group in machine_groups(calendar, [*domestic, *foreign]) if not windows else []:
        members = [ci for ci in foreign if calendar.eligible(courses[ci])[0] in group]
        if not members:
            continue
        movable = sum(1 for ci in domestic if ci in placed and placed[ci].machine in group)
        span = max(2, int(days * WINDOW_COURSES / max(1, len(members) + movable)))
        step = max(1, span // 2)
        windows.extend((group, t, min(days, t + span)) for t in range(0, days, step))
    if not windows:
        return Outcome(placed, True, 0.0)
    per_window = budget / len(windows)
    spent = 0.0
    optimal = total_terms <= MONOLITHIC_TERMS
    for group, lo, hi in windows:
        group_set = set(group)
        freed_domestic = [
            ci
            for ci in domestic
            if ci in placed and placed[ci].machine in group_set and lo <= placed[ci].start_day < hi
        ]
        freed_foreign = [
            ci
            for ci in foreign
            if (ci in placed and placed[ci].machine in group_set and lo <= placed[ci].start_day < hi)
            or (
                ci not in placed
                and earliest_day(calendar, courses[ci]) < hi
                and latest_day(calendar, courses[ci]) >= lo
                and any(mi in group_set for mi in calendar.eligible(courses[ci]))
            )
        ]
        if not freed_foreign:
            continue
        window_optimal, seconds = _solve_joint_window(
            calendar, usage, freed_domestic, freed_foreign, placed, joint, group_set, lo, hi, per_window, seed
        )
        spent += seconds
        optimal = optimal and window_optimal
    return Outcome(placed, optimal, spent)


def _solve_joint_window(
    calendar: Calendar,
    usage: Usage,
    freed_domestic: list[int],
    freed_foreign: list[int],
    placed: dict[int, Placement],
    joint: Joint,
    group: set[int],
    lo: int,
    hi: int,
    budget: float,
    seed: int,
) -> tuple[bool, float]:
    courses = calendar.instance.courses
    days = calendar.instance.days
    freed = [*freed_domestic, *freed_foreign]
    current = {ci: placed[ci] for ci in freed if ci in placed}
    for p in current.values():
        usage.add(p, -1)
        if not courses[p.course].domestic:
            joint.quota_used[(str(courses[p.course].partner), month_of(calendar, p.start_day))] -= 1
    slack = max(7, hi - lo)
    free = {mi: usage.domestic_limit(mi) for mi in sorted(group)}  # capacity − every other course's minutes
    model = cp_model.CpModel()
    candidates: dict[int, list[tuple[cp_model.IntVar, int, int]]] = {}
    dom_terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for_terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    quota_terms: dict[tuple[str, tuple[int, int]], list[cp_model.IntVar]] = defaultdict(list)
    objective: list[tuple[int, cp_model.IntVar]] = []
    hint_cost = 0
    for ci in freed:
        course = courses[ci]
        cur = current.get(ci)
        options: list[tuple[cp_model.IntVar, int, int]] = []
        for mi in calendar.eligible(course):
            if mi not in group:
                continue
            first = max(earliest_day(calendar, course), lo if cur is None or cur.start_day >= lo else cur.start_day)
            if course.domestic:
                first = earliest_day(calendar, course)
                last = min(joint.latest_start[ci], hi + slack, days - 1)
            else:
                last = min(latest_day(calendar, course), hi + slack, days - 1)
            starts = calendar.feasible_starts(course, mi, free[mi], first, last)
            if cur is not None and cur.machine == mi and cur.pos not in starts:
                starts = np.sort(np.append(starts, cur.pos))
            for k in starts:
                start_day = int(calendar.open_days[mi][k])
                var = model.new_bool_var(f"x_{ci}_{mi}_{k}")
                options.append((var, mi, int(k)))
                terms = dom_terms if course.domestic else for_terms
                for f in range(course.fractions):
                    terms[(mi, int(k) + f)].append((course.load(f), var))
                cost = joint.domestic_cost(ci, start_day) if course.domestic else joint.foreign_cost(ci, start_day)
                objective.append((cost, var))
                model.add_hint(var, cur is not None and cur.machine == mi and cur.pos == k)
                if not course.domestic:
                    quota_terms[(str(course.partner), month_of(calendar, start_day))].append(var)
        if course.domestic:
            model.add_exactly_one(v for v, *_ in options)  # scheduled in the domestic-only plan: stays scheduled
        elif options:
            model.add_at_most_one(v for v, *_ in options)
        candidates[ci] = options
        if cur is not None:
            hint_cost += (
                joint.domestic_cost(ci, cur.start_day) if course.domestic else joint.foreign_cost(ci, cur.start_day)
            )
    cap = calendar.open_foreign_cap
    for key in set(dom_terms) | set(for_terms):
        mi, pos = key
        dom_row, for_row = dom_terms.get(key, []), for_terms.get(key, [])
        total = sum(load * v for load, v in dom_row) + sum(load * v for load, v in for_row)
        if sum(load for load, _ in dom_row) + sum(load for load, _ in for_row) > int(free[mi][pos]):
            model.add(total <= int(free[mi][pos]))
        if not for_row and not usage.foreign[mi][pos]:
            continue
        # Domestic reserve: foreign minutes ≤ max(0, foreign cap − domestic minutes) on the machine-day.
        other_foreign, other_domestic = int(usage.foreign[mi][pos]), int(usage.domestic[mi][pos])
        allowance = int(cap[mi][pos]) - other_foreign - other_domestic
        foreign_sum = sum(load * v for load, v in for_row)
        if other_foreign > 0:
            model.add(total <= allowance)
        else:
            used = model.new_bool_var(f"f_{mi}_{pos}")
            model.add(foreign_sum == 0).only_enforce_if(used.Not())
            model.add(total <= allowance).only_enforce_if(used)
    quotas = {p.id: p.max_courses_per_month for p in calendar.instance.partners}
    for quota_key, chosen in quota_terms.items():
        left = quotas[quota_key[0]] - joint.quota_used[quota_key]
        if len(chosen) > left:
            model.add(sum(chosen) <= left)
    model.minimize(sum(c * v for c, v in objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(0.01, budget)
    status = solver.solve(model)
    accepted = status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value <= hint_cost
    if accepted:
        for ci in freed:
            placed.pop(ci, None)
            for var, mi, k in candidates.get(ci, []):
                if solver.boolean_value(var):
                    placed[ci] = calendar.placement(ci, mi, k)
    for ci in freed:
        if ci in placed:
            usage.add(placed[ci])
            if not courses[ci].domestic:
                joint.quota_used[(str(courses[ci].partner), month_of(calendar, placed[ci].start_day))] += 1
    return status == cp_model.OPTIMAL and accepted, float(solver.deterministic_time)
