"""An independent check of a plan against its instance, straight from the two JSON documents (contract v2).

Nothing here shares code with the solvers: capacities, open days, beams, loads, wait targets and metrics are
recomputed with plain loops from the contract's text, so a bug in the solver's arrays cannot hide itself. `verify`
returns the list of violations (empty when the plan is right). The reference plan, when given, is the plan of the
instance without the foreign courses that are not under way (courses under way stay in it, v2).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from fractions import Fraction
from typing import Any

from .plan import Plan

WEIGHTS = {1: 10, 2: 3, 3: 1}
DEFAULT_TARGETS = {"1": 2, "2": 14, "3": 28}


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def verify(
    instance: dict[str, Any],
    plan: Plan | dict[str, Any],
    reference: Plan | dict[str, Any] | None = None,
) -> list[str]:
    """Violations of the contract by `plan`; `reference` is the plan of the instance without foreign courses.

    A `Plan` is checked as its contract document (`Plan.as_document()`), the form a plan file has."""
    if isinstance(plan, Plan):
        plan = plan.as_document()
    if isinstance(reference, Plan):
        reference = reference.as_document()
    errors: list[str] = []
    start = _d(instance["start_date"])
    end = start + dt.timedelta(days=instance["days"] - 1)
    holidays = {_d(h) for h in instance.get("holidays", [])}
    reserve = Fraction(str(instance.get("domestic_reserve", 0)))
    machines = {m["id"]: m for m in instance["machines"]}
    beams = {b["id"]: b for b in instance.get("beams", [])}
    partners = {p["id"]: p["max_courses_per_month"] for p in instance.get("partners", [])}
    courses = {c["id"]: c for c in instance["courses"]}
    targets = {**DEFAULT_TARGETS, **instance.get("wait_targets", {})}
    down: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for kind, items in (("machine", instance["machines"]), ("beam", instance.get("beams", []))):
        for item in items:
            for block in item.get("downtime", []):
                down[(kind, item["id"], _d(block["date"]))] += block["minutes"]

    def capacity(mid: str, date: dt.date, kind: str = "machine") -> int:
        if date in holidays or not start <= date <= end:
            return 0
        m = machines[mid] if kind == "machine" else beams[mid]
        return max(0, m["minutes_per_weekday"][date.weekday()] - down[(kind, mid, date)])

    def target(c: dict[str, Any]) -> int:
        if c.get("target_days") is not None:
            return int(c["target_days"])
        return int(targets[str(c.get("urgency", 3))])

    def next_open(mid: str, date: dt.date) -> dt.date | None:
        while date <= end:
            if capacity(mid, date) > 0:
                return date
            date += dt.timedelta(days=1)
        return None

    if plan.get("format") != "onconet-plan/2":
        errors.append(f"plan format is {plan.get('format')!r}")
    if plan.get("status") not in ("optimal", "feasible", "infeasible"):
        errors.append(f"unknown status {plan.get('status')!r}")
    feasible = plan.get("status") != "infeasible"

    seen: Counter[str] = Counter()
    used: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])  # domestic, foreign minutes
    beam_used: dict[tuple[str, dt.date], int] = defaultdict(int)
    starts: dict[str, dt.date] = {}
    new_minutes: set[tuple[str, dt.date]] = set()  # machine-days with minutes of a course not under way
    new_beam_minutes: set[tuple[str, dt.date]] = set()
    new_foreign: set[tuple[str, dt.date]] = set()  # machine-days with minutes of a foreign course not under way
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
            beam = machines[mid].get("beam")
            if beam is not None:
                beam_used[(beam, date)] += minutes
            if not fixed and minutes > 0:
                new_minutes.add((mid, date))
                if beam is not None:
                    new_beam_minutes.add((beam, date))
                if c["origin"] == "foreign":
                    new_foreign.add((mid, date))

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

    # Minutes of the courses under way alone: they decide whether the plan may be infeasible.
    fixed_used: dict[tuple[str, dt.date], int] = defaultdict(int)
    fixed_beam: dict[tuple[str, dt.date], int] = defaultdict(int)
    for a in plan["assignments"]:
        c = courses.get(a["course"])
        if c is None or not c.get("fixed") or a["machine"] not in c["machines"]:
            continue
        for j, x in enumerate(a["dates"]):
            minutes = c["first_minutes"] if c["fixed"]["delivered"] + j == 0 else c["minutes"]
            fixed_used[(a["machine"], _d(x))] += minutes
            if machines[a["machine"]].get("beam") is not None:
                fixed_beam[(machines[a["machine"]]["beam"], _d(x))] += minutes
    fixed_overload = any(n > capacity(mid, date) for (mid, date), n in fixed_used.items()) or any(
        n > capacity(bid, date, "beam") for (bid, date), n in fixed_beam.items()
    )
    for (mid, date), (dom, fgn) in sorted(used.items()):
        cap = capacity(mid, date)
        if dom + fgn > cap and (feasible or (mid, date) in new_minutes):
            errors.append(f"{mid} {date}: {dom + fgn} minutes booked, capacity {cap}")
        # The domestic reserve binds where a new foreign course is booked (courses under way count as foreign).
        if (mid, date) in new_foreign and fgn > max(Fraction(0), (1 - reserve) * cap - dom):
            errors.append(f"{mid} {date}: foreign minutes {fgn} break the domestic reserve")
    for (bid, date), minutes in sorted(beam_used.items()):
        cap = capacity(bid, date, "beam")
        if minutes > cap and (feasible or (bid, date) in new_beam_minutes):
            errors.append(f"beam {bid} {date}: {minutes} minutes on its machines, capacity {cap}")
    if feasible:
        if fixed_overload:
            errors.append("courses under way overload a machine or beam, but the status is not infeasible")
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
        # Infeasible: courses under way alone overload a machine-day or beam-day. The other courses are still
        # within capacity where they are booked, and no new foreign course is admitted.
        if not fixed_overload:
            errors.append("status is infeasible, but the courses under way fit every machine and beam")
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

    def pct(p: int, values: list[int] | None = None) -> int:
        values = ordered if values is None else sorted(values)
        return values[max(0, math.ceil(p / 100 * len(values)) - 1)] if values else 0

    def fits_somewhere(c: dict[str, Any]) -> bool:
        """Whether the course fits from its ready date to the end of the horizon on an empty calendar."""
        first_day = max(_d(c["ready_date"]), start)
        for mid in c["machines"]:
            open_days = [
                start + dt.timedelta(days=d)
                for d in range(instance["days"])
                if capacity(mid, start + dt.timedelta(days=d)) > 0
            ]
            for i in range(len(open_days) - c["fractions"] + 1):
                if open_days[i] < first_day:
                    continue
                ok = True
                for f in range(c["fractions"]):
                    day, need = open_days[i + f], c["first_minutes"] if f == 0 else c["minutes"]
                    beam = machines[mid].get("beam")
                    if capacity(mid, day) < need or (beam is not None and capacity(beam, day, "beam") < need):
                        ok = False
                        break
                if ok:
                    return True
        return False

    over_days = 0
    by_urgency: dict[str, dict[str, Any]] = {}
    for u in (1, 2, 3):
        members = [c for c in courses.values() if c["origin"] == "domestic" and c.get("urgency", 3) == u]
        w = [waits[c["id"]] for c in members if c["id"] in waits]
        over = 0
        for c in members:
            if c["id"] in waits:
                late = waits[c["id"]] - target(c)
            else:
                late = (end + dt.timedelta(days=1) - _d(c["ready_date"])).days - target(c)
                if not fits_somewhere(c):
                    late = min(late, 0)
                over += 1 if c["id"] not in waits else 0
            if c["id"] in waits and late > 0:
                over += 1
            over_days += WEIGHTS[u] * max(0, late)
        by_urgency[str(u)] = {
            "scheduled": len(w),
            "wait_days_max": max(w, default=0),
            "wait_days_p95": pct(95, w),
            "over_target": over,
        }
        mean = sum(w) / len(w) if w else 0
        reported = plan["metrics"]["domestic"].get("by_urgency", {}).get(str(u))
        if reported is None:
            errors.append(f"metrics.domestic.by_urgency.{u} is missing")
            continue
        for name, value in by_urgency[str(u)].items():
            if reported.get(name) != value:
                errors.append(f"metrics.domestic.by_urgency.{u}.{name} is {reported.get(name)}, expected {value}")
        if abs(reported.get("wait_days_mean", -1) - mean) > 0.006:
            errors.append(f"metrics.domestic.by_urgency.{u}.wait_days_mean is wrong")

    m = plan["metrics"]
    expected_metrics = {
        ("domestic", "scheduled"): len(waits),
        ("domestic", "unscheduled"): sum(1 for c in courses.values() if c["origin"] == "domestic") - len(waits),
        ("domestic", "weighted_wait"): weighted,
        ("domestic", "days_over_target"): over_days,
        ("domestic", "wait_days_p50"): pct(50),
        ("domestic", "wait_days_p95"): pct(95),
        ("foreign", "admitted"): len(starts) - len(waits),
        ("foreign", "rejected"): sum(1 for c in courses.values() if c["origin"] == "foreign")
        - (len(starts) - len(waits)),
        ("foreign", "value"): round(sum(courses[cid]["value"] for cid in starts if cid not in waits), 2),
    }
    for (group, name), value in expected_metrics.items():
        if group not in m or name not in m[group]:
            errors.append(f"metrics.{group}.{name} is missing")
        elif abs(m[group][name] - value) > 1e-6:
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
