"""An independent check of a plan against its instance, straight from the two JSON documents.

Nothing here shares code with the solvers: capacities, open days, loads and metrics are recomputed with plain
loops from the contract's text, so a bug in the solver's arrays cannot hide itself. `verify` returns the list of
violations (empty when the plan is right).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from fractions import Fraction
from typing import Any

WEIGHTS = {1: 10, 2: 3, 3: 1}


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def verify(instance: dict[str, Any], plan: dict[str, Any], reference: dict[str, Any] | None = None) -> list[str]:
    """Violations of the contract by `plan`; `reference` is the plan of the instance without foreign courses."""
    errors: list[str] = []
    start = _d(instance["start_date"])
    end = start + dt.timedelta(days=instance["days"] - 1)
    holidays = {_d(h) for h in instance.get("holidays", [])}
    reserve = Fraction(str(instance.get("domestic_reserve", 0)))
    machines = {m["id"]: m for m in instance["machines"]}
    partners = {p["id"]: p["max_courses_per_month"] for p in instance.get("partners", [])}
    courses = {c["id"]: c for c in instance["courses"]}

    def capacity(mid: str, date: dt.date) -> int:
        if date in holidays or not start <= date <= end:
            return 0
        m = machines[mid]
        down = sum(b["minutes"] for b in m.get("downtime", []) if _d(b["date"]) == date)
        return max(0, m["minutes_per_weekday"][date.weekday()] - down)

    def next_open(mid: str, date: dt.date) -> dt.date | None:
        while date <= end:
            if capacity(mid, date) > 0:
                return date
            date += dt.timedelta(days=1)
        return None

    if plan.get("format") != "onconet-plan/1":
        errors.append(f"plan format is {plan.get('format')!r}")
    if plan.get("status") not in ("optimal", "feasible", "infeasible"):
        errors.append(f"unknown status {plan.get('status')!r}")
    feasible = plan.get("status") != "infeasible"

    seen: Counter[str] = Counter()
    used: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])  # domestic, foreign minutes
    starts: dict[str, dt.date] = {}
    new_domestic: set[tuple[str, dt.date]] = set()  # machine-days with a fraction of a domestic course not under way
    for a in plan["assignments"]:
        cid = a["course"]
        seen[cid] += 1
        c = courses.get(cid)
        if c is None:
            errors.append(f"assignment of unknown course {cid}")
            continue
        mid = a["machine"]
        if mid not in c["machines"]:
            errors.append(f"{cid}: machine {mid} is not eligible")
            continue
        first = _d(a["start_date"])
        starts[cid] = first
        dates = [_d(x) for x in a["dates"]]
        fixed = c.get("fixed")
        if fixed:
            if mid != fixed["machine"] or first != _d(fixed["start_date"]):
                errors.append(f"{cid}: a course under way was moved")
            offset, count = fixed["delivered"], c["fractions"] - fixed["delivered"]
            expected: list[dt.date] = []
            day = next_open(mid, max(first, start))
            while day is not None and len(expected) < count:
                expected.append(day)
                day = next_open(mid, day + dt.timedelta(days=1))
            if dates != expected:
                errors.append(f"{cid}: a course under way must continue on the next open days")
        else:
            offset = 0
            if first < _d(c["ready_date"]):
                errors.append(f"{cid}: starts {first} before its ready date {c['ready_date']}")
            if first < start:
                errors.append(f"{cid}: starts before the horizon")
            if c["origin"] == "foreign" and first > _d(c["latest_start"]):
                errors.append(f"{cid}: starts {first} after latest_start {c['latest_start']}")
            if len(dates) != c["fractions"]:
                errors.append(f"{cid}: {len(dates)} dates for {c['fractions']} fractions")
            if not dates or dates[0] != first:
                errors.append(f"{cid}: first date is not the start date")
            for prev, nxt in itertools.pairwise(dates):
                if next_open(mid, prev + dt.timedelta(days=1)) != nxt:
                    errors.append(f"{cid}: fractions on {prev} and {nxt} are not on consecutive open days of {mid}")
        for j, date in enumerate(dates):
            if capacity(mid, date) <= 0:
                errors.append(f"{cid}: fraction on {date}, a day {mid} is closed or outside the horizon")
            minutes = c["first_minutes"] if offset + j == 0 else c["minutes"]
            used[(mid, date)][0 if c["origin"] == "domestic" else 1] += minutes
            if c["origin"] == "domestic" and not fixed:
                new_domestic.add((mid, date))

    for r in plan["rejected"]:
        seen[r["course"]] += 1
        c = courses.get(r["course"])
        if c is None:
            errors.append(f"rejection of unknown course {r['course']}")
        elif c.get("fixed"):
            errors.append(f"{r['course']}: a course under way was rejected")
        if not r.get("reason"):
            errors.append(f"{r['course']}: rejected without a reason")
    for cid in courses:
        if seen[cid] != 1:
            errors.append(f"{cid}: appears {seen[cid]} times in assignments and rejections")

    if feasible:
        for (mid, date), (dom, fgn) in sorted(used.items()):
            cap = capacity(mid, date)
            if dom + fgn > cap:
                errors.append(f"{mid} {date}: {dom + fgn} minutes booked, capacity {cap}")
            if fgn > max(Fraction(0), (1 - reserve) * cap - dom):
                errors.append(f"{mid} {date}: foreign minutes {fgn} break the domestic reserve")
        monthly: Counter[tuple[str, int, int]] = Counter()
        new_in: set[tuple[str, int, int]] = set()
        for cid, first in starts.items():
            c = courses[cid]
            if c["origin"] == "foreign":
                key = (c["partner"], first.year, first.month)
                monthly[key] += 1
                if not c.get("fixed"):
                    new_in.add(key)
        for key in sorted(new_in):
            if monthly[key] > partners[key[0]]:
                errors.append(f"partner {key[0]}: {monthly[key]} courses start in {key[1]}-{key[2]:02d}")
    else:
        # Infeasible: courses under way overload a machine-day. Domestic courses are still scheduled within
        # capacity (as if no foreign course existed), and no new foreign course is admitted.
        overloaded = False
        for (mid, date), (dom, fgn) in sorted(used.items()):
            cap = capacity(mid, date)
            if dom + fgn > cap or fgn > max(Fraction(0), (1 - reserve) * cap - dom):
                overloaded = True
            if (mid, date) in new_domestic and dom > cap:
                errors.append(f"{mid} {date}: {dom} domestic minutes booked, capacity {cap}")
        if not overloaded:
            errors.append("status is infeasible, but every machine-day is within capacity and the domestic reserve")
        for cid in starts:
            if courses[cid]["origin"] == "foreign" and not courses[cid].get("fixed"):
                errors.append(f"{cid}: a new foreign course admitted in an infeasible plan")

    # Metrics, recomputed.
    waits = {
        cid: (s - _d(courses[cid]["ready_date"])).days
        for cid, s in starts.items()
        if courses[cid]["origin"] == "domestic"
    }
    weighted = sum(WEIGHTS[courses[cid].get("urgency", 3)] * w for cid, w in waits.items())
    ordered = sorted(waits.values())

    def pct(p: int) -> int:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else 0

    m = plan["metrics"]
    expected_metrics = {
        ("domestic", "scheduled"): len(waits),
        ("domestic", "unscheduled"): sum(1 for c in courses.values() if c["origin"] == "domestic") - len(waits),
        ("domestic", "weighted_wait"): weighted,
        ("domestic", "wait_days_p50"): pct(50),
        ("domestic", "wait_days_p95"): pct(95),
        ("foreign", "admitted"): len(starts) - len(waits),
        ("foreign", "rejected"): sum(1 for c in courses.values() if c["origin"] == "foreign")
        - (len(starts) - len(waits)),
        ("foreign", "value"): round(sum(courses[cid]["value"] for cid in starts if cid not in waits), 2),
    }
    for (group, name), value in expected_metrics.items():
        if abs(m[group][name] - value) > 1e-6:
            errors.append(f"metrics.{group}.{name} is {m[group][name]}, expected {value}")
    if abs(m["domestic"]["wait_days_mean"] - (sum(ordered) / len(ordered) if ordered else 0)) > 0.006:
        errors.append("metrics.domestic.wait_days_mean is wrong")
    for mid in machines:
        total = sum(capacity(mid, start + dt.timedelta(days=d)) for d in range(instance["days"]))
        booked = sum(a + b for (x, _), (a, b) in used.items() if x == mid)
        if total and abs(m["utilization"][mid] - booked / total) > 1e-4:
            errors.append(f"metrics.utilization.{mid} is {m['utilization'][mid]}, expected {booked / total:.4f}")

    g = plan["guarantee"]
    if not g["holds"] or g["later_than_domestic_only"]:
        errors.append(f"guarantee does not hold: {g['later_than_domestic_only']}")
    if g["domestic_weighted_wait"] != weighted:
        errors.append("guarantee.domestic_weighted_wait differs from the plan")
    if reference is not None:
        ref_starts = {a["course"]: _d(a["start_date"]) for a in reference["assignments"]}
        for cid, ref in ref_starts.items():
            if cid not in starts:
                errors.append(f"{cid}: scheduled without foreign courses but not in the plan")
            elif starts[cid] > ref:
                errors.append(f"{cid}: starts {starts[cid]}, later than {ref} without foreign courses")
        if g["domestic_only_weighted_wait"] != reference["metrics"]["domestic"]["weighted_wait"]:
            errors.append("guarantee.domestic_only_weighted_wait differs from the domestic-only plan")
    return errors
