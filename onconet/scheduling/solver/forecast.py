"""Forecast-aware admission (contract v2): foreign courses take only capacity that forecast domestic arrivals will
not need, in at least a share `protection` of plausible futures.

The method: sampled arrival scenarios, placed as phantom domestic courses.

1. Draw `SCENARIOS` futures from the forecast: for each class and each week from `start_date + lead_days` on, a
   Poisson number of arrivals with the class's `per_week` mean, each ready on a working day of that week (uniform;
   the first open day of the week when a week has no working day). Only arrivals ready before the last day that
   any new foreign course could still occupy matter (a later one cannot be delayed by a foreign course) and only
   those are drawn.
2. In each future, place its phantom courses first come, first served (by ready date, urgent first on a tie), each
   at its earliest start, into what the courses under way and the known domestic plan (the reference plan of the
   guarantee) leave — machines, beams and consecutive open days exactly as for real courses.
3. Keep ⌈protection × SCENARIOS⌉ futures and let the others go: a greedy pass over the foreign requests (most
   value per minute first) places each where it fits beside the phantoms of the most futures still held, letting go
   of the futures it would break while enough remain (`choose_futures`); of those held, the lightest (least demand
   in minutes) are kept. Protect, on every machine-day and beam-day, the largest number of minutes that the phantoms
   of any kept future use there. Foreign courses may only use capacity outside that envelope (and, as always,
   within the domestic reserve).

Why it is sound. Take any kept future s and its phantom placement P_s, computed without new foreign courses. Every
admitted foreign minute lies outside the envelope, which covers P_s on every machine-day and beam-day, so the known
courses, the foreign courses and P_s together stay within every capacity: P_s is still a valid placement. And first
come, first served with more minutes booked can only find starts that are no earlier, while P_s's own starts are
still free — so with the foreign courses admitted, every phantom of s starts exactly where it would without them:
no later. This holds for all admitted foreign courses together (not just one at a time, which the contract asks)
in every kept future, that is in at least a share `protection` of the drawn futures (which ones are let go is
chosen for the foreign requests, but never more than the protection level allows). The drawn futures are a sample
of the Poisson model, so "plausible futures" is meant in the sample's sense; more scenarios tighten the estimate at
the cost of time. The joint phase of CP-SAT, which moves known domestic courses earlier to make room for foreign
ones, is off with a forecast: a domestic course moved earlier could take capacity P_s counted on.

The draw is seeded from the solver's seed, so plans stay reproducible byte for byte.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np

from .calendar import Calendar, IntArray, Usage
from .greedy import earliest_day, latest_day
from .instance import Course, Forecast, Instance

SCENARIOS = 12


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by inversion (Python's `random` is reproducible across platforms and versions)."""
    if mean <= 0:
        return 0
    if mean > 500:  # exp(-mean) underflows; the normal approximation is exact enough this far out
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    u = rng.random()
    k, p = 0, math.exp(-mean)
    cumulative = p
    while u > cumulative and k < 10 * mean + 50:
        k += 1
        p *= mean / k
        cumulative += p
    return k


def last_foreign_day(calendar: Calendar, foreign: Sequence[int]) -> int:
    """The last horizon day that any of these foreign courses could occupy (-1 when none can start)."""
    instance = calendar.instance
    last = -1
    for ci in foreign:
        course = instance.courses[ci]
        hi = latest_day(calendar, course)
        for mi in calendar.eligible(course):
            od = calendar.open_days[mi]
            if not len(od):
                continue
            k = int(np.searchsorted(od, hi, side="right")) - 1 + course.fractions - 1
            last = max(last, int(od[min(max(k, 0), len(od) - 1)]))
    return last


def draw(instance: Instance, forecast: Forecast, until: int, rng: random.Random) -> list[tuple[int, int]]:
    """One future: (ready day, class index) of each forecast arrival ready on or before day `until`."""
    arrivals: list[tuple[int, int]] = []
    week_start = forecast.lead_days
    while week_start <= until:
        days = range(week_start, min(week_start + 7, instance.days))
        working = [d for d in days if instance.date(d).weekday() < 5 and instance.date(d) not in instance.holidays]
        for k, cls in enumerate(forecast.classes):
            for _ in range(poisson(rng, cls.per_week)):
                day = rng.choice(working) if working else week_start
                if day <= until:
                    arrivals.append((day, k))
        week_start += 7
    arrivals.sort(key=lambda a: (a[0], forecast.classes[a[1]].urgency, a[1]))
    return arrivals


def choose_futures(
    calendar: Calendar,
    usage: Usage,
    foreign: Sequence[int],
    uses: list[tuple[list[IntArray], list[IntArray]]],
    keep: int,
) -> list[int]:
    """The futures that may not be let go (at least `keep` of them; the caller keeps the lightest `keep`).

    A greedy pass over the foreign requests (most value per minute first) places each where it fits beside the
    phantoms of the most futures still held; a future that the placement would break is let go while at least
    `keep` remain. Which futures are let go is thus chosen for the foreign courses' sake, and the guarantee is the
    same: every kept future keeps its phantoms' placement."""
    held = list(range(len(uses)))
    if keep >= len(held):
        return held
    instance = calendar.instance
    courses = instance.courses
    cal = calendar
    trial = usage.copy()

    def density(ci: int) -> tuple[float, int]:
        c = courses[ci]
        return (-c.value / max(1, c.first_minutes + c.minutes * (c.fractions - 1)), ci)

    for ci in sorted(foreign, key=density):
        if len(held) <= keep:
            break
        course = courses[ci]
        lo, hi = earliest_day(cal, course), latest_day(cal, course)
        best: tuple[int, int, int, int, list[int]] | None = None  # (-futures, start day, machine, position, futures)
        for mi in cal.eligible(course):
            od = cal.open_days[mi]
            bi = cal.machine_beam[mi]
            free = cal.open_capacity[mi] - trial.domestic[mi] - trial.foreign[mi]
            allowance = np.maximum(0, cal.open_foreign_cap[mi] - trial.domestic[mi]) - trial.foreign[mi]
            fits: dict[int, list[int]] = {}
            for s in held:
                limit = np.minimum(free - uses[s][0][mi], allowance)
                if bi >= 0:
                    limit = np.minimum(limit, (cal.beam_capacity[bi] - trial.beam[bi] - uses[s][1][bi])[od])
                for k in cal.feasible_starts(course, mi, limit, lo, hi):
                    fits.setdefault(int(k), []).append(s)
            for k, where in fits.items():
                key = (-len(where), int(od[k]), mi, k, where)
                if len(where) >= keep and (best is None or key[:4] < best[:4]):
                    best = key
        if best is None:
            continue
        _, _, mi, k, where = best
        held = where
        trial.add(cal.placement(ci, mi, k))
    return held


def protect(calendar: Calendar, usage: Usage, foreign: Sequence[int], seed: int) -> None:
    """Set `usage.protected` and `usage.protected_beam` to the envelope of the kept futures (module docstring)."""
    instance = calendar.instance
    forecast = instance.forecast
    if forecast is None or not forecast.classes:
        return
    until = last_foreign_day(calendar, foreign)
    if until < forecast.lead_days:
        return
    rng = random.Random(f"onconet-forecast/{seed}")
    phantom = [
        Course(
            id=f"forecast-{k}",
            origin="domestic",
            ready_date=instance.start_date,
            fractions=cls.fractions,
            first_minutes=cls.first_minutes,
            minutes=cls.minutes,
            machines=cls.machines,
            urgency=cls.urgency,
        )
        for k, cls in enumerate(forecast.classes)
    ]
    eligible = [calendar.eligible(c) for c in phantom]
    futures: list[tuple[int, int, list[IntArray], list[IntArray]]] = []
    for s in range(SCENARIOS):
        arrivals = draw(instance, forecast, until, rng)
        demand = sum(phantom[k].first_minutes + phantom[k].minutes * (phantom[k].fractions - 1) for _, k in arrivals)
        trial = usage.copy()
        for ready, k in arrivals:
            course = phantom[k]
            best: tuple[int, int, int] | None = None  # (start day, machine, position)
            for mi in eligible[k]:
                od = calendar.open_days[mi]
                starts = calendar.feasible_starts(course, mi, trial.domestic_limit(mi), ready, instance.days - 1)
                if len(starts) and (best is None or int(od[starts[0]]) < best[0]):
                    best = (int(od[starts[0]]), mi, int(starts[0]))
            if best is None:
                continue
            _, mi, pos = best
            loads = np.array([course.load(f) for f in range(course.fractions)], dtype=np.int64)
            trial.domestic[mi][pos : pos + course.fractions] += loads
            bi = calendar.machine_beam[mi]
            if bi >= 0:
                trial.beam[bi][calendar.open_days[mi][pos : pos + course.fractions]] += loads
        machine_use = [t - u for t, u in zip(trial.domestic, usage.domestic, strict=True)]
        beam_use = [t - u for t, u in zip(trial.beam, usage.beam, strict=True)]
        futures.append((demand, s, machine_use, beam_use))
    keep = math.ceil(forecast.protection * SCENARIOS - 1e-9)
    chosen = set(choose_futures(calendar, usage, foreign, [(f[2], f[3]) for f in futures], keep))
    kept = [f for f in sorted(futures, key=lambda f: (f[0], f[1])) if f[1] in chosen][:keep]
    usage.protected = [np.max(np.stack([f[2][mi] for f in kept]), axis=0) for mi in range(len(instance.machines))]
    usage.protected_beam = [np.max(np.stack([f[3][bi] for f in kept]), axis=0) for bi in range(len(instance.beams))]
