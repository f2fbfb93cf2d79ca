"""CP-SAT improvement of a feasible schedule, by windows of time (large-neighbourhood search).

A window frees the courses of one phase (domestic or foreign) that start inside a span of days on a group of
machines, keeps every other course where it is, and lets CP-SAT re-place the freed ones (and unscheduled ones
that could start there) with the current placement as the hint. Windows hold about WINDOW_COURSES courses each
(cut by courses, not by days); budget a pass leaves goes to a pass over windows twice as large. A window's answer
is taken only when its cost is lexicographically no worse, so the schedule never gets worse than its greedy warm
start. Small instances are one window covering everything, solved with exact lexicographic weights, which CP-SAT
can prove optimal; the windows of larger ones search with moderate weights (`search_weights`).

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
# Start options per course and model: the earliest ones (a course with many eligible machines and a long horizon
# would otherwise bring thousands of options, each with a term per fraction).
MAX_OPTIONS = 150
# Another pass over larger windows runs while at least this share of the budget is left.
MIN_PASS_SHARE = 0.1


@dataclass
class Outcome:
    placed: dict[int, Placement]
    optimal: bool
    deterministic_time: float


@dataclass(frozen=True)
class Phase:
    """What differs between the domestic and the foreign phase."""

    domestic: bool
    cost: Callable[[int, int], Cost]  # (course index, start day) -> lexicographic cost when placed
    penalty: Callable[[int], Cost]  # course index -> lexicographic cost when left out
    limit: Callable[[Usage, int], IntArray]  # minutes left per open position for this phase
    quota_used: Counter[tuple[str, tuple[int, int]]] | None = None
    # Weights of the levels below the first for the windows of a decomposed instance (None: exact lexicographic
    # weights everywhere). See `search_weights`.
    window_weights: tuple[int, ...] | None = None


Cost = tuple[int, ...]  # compared lexicographically: the first component matters most
# CP-SAT works in 64-bit integers; the weighted sum of a window's objective must stay well inside them.
OBJECTIVE_BOUND = 2**60


def lexicographic_weights(costs: Sequence[Sequence[Cost]]) -> tuple[int, ...]:
    """Weights that make a weighted sum order like the tuples, for one model: `costs[i]` are the cost tuples of
    course i's options (its "left out" option among them). A level whose weights would overflow is dropped from the
    bottom (the last components are tie-breaks)."""
    if not costs or not costs[0]:
        return ()
    levels = len(costs[0][0])
    spans = [0] * levels
    for options in costs:
        for level in range(levels):
            values = [c[level] for c in options]
            spans[level] += max(values) - min(values)
    while True:
        weights = [0] * levels
        acc = 0  # the largest change that the levels below can make to the sum
        for level in range(levels - 1, -1, -1):
            weights[level] = acc + 1
            acc += weights[level] * spans[level]
        if acc < OBJECTIVE_BOUND or levels == 1:
            return tuple(weights) + (0,) * (len(costs[0][0]) - levels)
        levels -= 1
        spans = spans[:levels]


def search_weights(costs: Sequence[Sequence[Cost]], below: Sequence[int]) -> tuple[int, ...]:
    """Weights for a window's search: the first level exact (it dominates everything below it), the levels below
    it scalarised with the fixed weights `below`.

    Exact lexicographic weights over four levels reach 10^12 and more, and CP-SAT's search then barely moves from
    its hint (its bounds and its LP see only the top level). A window solved with moderate weights and *accepted
    only when its cost tuple is lexicographically no worse* (see `_accept`) keeps the contract's order and finds
    far better plans within the same budget: on a congested department replayed for half a year, routine courses
    over target fell from hundreds to none."""
    spans = 0
    for options in costs:
        values = [sum(c[level + 1] * w for level, w in enumerate(below)) for c in options]
        spans += max(values) - min(values)
    return (spans + 1, *below)


def _accept(chosen: Sequence[Cost], current: Sequence[Cost], levels: int) -> bool:
    """A window's answer replaces the current placements when the sum of its cost tuples (a course left out costs
    zero: costs are relative to leaving it out) is lexicographically no worse."""
    return _total(chosen, levels) <= _total(current, levels)


def _total(costs: Sequence[Cost], levels: int) -> Cost:
    return tuple(sum(c[level] for c in costs) for level in range(levels))


def weighted(cost: Cost, weights: Sequence[int]) -> int:
    return sum(c * w for c, w in zip(cost, weights, strict=True))


def machine_groups(calendar: Calendar, indices: Sequence[int]) -> list[list[int]]:
    """Machines linked by courses eligible on several of them, or by a shared beam, form a group; groups are solved
    apart."""
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
    for machines in calendar.beam_machines:
        for mi in machines[1:]:
            parent[find(mi)] = find(machines[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for mi in range(len(parent)):
        groups[find(mi)].append(mi)
    return [groups[k] for k in sorted(groups)]


def spans(
    calendar: Calendar, members: Sequence[int], placed: dict[int, Placement], wanted: int, size: int = 0
) -> list[tuple[int, int]]:
    """Windows of days [lo, hi) that each hold about `size` (default WINDOW_COURSES) of `members` (by their current
    start day, or the day they are ready when not placed), overlapping by half; none when `wanted` (the members that
    can change) is 0.

    Cut by courses, not by days: in a plan made each week most known courses start in its first weeks and the rest
    of the horizon is nearly empty, so windows of equal length would be one model too large to improve and many
    empty ones."""
    if not members or not wanted:
        return []
    days = calendar.instance.days
    courses = calendar.instance.courses
    anchors = sorted(placed[ci].start_day if ci in placed else earliest_day(calendar, courses[ci]) for ci in members)
    size = size or WINDOW_COURSES
    step = max(1, size // 2)
    result: list[tuple[int, int]] = []
    for i in range(0, len(anchors), step):
        lo = anchors[i] if result else 0
        end = i + size
        hi = days if end >= len(anchors) else max(lo + 1, anchors[end])
        if result and hi <= result[-1][1] and lo <= result[-1][0]:
            continue
        result.append((lo, hi))
        if hi >= days:
            break
    return result


def _in_window(calendar: Calendar, ci: int, placed: dict[int, Placement], group: set[int], lo: int, hi: int) -> bool:
    """Course `ci` is freed by the window [lo, hi) on `group`: placed there starting inside it, or not placed and
    able to start inside it on one of the group's machines."""
    p = placed.get(ci)
    if p is not None:
        return p.machine in group and lo <= p.start_day < hi
    course = calendar.instance.courses[ci]
    return (
        earliest_day(calendar, course) < hi
        and latest_day(calendar, course) >= lo
        and any(mi in group for mi in calendar.eligible(course))
    )


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
    monolithic = total_terms <= MONOLITHIC_TERMS
    groups = [list(range(len(calendar.instance.machines)))] if monolithic else machine_groups(calendar, indices)
    optimal = monolithic
    spent = 0.0
    size = WINDOW_COURSES
    while True:
        # One pass over windows of `size` courses; the budget a pass leaves (windows proven optimal early) goes to
        # a pass over windows twice as large, which can move courses further.
        windows: list[tuple[list[int], int, int]] = []
        for group in groups:
            if monolithic:
                windows.append((group, 0, days))
                continue
            members = [ci for ci in indices if calendar.eligible(courses[ci])[0] in group]
            windows.extend((group, lo, hi) for lo, hi in spans(calendar, members, placed, len(members), size))
        whole = all(lo == 0 and hi == days for _, lo, hi in windows)
        for w, (group, lo, hi) in enumerate(windows):
            group_set = set(group)
            freed = [ci for ci in indices if _in_window(calendar, ci, placed, group_set, lo, hi)]
            if not freed:
                continue
            share = (budget - spent) / (len(windows) - w)
            window_optimal, seconds = _solve_window(
                calendar, usage, freed, placed, phase, group_set, lo, hi, share, seed, exact=monolithic
            )
            spent += seconds
            optimal = optimal and window_optimal
        if monolithic or whole or budget - spent < MIN_PASS_SHARE * budget:
            break
        size *= 2
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
    *,
    exact: bool,
) -> tuple[bool, float]:
    """`exact`: the model covers the whole instance and is solved with exact lexicographic weights (it can be
    proven optimal); otherwise with `phase.window_weights`, when the phase has them."""
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
    candidates: dict[int, list[tuple[cp_model.IntVar, int, int, int, Cost]]] = {}
    terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    beam_terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    quota_terms: dict[tuple[str, tuple[int, int]], list[cp_model.IntVar]] = defaultdict(list)
    objective: list[tuple[Cost, cp_model.IntVar]] = []
    option_costs: list[list[Cost]] = []
    hint: list[Cost] = []
    hints: list[tuple[int, int]] = []
    truncated = False
    for ci in freed:
        course = courses[ci]
        cur = current.get(ci)
        options: list[tuple[cp_model.IntVar, int, int, int, Cost]] = []
        found: list[tuple[int, int, int]] = []  # (start day, machine, position)
        for mi in calendar.eligible(course):
            if mi not in group:
                continue
            first = max(earliest_day(calendar, course), lo if cur is None or cur.start_day >= lo else cur.start_day)
            last = min(latest_day(calendar, course), hi + slack, days - 1)
            starts = calendar.feasible_starts(course, mi, limits[mi], first, last)
            od = calendar.open_days[mi]
            found.extend((int(od[k]), mi, int(k)) for k in starts)
        if len(found) > MAX_OPTIONS:
            # The earliest starts only (the objective wants courses early); the model no longer covers every
            # placement, so it proves nothing.
            found.sort()
            found = found[:MAX_OPTIONS]
            truncated = True
        if cur is not None and (cur.start_day, cur.machine, cur.pos) not in found:
            found.append((cur.start_day, cur.machine, cur.pos))
        loads = [course.load(f) for f in range(course.fractions)]
        penalty = phase.penalty(ci)
        for start_day, mi, k in found:
            bi = calendar.machine_beam[mi]
            var = model.new_bool_var("")
            cost = _minus(phase.cost(ci, start_day), penalty)
            options.append((var, mi, int(k), start_day, cost))
            for f, load in enumerate(loads):
                terms[(mi, k + f)].append((load, var))
            if bi >= 0:
                for day, load in zip(calendar.open_days[mi][k : k + len(loads)].tolist(), loads, strict=True):
                    beam_terms[(bi, day)].append((load, var))
            objective.append((cost, var))
            hints.append((var.index, int(cur is not None and cur.machine == mi and cur.pos == k)))
            if phase.quota_used is not None:
                quota_terms[(str(course.partner), month_of(calendar, start_day))].append(var)
        if options:
            model.add_at_most_one(v for v, *_ in options)
            candidates[ci] = options
        zero = tuple(0 for _ in phase.penalty(ci))
        option_costs.append([zero, *(objective[-j - 1][0] for j in range(len(options)))])
        if cur is not None:
            hint.append(_minus(phase.cost(ci, cur.start_day), phase.penalty(ci)))
    if exact or phase.window_weights is None:
        weights = lexicographic_weights(option_costs)
    else:
        weights = search_weights(option_costs, phase.window_weights)
    _rows(model, terms, lambda key: int(limits[key[0]][key[1]]))
    _beam_rows(model, beam_terms, {bi: usage.beam_free(bi, not phase.domestic) for bi, _ in beam_terms})
    if phase.quota_used is not None:
        quotas = {p.id: p.max_courses_per_month for p in calendar.instance.partners}
        for key, chosen in quota_terms.items():
            left = quotas[key[0]] - phase.quota_used[key]
            if len(chosen) > left:
                model.add(sum(chosen) <= left)
    _objective_and_hints(model, objective, weights, hints)
    solver = _solver(seed, budget)
    status = solver.solve(model)
    accepted = False
    picked: dict[int, tuple[int, int, Cost]] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        picked = {
            ci: (mi, k, cost)
            for ci in freed
            for var, mi, k, _, cost in candidates.get(ci, [])
            if solver.boolean_value(var)
        }
        accepted = _accept([cost for *_, cost in picked.values()], hint, len(phase.penalty(freed[0])))
    if accepted:
        for ci in freed:
            placed.pop(ci, None)
            if ci in picked:
                placed[ci] = calendar.placement(ci, picked[ci][0], picked[ci][1])
    if phase.quota_used is not None:
        for ci in freed:
            if ci in placed:
                phase.quota_used[(str(courses[ci].partner), month_of(calendar, placed[ci].start_day))] += 1
    for ci in freed:
        if ci in placed:
            usage.add(placed[ci])
    return status == cp_model.OPTIMAL and accepted and not truncated, float(solver.deterministic_time)


# Extra CP-SAT parameters (name → value), for experiments and the benchmark; empty: CP-SAT's defaults.
PARAMETERS: dict[str, object] = {"cp_model_presolve": False}


def _solver(seed: int, budget: float) -> cp_model.CpSolver:
    """One worker, a fixed seed and a deterministic budget: the same model gives the same answer on any machine."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(0.01, budget)
    for name, value in PARAMETERS.items():
        setattr(solver.parameters, name, value)
    return solver


def _minus(a: Cost, b: Cost) -> Cost:
    return tuple(x - y for x, y in zip(a, b, strict=True))


def _beam_rows(
    model: cp_model.CpModel,
    beam_terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]],
    free: dict[int, IntArray],
) -> None:
    """Beams (v2): the minutes of the freed courses on one beam's machines on one day ≤ what the beam has left."""
    _rows(model, beam_terms, lambda key: int(free[key[0]][key[1]]))


def _rows(
    model: cp_model.CpModel,
    terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]],
    cap: Callable[[tuple[int, int]], int],
) -> None:
    """Σ load × chosen ≤ cap for each key whose loads could exceed it (weighted sums: fast to build)."""
    for key, row in terms.items():
        limit = cap(key)
        loads = [load for load, _ in row]
        if sum(loads) > limit:
            model.add(cp_model.LinearExpr.weighted_sum([v for _, v in row], loads) <= limit)


def _objective_and_hints(
    model: cp_model.CpModel,
    objective: list[tuple[Cost, cp_model.IntVar]],
    weights: Sequence[int],
    hints: list[tuple[int, int]],
) -> None:
    model.minimize(
        cp_model.LinearExpr.weighted_sum([v for _, v in objective], [weighted(c, weights) for c, _ in objective])
    )
    model.model_proto.solution_hint.vars.extend([index for index, _ in hints])
    model.model_proto.solution_hint.values.extend([value for _, value in hints])


@dataclass(frozen=True)
class Joint:
    """The joint phase: foreign courses re-placed together with the domestic ones, which may only move earlier.

    `latest_start[ci]` is each domestic course's start day in the domestic-only plan (the guarantee: never later);
    `foreign_cost` and `domestic_cost` are the objective terms of a placement (foreign value dominates)."""

    latest_start: dict[int, int]
    foreign_cost: Callable[[int, int], Cost]
    domestic_cost: Callable[[int, int], Cost]
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
        movable = [ci for ci in domestic if ci in placed and placed[ci].machine in group]
        windows.extend((group, lo, hi) for lo, hi in spans(calendar, [*members, *movable], placed, len(members)))
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
        freed_foreign = [ci for ci in foreign if _in_window(calendar, ci, placed, group_set, lo, hi)]
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
    beam_terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    quota_terms: dict[tuple[str, tuple[int, int]], list[cp_model.IntVar]] = defaultdict(list)
    objective: list[tuple[Cost, cp_model.IntVar]] = []
    option_costs: list[list[Cost]] = []
    hint: list[Cost] = []
    hints: list[tuple[int, int]] = []
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
            bi = calendar.machine_beam[mi]
            od = calendar.open_days[mi]
            for k in starts:
                start_day = int(od[k])
                var = model.new_bool_var("")
                options.append((var, mi, int(k)))
                terms = dom_terms if course.domestic else for_terms
                for f in range(course.fractions):
                    terms[(mi, int(k) + f)].append((course.load(f), var))
                    if bi >= 0:
                        beam_terms[(bi, int(od[int(k) + f]))].append((course.load(f), var))
                cost = joint.domestic_cost(ci, start_day) if course.domestic else joint.foreign_cost(ci, start_day)
                objective.append((cost, var))
                hints.append((var.index, int(cur is not None and cur.machine == mi and cur.pos == k)))
                if not course.domestic:
                    quota_terms[(str(course.partner), month_of(calendar, start_day))].append(var)
        if course.domestic:
            model.add_exactly_one(v for v, *_ in options)  # scheduled in the domestic-only plan: stays scheduled
        elif options:
            model.add_at_most_one(v for v, *_ in options)
        candidates[ci] = options
        costs = [objective[-j - 1][0] for j in range(len(options))]
        if not course.domestic and costs:
            costs.append(tuple(0 for _ in costs[0]))  # left out
        option_costs.append(costs)
        if cur is not None:
            hint.append(
                joint.domestic_cost(ci, cur.start_day) if course.domestic else joint.foreign_cost(ci, cur.start_day)
            )
    option_costs = [c for c in option_costs if c]
    weights = lexicographic_weights(option_costs)
    hint_cost = sum(weighted(c, weights) for c in hint)
    _beam_rows(model, beam_terms, {bi: usage.beam_free(bi) for bi, _ in beam_terms})
    cap = calendar.open_foreign_cap
    for key in set(dom_terms) | set(for_terms):
        mi, pos = key
        dom_row, for_row = dom_terms.get(key, []), for_terms.get(key, [])
        both = dom_row + for_row
        total = cp_model.LinearExpr.weighted_sum([v for _, v in both], [load for load, _ in both])
        if sum(load for load, _ in both) > int(free[mi][pos]):
            model.add(total <= int(free[mi][pos]))
        if not for_row and not usage.foreign[mi][pos]:
            continue
        # Domestic reserve: foreign minutes ≤ max(0, foreign cap − domestic minutes) on the machine-day.
        other_foreign, other_domestic = int(usage.foreign[mi][pos]), int(usage.domestic[mi][pos])
        allowance = int(cap[mi][pos]) - other_foreign - other_domestic
        foreign_sum = cp_model.LinearExpr.weighted_sum([v for _, v in for_row], [load for load, _ in for_row])
        if other_foreign > 0:
            model.add(total <= allowance)
        else:
            used = model.new_bool_var("")
            model.add(foreign_sum == 0).only_enforce_if(used.Not())
            model.add(total <= allowance).only_enforce_if(used)
    quotas = {p.id: p.max_courses_per_month for p in calendar.instance.partners}
    for quota_key, chosen in quota_terms.items():
        left = quotas[quota_key[0]] - joint.quota_used[quota_key]
        if len(chosen) > left:
            model.add(sum(chosen) <= left)
    _objective_and_hints(model, objective, weights, hints)
    solver = _solver(seed, budget)
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
