"""The rolling replay (contract v2, last section): a department re-planning every week as patients arrive.

Every `step` days (epoch e) the replay builds the instance the department would have on day e — the courses known
by then (`ready_date − lead ≤ e`) that have not started are free, courses started before e are `fixed`, downtime,
holidays and beams from e on, the horizon as far as the original one plus 70 days, and (with foreign courses) a
forecast estimated from the domestic arrivals of the last `forecast_weeks` weeks only — solves it, verifies the plan
with the independent verifier, and starts the courses planned to start in [e, e + step). It runs once with the
foreign courses and once without them and compares the domestic waits of the two runs.

Raising a free course's ready date to e would restart its wait target; the epoch instance therefore gives it
`target_days` = what is left of its target (never below 0), so that the epoch's objective sees the same deadline and,
up to a constant per course, the same waits as the original instance.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .engine import percentile, solve
from .instance import DEFAULT_PROTECTION, FORMAT, URGENCY_WEIGHTS, parse_instance
from .verify import verify

REPORT_FORMAT = "onconet-replay/1"
EXTRA_DAYS = 70  # the epoch horizon reaches this far past the original one
MEASURED_BEFORE_END = 42  # courses ready in the last 42 days of the horizon are not measured (they may not start)
DELAYED_LISTED = 200  # domestic courses that started later with foreign courses, listed in the report


@dataclass
class Started:
    machine: str
    start: dt.date
    dates: list[dt.date]  # the dates of its fractions from the first epoch that planned it on
    before: int = 0  # fractions delivered before those dates (a course under way in the original instance)


@dataclass
class Run:
    started: dict[str, Started] = field(default_factory=dict)
    failed: list[dict[str, Any]] = field(default_factory=list)
    deterministic_seconds: float = 0.0
    wall_seconds: list[float] = field(default_factory=list)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _target(doc: dict[str, Any], course: dict[str, Any]) -> int:
    if course.get("target_days") is not None:
        return int(course["target_days"])
    targets = {"1": 2, "2": 14, "3": 28, **doc.get("wait_targets", {})}
    return int(targets[str(course.get("urgency", 3))])


def estimate_forecast(
    doc: dict[str, Any], epoch_day: int, lead: int, weeks: int, protection: float
) -> dict[str, Any] | None:
    """The forecast a department has on day `epoch_day`: its domestic arrivals (by ready date) of the last `weeks`
    weeks known by then, grouped into classes of identical courses, as a rate per week."""
    start = _d(doc["start_date"])
    known_until = epoch_day + lead  # ready dates known on the epoch day (relative to the start)
    since = max(0, known_until - 7 * weeks)
    span_weeks = (known_until - since) / 7
    if weeks <= 0 or span_weeks < 1:
        return None
    counts: Counter[tuple[tuple[str, ...], int, int, int, int]] = Counter()
    for c in doc["courses"]:
        if c["origin"] != "domestic" or c.get("fixed"):
            continue
        ready = (_d(c["ready_date"]) - start).days
        if since < ready <= known_until:
            counts[(tuple(c["machines"]), c.get("urgency", 3), c["fractions"], c["first_minutes"], c["minutes"])] += 1
    classes = [
        {
            "machines": list(machines),
            "urgency": urgency,
            "fractions": fractions,
            "first_minutes": first,
            "minutes": minutes,
            "per_week": round(n / span_weeks, 4),
        }
        for (machines, urgency, fractions, first, minutes), n in sorted(counts.items())
    ]
    return {"lead_days": lead + 1, "protection": protection, "classes": classes}


def epoch_instance(
    doc: dict[str, Any],
    run: Run,
    epoch_day: int,
    lead: int,
    with_foreign: bool,
    forecast_weeks: int,
) -> dict[str, Any]:
    """The instance the department has on day `epoch_day` of the original horizon."""
    start = _d(doc["start_date"])
    today = start + dt.timedelta(days=epoch_day)
    end = start + dt.timedelta(days=doc["days"] + EXTRA_DAYS - 1)
    courses: list[dict[str, Any]] = []
    completed_this_month: Counter[str] = Counter()
    for c in doc["courses"]:
        if c["origin"] == "foreign" and not with_foreign and not c.get("fixed"):
            continue  # foreign courses under way at the start are on the machines in both runs
        s = run.started.get(c["id"])
        if s is not None:
            delivered = s.before + sum(1 for x in s.dates if x < today)
            if delivered >= c["fractions"]:
                if c["origin"] == "foreign" and (s.start.year, s.start.month) == (today.year, today.month):
                    completed_this_month[c["partner"]] += 1
                continue
            courses.append(
                {**c, "fixed": {"machine": s.machine, "start_date": s.start.isoformat(), "delivered": delivered}}
            )
            continue
        if c.get("fixed"):
            # Under way in the original instance: it stays where it is (its own dates, as the contract defines).
            courses.append(c)
            continue
        ready = _d(c["ready_date"])
        if (ready - today).days > lead:
            continue  # not known yet
        free = {k: v for k, v in c.items() if k != "fixed"}
        if c["origin"] == "foreign":
            if _d(c["latest_start"]) < today:
                continue  # can never start any more
            free["ready_date"] = max(ready, today).isoformat()
        else:
            free["ready_date"] = max(ready, today).isoformat()
            free["target_days"] = max(0, _target(doc, c) - max(0, (today - ready).days))
        courses.append(free)
    partners = [
        {**p, "max_courses_per_month": max(0, p["max_courses_per_month"] - completed_this_month[p["id"]])}
        for p in doc.get("partners", [])
    ]

    def from_today(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [b for b in blocks if today <= _d(b["date"]) <= end]

    out: dict[str, Any] = {
        "format": FORMAT,
        "start_date": today.isoformat(),
        "days": doc["days"] + EXTRA_DAYS - epoch_day,
        "holidays": [h for h in doc.get("holidays", []) if today <= _d(h) <= end],
        "domestic_reserve": doc.get("domestic_reserve", 0),
        "wait_targets": {"1": 2, "2": 14, "3": 28, **doc.get("wait_targets", {})},
        "machines": [{**m, "downtime": from_today(m.get("downtime", []))} for m in doc["machines"]],
        "beams": [{**b, "downtime": from_today(b.get("downtime", []))} for b in doc.get("beams", [])],
        "partners": partners,
        "courses": courses,
    }
    if with_foreign and forecast_weeks > 0 and any(c["origin"] == "foreign" and not c.get("fixed") for c in courses):
        given = doc.get("forecast") or {}
        estimated = estimate_forecast(
            doc, epoch_day, lead, forecast_weeks, float(given.get("protection", DEFAULT_PROTECTION))
        )
        if estimated is not None and estimated["classes"]:
            out["forecast"] = estimated
    return out


def replay_run(
    doc: dict[str, Any],
    *,
    solver: str,
    step: int,
    lead: int,
    time_limit: float,
    forecast_weeks: int,
    seed: int,
    with_foreign: bool,
    progress: Callable[[str], None] | None = None,
    objective: str = "targets",
) -> Run:
    run = Run()
    start = _d(doc["start_date"])
    epochs = list(range(0, doc["days"], step))
    label = "with foreign" if with_foreign else "domestic only"
    for n, e in enumerate(epochs):
        today = start + dt.timedelta(days=e)
        instance_doc = epoch_instance(doc, run, e, lead, with_foreign, forecast_weeks)
        began = time.perf_counter()
        try:
            plan = solve(parse_instance(instance_doc), solver, time_limit, seed, objective=objective)
            problems = verify(instance_doc, plan)
        except Exception as exc:  # a failed epoch is reported, and the replay goes on
            run.failed.append({"epoch": e, "date": today.isoformat(), "problems": [f"{type(exc).__name__}: {exc}"]})
            continue
        wall = time.perf_counter() - began
        run.wall_seconds.append(wall)
        run.deterministic_seconds += plan.metrics.solve_seconds
        if problems:
            run.failed.append({"epoch": e, "date": today.isoformat(), "problems": problems[:20]})
        week_end = today + dt.timedelta(days=step)
        fixed = {c["id"] for c in instance_doc["courses"] if c.get("fixed")}
        began_now = 0
        original = {c["id"]: c for c in doc["courses"] if c.get("fixed")}
        for a in plan.assignments:
            first = a.start_date
            if a.course in original and a.course not in run.started:
                delivered = original[a.course]["fixed"]["delivered"]
                run.started[a.course] = Started(a.machine, first, list(a.dates), delivered)
            elif a.course not in fixed and today <= first < week_end:
                run.started[a.course] = Started(a.machine, first, list(a.dates))
                began_now += 1
        if progress is not None:
            m = plan.metrics
            progress(
                f"replay {label}: epoch {n + 1}/{len(epochs)} {today.isoformat()}: "
                f"{len(instance_doc['courses'])} courses, {began_now} start, "
                f"{m.foreign.admitted} foreign admitted, {plan.status}, "
                f"{wall:.1f} s (CP-SAT {m.solve_seconds:.2f} det. s)"
            )
    return run


def _summary(doc: dict[str, Any], run: Run, measured: list[dict[str, Any]]) -> dict[str, Any]:
    start = _d(doc["start_date"])
    end_day = start + dt.timedelta(days=doc["days"])  # the day after the horizon
    weighted = over_days = over_count = 0
    by: dict[int, list[int]] = defaultdict(list)
    over_by: Counter[int] = Counter()
    unstarted = 0
    for c in measured:
        s = run.started.get(c["id"])
        if c.get("fixed"):
            first = _d(c["fixed"]["start_date"])
        elif s is not None:
            first = s.start
        else:
            first, unstarted = end_day, unstarted + 1
        wait = (first - _d(c["ready_date"])).days
        u = c.get("urgency", 3)
        weight = URGENCY_WEIGHTS[u]
        weighted += weight * wait
        late = max(0, wait - _target(doc, c))
        over_days += weight * late
        by[u].append(wait)
        if late > 0 or (s is None and not c.get("fixed")):
            over_count += 1
            over_by[u] += 1
    foreign = [c for c in doc["courses"] if c["origin"] == "foreign" and not c.get("fixed") and c["id"] in run.started]
    return {
        "weighted_wait": weighted,
        "days_over_target": over_days,
        "over_target": over_count,
        "unstarted": unstarted,
        "by_urgency": {
            str(u): {
                "courses": len(by[u]),
                "wait_days_mean": round(sum(by[u]) / len(by[u]), 2) if by[u] else 0,
                "wait_days_p95": percentile(by[u], 95),
                "wait_days_max": max(by[u], default=0),
                "over_target": over_by[u],
            }
            for u in (1, 2, 3)
        },
        "foreign": {
            "admitted": len(foreign),
            "value": round(sum(float(c["value"]) for c in foreign), 2),
        },
        "deterministic_seconds": round(run.deterministic_seconds, 2),
        "failed_epochs": run.failed,
    }


def replay(
    doc: dict[str, Any],
    *,
    solver: str = "cpsat",
    step: int = 7,
    lead: int = 7,
    time_limit: float = 5.0,
    forecast_weeks: int = 8,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    runs: tuple[bool, ...] = (True, False),
    objective: str = "targets",
    stats: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """The replay report (JSON-ready) of a valid instance document. `runs` chooses the runs (True: with the foreign
    courses, False: without them); `objective` is passed to `solve` (the benchmark's baseline uses version 1's).
    `stats`, when given, receives each run's wall-clock seconds per epoch (kept out of the reproducible report)."""
    parse_instance(doc)
    if step < 1 or lead < 0 or forecast_weeks < 0:
        raise ValueError("step must be ≥ 1, lead and forecast weeks ≥ 0")
    start = _d(doc["start_date"])
    cutoff = start + dt.timedelta(days=doc["days"] - MEASURED_BEFORE_END)
    measured = [c for c in doc["courses"] if c["origin"] == "domestic" and _d(c["ready_date"]) < cutoff]
    results: dict[bool, Run] = {}
    for with_foreign in runs:
        results[with_foreign] = replay_run(
            doc,
            solver=solver,
            step=step,
            lead=lead,
            time_limit=time_limit,
            forecast_weeks=forecast_weeks,
            seed=seed,
            with_foreign=with_foreign,
            progress=progress,
            objective=objective,
        )
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "solver": solver,
        "objective": objective,
        "step": step,
        "lead": lead,
        "time_limit": time_limit,
        "forecast_weeks": forecast_weeks,
        "seed": seed,
        "epochs": math.ceil(doc["days"] / step),
        "measured_courses": len(measured),
        "measured_ready_before": cutoff.isoformat(),
        "runs": {},
    }
    names = {True: "with_foreign", False: "domestic_only"}
    for with_foreign, run in results.items():
        report["runs"][names[with_foreign]] = _summary(doc, run, measured)
        if stats is not None:
            stats[names[with_foreign]] = run.wall_seconds
    if len(results) == 2:
        later = earlier = 0
        largest = 0
        delayed: list[dict[str, Any]] = []
        end_day = start + dt.timedelta(days=doc["days"])
        for c in measured:
            if c.get("fixed"):
                continue
            a = results[True].started.get(c["id"])
            b = results[False].started.get(c["id"])
            sa = a.start if a else end_day
            sb = b.start if b else end_day
            delay = (sa - sb).days
            later += delay > 0
            earlier += delay < 0
            largest = max(largest, delay)
            if delay > 0:
                delayed.append(
                    {
                        "course": c["id"],
                        "urgency": c.get("urgency", 3),
                        "ready_date": c["ready_date"],
                        "start_domestic_only": sb.isoformat() if b else None,
                        "start_with_foreign": sa.isoformat() if a else None,
                        "delay_days": delay,
                    }
                )
        delayed.sort(key=lambda row: (-row["delay_days"], row["course"]))
        report["comparison"] = {
            "started_later_with_foreign": later,
            "started_earlier_with_foreign": earlier,
            "largest_delay_days": largest,
            "delayed": delayed[:DELAYED_LISTED],  # the longest delays first; the count above is of all
        }
    report["failed_epochs"] = [{"run": names[w], **f} for w, run in results.items() for f in run.failed]
    return report
