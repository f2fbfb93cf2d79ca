"""The independent verifier can fail: a valid plan, corrupted one way at a time, is reported every time.

The instance below is small enough to work out by hand (the greedy plan is asserted placement by placement first),
and has a holiday, a full-day and a partial downtime, two machines, the domestic reserve, partner quotas, courses
under way (one domestic, one foreign) and foreign courses admitted and rejected.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from onconet.scheduling.solver import parse_instance, solve, verify

Doc = dict[str, Any]


def domestic(cid: str, ready: str, fractions: int, minutes: int, machines: list[str], urgency: int = 3) -> Doc:
    return {
        "id": cid,
        "origin": "domestic",
        "ready_date": ready,
        "urgency": urgency,
        "fractions": fractions,
        "first_minutes": minutes,
        "minutes": minutes,
        "machines": machines,
        "fixed": None,
    }


def foreign(
    cid: str, partner: str, value: int, ready: str, latest: str, fractions: int, minutes: int, machines: list[str]
) -> Doc:
    return {
        "id": cid,
        "origin": "foreign",
        "partner": partner,
        "value": value,
        "ready_date": ready,
        "latest_start": latest,
        "fractions": fractions,
        "first_minutes": minutes,
        "minutes": minutes,
        "machines": machines,
    }


def rich_instance() -> Doc:
    # 2026-01-05 is a Monday; the horizon runs to Sunday 2026-02-15.
    return {
        "format": "onconet-schedule/1",
        "start_date": "2026-01-05",
        "days": 42,
        "holidays": ["2026-01-07"],
        "domestic_reserve": 0.1,
        "machines": [
            {
                "id": "G1",
                "kind": "proton_gantry",
                "minutes_per_weekday": [600, 600, 600, 600, 600, 0, 0],
                "downtime": [{"date": "2026-01-14", "minutes": 600}, {"date": "2026-01-15", "minutes": 200}],
            },
            {"id": "G2", "kind": "linac", "minutes_per_weekday": [300, 300, 300, 300, 300, 0, 0]},
        ],
        "partners": [{"id": "P1", "max_courses_per_month": 1}, {"id": "P2", "max_courses_per_month": 5}],
        "courses": [
            domestic("D1", "2026-01-05", 5, 500, ["G1"], urgency=1),
            domestic("D2", "2026-01-12", 3, 200, ["G2"]),
            domestic("D3", "2026-01-12", 4, 100, ["G1", "G2"], urgency=2),
            domestic("D4", "2026-01-26", 30, 10, ["G2"]),  # fewer than 30 open days left: rejected
            dict(
                domestic("DF", "2025-12-15", 10, 100, ["G2"], urgency=2),
                fixed={"machine": "G2", "start_date": "2025-12-22", "delivered": 6},
            ),
            foreign("F1", "P1", 5000, "2026-01-05", "2026-01-20", 3, 40, ["G1"]),
            foreign("F2", "P2", 4000, "2026-01-05", "2026-01-30", 2, 30, ["G2", "G1"]),
            foreign("F3", "P2", 3000, "2026-01-19", "2026-01-21", 2, 100, ["G2"]),
            foreign("F4", "P2", 2000, "2026-01-20", "2026-01-16", 1, 30, ["G2"]),  # latest_start before ready
            foreign("F5", "P1", 1000, "2026-01-05", "2026-01-30", 1, 20, ["G2"]),  # P1's January is taken by F1
            dict(
                foreign("FX", "P2", 1500, "2025-12-29", "2026-01-02", 3, 50, ["G2"]),
                fixed={"machine": "G2", "start_date": "2026-01-02", "delivered": 1},
            ),
        ],
    }


def without_foreign(doc: Doc) -> Doc:
    """The reference instance (v2): foreign courses removed, except those under way (they stay on the machine)."""
    return dict(doc, courses=[c for c in doc["courses"] if c["origin"] != "foreign" or c.get("fixed")])


@pytest.fixture(scope="module")
def case() -> tuple[Doc, Doc, Doc]:
    doc = rich_instance()
    plan = solve(parse_instance(doc), "greedy", 1, 0).as_document()
    reference = solve(parse_instance(without_foreign(doc)), "greedy", 1, 0).as_document()
    return doc, plan, reference


def assignment(plan: Doc, cid: str) -> Doc:
    (a,) = [a for a in plan["assignments"] if a["course"] == cid]
    return a


def test_the_plan_is_the_one_worked_out_by_hand(case: tuple[Doc, Doc, Doc]):
    doc, plan, reference = case

    def placed(cid: str) -> tuple[str, str, list[str]]:
        a = assignment(plan, cid)
        return a["machine"], a["start_date"], [d[5:] for d in a["dates"]]

    # D1: 500 minutes a day on G1, skipping the holiday on Wednesday 7 January.
    assert placed("D1") == ("G1", "2026-01-05", ["01-05", "01-06", "01-08", "01-09", "01-12"])
    assert placed("D2") == ("G2", "2026-01-12", ["01-12", "01-13", "01-14"])
    # D3 fits beside D1 on G1 on the 12th (500 + 100 = 600); G1 is down all day on the 14th, 400 minutes on the 15th.
    assert placed("D3") == ("G1", "2026-01-12", ["01-12", "01-13", "01-15", "01-16"])
    # Courses under way keep their start date and continue on the first open days of the horizon.
    assert placed("DF") == ("G2", "2025-12-22", ["01-05", "01-06", "01-08", "01-09"])
    assert placed("FX") == ("G2", "2026-01-02", ["01-05", "01-06"])
    # F1 uses exactly the 40 minutes the reserve leaves beside D1's 500 (0.9 × 600 − 500).
    assert placed("F1") == ("G1", "2026-01-05", ["01-05", "01-06", "01-08"])
    assert placed("F2") == ("G2", "2026-01-05", ["01-05", "01-06"])
    assert placed("F3") == ("G2", "2026-01-19", ["01-19", "01-20"])
    reasons = {r["course"]: r["reason"] for r in plan["rejected"]}
    assert set(reasons) == {"D4", "F4", "F5"}
    assert "latest_start 2026-01-16" in reasons["F4"]
    assert "quota" in reasons["F5"]
    assert plan["status"] == "feasible"
    assert plan["metrics"]["domestic"] == {
        "scheduled": 4,
        "unscheduled": 1,
        "wait_days_mean": 1.75,  # D1 0, D2 0, D3 0, DF 7 (started 22 December, ready 15 December)
        "wait_days_p50": 0,
        "wait_days_p95": 7,
        "weighted_wait": 21,  # 3 × 7 for DF
        "days_over_target": 0,  # DF waited 7 days, its target is 14; D4 cannot fit in the horizon at all
        "by_urgency": {
            "1": {"scheduled": 1, "wait_days_mean": 0, "wait_days_p95": 0, "wait_days_max": 0, "over_target": 0},
            "2": {"scheduled": 2, "wait_days_mean": 3.5, "wait_days_p95": 7, "wait_days_max": 7, "over_target": 0},
            # D4 is not scheduled: it counts as over its target
            "3": {"scheduled": 1, "wait_days_mean": 0, "wait_days_p95": 0, "wait_days_max": 0, "over_target": 1},
        },
    }
    assert plan["metrics"]["foreign"] == {"admitted": 4, "rejected": 2, "value": 13500}
    assert plan["guarantee"] == {
        "domestic_only_weighted_wait": 21,
        "domestic_weighted_wait": 21,
        "later_than_domestic_only": [],
        "holds": True,
    }
    assert verify(doc, plan, reference) == []
    assert verify(without_foreign(doc), reference) == []


def test_a_legitimate_change_is_not_reported(case: tuple[Doc, Doc, Doc]):
    """Not every change is a violation: F3 may start a day later, still before its latest_start."""
    doc, plan, reference = case
    moved = copy.deepcopy(plan)
    assignment(moved, "F3").update(start_date="2026-01-20", dates=["2026-01-20", "2026-01-21"])
    assert verify(doc, moved, reference) == []


# --- corruptions ------------------------------------------------------------------------------------------------

Corruption = Callable[[Doc, Doc], None]  # (plan, reference) -> None, in place


def place(
    cid: str, *, machine: str | None = None, start: str | None = None, dates: list[str] | None = None
) -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        a = assignment(plan, cid)
        if machine is not None:
            a["machine"] = machine
        if dates is not None:
            a["dates"] = [f"2026-{d}" if len(d) == 5 else d for d in dates]
            a["start_date"] = a["dates"][0]
        if start is not None:
            a["start_date"] = start

    return apply


def admit(cid: str, machine: str, dates: list[str]) -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        plan["rejected"] = [r for r in plan["rejected"] if r["course"] != cid]
        full = [f"2026-{d}" for d in dates]
        plan["assignments"].append({"course": cid, "machine": machine, "start_date": full[0], "dates": full})

    return apply


def drop(cid: str) -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        plan["assignments"] = [a for a in plan["assignments"] if a["course"] != cid]
        plan["rejected"] = [r for r in plan["rejected"] if r["course"] != cid]

    return apply


def reject(cid: str, reason: str = "no room") -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        plan["assignments"] = [a for a in plan["assignments"] if a["course"] != cid]
        plan["rejected"].append({"course": cid, "reason": reason})

    return apply


def duplicate(cid: str) -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        plan["assignments"].append(copy.deepcopy(assignment(plan, cid)))

    return apply


def setting(*path: str | int, value: Any, in_reference: bool = False) -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        target: Any = reference if in_reference else plan
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def earlier_in_reference(cid: str, start: str) -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        assignment(reference, cid)["start_date"] = start

    return apply


def both(*corruptions: Corruption) -> Corruption:
    def apply(plan: Doc, reference: Doc) -> None:
        for c in corruptions:
            c(plan, reference)

    return apply


CORRUPTIONS: list[tuple[str, Corruption, str]] = [
    # fractions on days the machine is closed
    (
        "fraction on the holiday",
        place("D1", dates=["01-05", "01-06", "01-07", "01-08", "01-09"]),
        "D1: fraction on 2026-01-07, a day G1 is closed",
    ),
    (
        "fraction on a Saturday",
        place("D2", dates=["01-12", "01-13", "01-17"]),
        "D2: fraction on 2026-01-17, a day G2 is closed",
    ),
    (
        "fraction on a full-day downtime",
        place("D3", dates=["01-12", "01-13", "01-14", "01-15"]),
        "D3: fraction on 2026-01-14, a day G1 is closed",
    ),
    (
        "fraction after the horizon",
        place("D2", dates=["02-13", "02-16", "02-17"]),
        "D2: fraction on 2026-02-16, a day G2 is closed or outside the horizon",
    ),
    # capacity
    (
        "capacity cut by a partial downtime",
        place("D1", dates=["01-13", "01-15", "01-16", "01-19", "01-20"]),
        "G1 2026-01-15: 600 minutes booked, capacity 400",
    ),
    (
        "capacity of a full day",
        place("F1", dates=["01-12", "01-13", "01-15"]),
        "G1 2026-01-12: 640 minutes booked, capacity 600",
    ),
    # consecutive open days, one fraction a day
    (
        "a gap of one open day",
        place("D2", dates=["01-12", "01-13", "01-15"]),
        "D2: fractions on 2026-01-13 and 2026-01-15 are not on consecutive open days of G2",
    ),
    (
        "two fractions on one day",
        place("D2", dates=["01-12", "01-12", "01-13"]),
        "D2: fractions on 2026-01-12 and 2026-01-12 are not on consecutive",
    ),
    ("a fraction missing", place("D2", dates=["01-12", "01-13"]), "D2: 2 dates for 3 fractions"),
    ("a fraction too many", place("D2", dates=["01-12", "01-13", "01-14", "01-15"]), "D2: 4 dates for 3 fractions"),
    ("start date is not the first date", place("D2", start="2026-01-13"), "D2: first date is not the start date"),
    ("machine not eligible", place("D1", machine="G2"), "D1: machine G2 is not eligible"),
    # ready date and latest start
    (
        "start before the ready date",
        place("D2", dates=["01-09", "01-12", "01-13"]),
        "D2: starts 2026-01-09 before its ready date 2026-01-12",
    ),
    (
        "foreign start before the ready date",
        place("F3", dates=["01-16", "01-19"]),
        "F3: starts 2026-01-16 before its ready date",
    ),
    (
        "foreign start after latest_start",
        place("F1", dates=["01-21", "01-22", "01-23"]),
        "F1: starts 2026-01-21 after latest_start 2026-01-20",
    ),
    (
        "admitted although latest_start < ready",
        admit("F4", "G2", ["01-20"]),
        "F4: starts 2026-01-20 after latest_start 2026-01-16",
    ),
    # partners and the reserve
    ("partner quota", admit("F5", "G2", ["01-12"]), "partner P1: 2 courses start in 2026-01"),
    ("domestic reserve", place("F2", machine="G1"), "G1 2026-01-05: foreign minutes 70 break the domestic reserve"),
    # courses under way
    ("a course under way moved in time", place("DF", start="2025-12-23"), "DF: a course under way was moved"),
    (
        "a course under way with other dates",
        place("DF", dates=["01-05", "01-06", "01-08", "01-12"], start="2025-12-22"),
        "DF: a course under way must continue on the next open days",
    ),
    (
        "a course under way cut short",
        place("FX", dates=["01-05"], start="2026-01-02"),
        "FX: a course under way must continue",
    ),
    ("a course under way rejected", reject("DF"), "DF: a course under way was rejected"),
    # every course exactly once
    ("a scheduled course dropped", drop("D3"), "D3: appears 0 times"),
    ("a rejected course dropped", drop("F4"), "F4: appears 0 times"),
    ("a course assigned twice", duplicate("D3"), "D3: appears 2 times"),
    (
        "a course assigned and rejected",
        setting("rejected", 0, value={"course": "D3", "reason": "twice"}),
        "D3: appears 2 times",
    ),
    ("an unknown course assigned", admit("D9", "G1", ["01-20"]), "assignment of unknown course D9"),
    ("an unknown course rejected", setting("rejected", 0, "course", value="X1"), "rejection of unknown course X1"),
    ("a rejection without a reason", setting("rejected", 1, "reason", value=""), "F4: rejected without a reason"),
    # the plan itself
    ("plan format", setting("format", value="onconet-plan/1"), "plan format is 'onconet-plan/1'"),
    ("plan status", setting("status", value="good"), "unknown status 'good'"),
    # the guarantee block
    ("guarantee does not hold", setting("guarantee", "holds", value=False), "guarantee does not hold"),
    (
        "guarantee lists a later course",
        setting("guarantee", "later_than_domestic_only", value=["D3"]),
        "guarantee does not hold: ['D3']",
    ),
    (
        "guarantee weighted wait",
        setting("guarantee", "domestic_weighted_wait", value=20),
        "guarantee.domestic_weighted_wait differs",
    ),
    (
        "guarantee domestic-only weighted wait",
        setting("guarantee", "domestic_only_weighted_wait", value=22),
        "guarantee.domestic_only_weighted_wait differs",
    ),
    # against the plan without foreign courses
    (
        "a domestic course later than without foreign ones",
        earlier_in_reference("D3", "2026-01-09"),
        "D3: starts 2026-01-12, later than 2026-01-09 without foreign courses",
    ),
    (
        "a domestic course dropped that fits without foreign ones",
        reject("D3"),
        "D3: scheduled without foreign courses but not in the plan",
    ),
    # an infeasible status must be true, and hides nothing
    (
        "infeasible with nothing overloaded",
        setting("status", value="infeasible"),
        "status is infeasible, but the courses under way fit every machine and beam",
    ),
    (
        "infeasible hiding a domestic overload",
        both(setting("status", value="infeasible"), place("D1", dates=["01-13", "01-15", "01-16", "01-19", "01-20"])),
        "G1 2026-01-15: 600 minutes booked, capacity 400",
    ),
    (
        "infeasible admitting new foreign courses",
        setting("status", value="infeasible"),
        "F1: a new foreign course admitted in an infeasible plan",
    ),
]


@pytest.mark.parametrize(("corrupt", "expected"), [c[1:] for c in CORRUPTIONS], ids=[c[0] for c in CORRUPTIONS])
def test_verify_reports_each_corruption(case: tuple[Doc, Doc, Doc], corrupt: Corruption, expected: str):
    doc, plan, reference = copy.deepcopy(case)
    corrupt(plan, reference)
    errors = verify(doc, plan, reference)
    assert any(expected in e for e in errors), f"{expected!r} not reported; verify said {errors}"


METRICS: list[tuple[tuple[str, ...], Any, str]] = [
    (("domestic", "scheduled"), 5, "metrics.domestic.scheduled is 5, expected 4"),
    (("domestic", "unscheduled"), 0, "metrics.domestic.unscheduled is 0, expected 1"),
    (("domestic", "weighted_wait"), 20, "metrics.domestic.weighted_wait is 20, expected 21"),
    (("domestic", "wait_days_p50"), 1, "metrics.domestic.wait_days_p50 is 1, expected 0"),
    (("domestic", "wait_days_p95"), 6, "metrics.domestic.wait_days_p95 is 6, expected 7"),
    (("domestic", "wait_days_mean"), 1.8, "metrics.domestic.wait_days_mean is wrong"),
    (("foreign", "admitted"), 5, "metrics.foreign.admitted is 5, expected 4"),
    (("foreign", "rejected"), 1, "metrics.foreign.rejected is 1, expected 2"),
    (("foreign", "value"), 13000, "metrics.foreign.value is 13000, expected 13500"),
    (("utilization", "G1"), 0.5, "metrics.utilization.G1 is 0.5"),
    (("utilization", "G2"), 0.16, "metrics.utilization.G2 is 0.16"),
]


@pytest.mark.parametrize(("path", "value", "expected"), METRICS, ids=[".".join(m[0]) for m in METRICS])
def test_verify_recomputes_every_metric(case: tuple[Doc, Doc, Doc], path: tuple[str, ...], value: Any, expected: str):
    doc, plan, reference = copy.deepcopy(case)
    group, name = path
    plan["metrics"][group][name] = value
    errors = verify(doc, plan, reference)
    assert any(expected in e for e in errors), f"{expected!r} not reported; verify said {errors}"


def test_metrics_follow_a_moved_course(case: tuple[Doc, Doc, Doc]):
    """Moving a domestic course (validly, but later) changes the waits, which the untouched metrics no longer match."""
    doc, plan, _ = copy.deepcopy(case)
    place("D2", dates=["01-13", "01-14", "01-15"])(plan, {})
    errors = verify(doc, plan)
    assert "metrics.domestic.weighted_wait is 21, expected 22" in errors
    assert "guarantee.domestic_weighted_wait differs from the plan" in errors
    assert not any("D2:" in e for e in errors)  # the placement itself is valid


def test_an_empty_plan_is_not_a_valid_plan(case: tuple[Doc, Doc, Doc]):
    doc, plan, reference = copy.deepcopy(case)
    plan["assignments"], plan["rejected"] = [], []
    errors = verify(doc, plan, reference)
    for cid in ("D1", "D2", "D3", "D4", "DF", "F1", "F2", "F3", "F4", "F5", "FX"):
        assert f"{cid}: appears 0 times in assignments and rejections" in errors
    assert any("scheduled without foreign courses but not in the plan" in e for e in errors)


def test_an_overload_by_courses_under_way_is_infeasible_not_a_violation():
    """A genuinely infeasible plan (courses under way overload a day) passes the verifier."""
    doc = rich_instance()
    fx = next(c for c in doc["courses"] if c["id"] == "FX")
    fx["first_minutes"] = fx["minutes"] = 250  # G2 on 5 January: FX 250 + DF 100 > 300
    plan = solve(parse_instance(doc), "greedy", 1, 0).as_document()
    reference = solve(parse_instance(without_foreign(doc)), "greedy", 1, 0).as_document()
    assert plan["status"] == "infeasible"
    assert verify(doc, plan, reference) == []
    # ... and a new foreign course slipped into it is reported.
    admit("F5", "G2", ["01-12"])(plan, reference)
    assert "F5: a new foreign course admitted in an infeasible plan" in verify(doc, plan, reference)
