"""Properties of both solvers: random small instances (hypothesis) checked by the independent verifier against the
plan of the same instance without foreign courses, and hand-written edge cases of the contract.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconet.scheduling.solver import cpsat as cpsat_module
from onconet.scheduling.solver import parse_instance, solve, verify

Doc = dict[str, Any]
SOLVERS = ("greedy", "cpsat")
TIME_LIMIT = 2.0
MONDAY = dt.date(2026, 1, 5)


def iso(date: dt.date) -> str:
    return date.isoformat()


def without_foreign(doc: Doc) -> Doc:
    """The reference instance, built from the JSON document (not the solver's helper): every foreign course removed
    except those under way, which stay on the machine (contract v2)."""
    return dict(doc, courses=[c for c in doc["courses"] if c["origin"] != "foreign" or c.get("fixed")])


def plan_and_reference(doc: Doc, solver: str, time_limit: float = TIME_LIMIT) -> tuple[Doc, Doc]:
    plan = solve(parse_instance(doc), solver, time_limit, 0).as_document()
    reference = solve(parse_instance(without_foreign(doc)), solver, time_limit, 0).as_document()
    return plan, reference


def capacity(doc: Doc, machine_id: str, date: dt.date) -> int:
    """The contract's capacity, recomputed here from the document."""
    start = dt.date.fromisoformat(doc["start_date"])
    if not start <= date < start + dt.timedelta(days=doc["days"]) or iso(date) in doc.get("holidays", []):
        return 0
    machine = next(m for m in doc["machines"] if m["id"] == machine_id)
    down = sum(b["minutes"] for b in machine.get("downtime", []) if b["date"] == iso(date))
    return max(0, machine["minutes_per_weekday"][date.weekday()] - down)


def booked(doc: Doc, plan: Doc) -> dict[tuple[str, str], list[int]]:
    """Minutes booked per (machine, date), [domestic, foreign]."""
    courses = {c["id"]: c for c in doc["courses"]}
    used: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for a in plan["assignments"]:
        c = courses[a["course"]]
        offset = c["fixed"]["delivered"] if c.get("fixed") else 0
        for j, date in enumerate(a["dates"]):
            minutes = c["first_minutes"] if offset + j == 0 else c["minutes"]
            used[(a["machine"], date)][0 if c["origin"] == "domestic" else 1] += minutes
    return used


def overloaded(doc: Doc, plan: Doc) -> bool:
    """Whether the courses under way alone overload a machine-day (v2: what makes a plan infeasible)."""
    under_way = dict(plan, assignments=[a for a in plan["assignments"] if fixed_course(doc, a["course"])])
    for (mid, date), (dom, fgn) in booked(doc, under_way).items():
        if dom + fgn > capacity(doc, mid, dt.date.fromisoformat(date)):
            return True
    return False


def fixed_course(doc: Doc, cid: str) -> bool:
    return any(c["id"] == cid and c.get("fixed") for c in doc["courses"])


def reserve_broken(doc: Doc, plan: Doc) -> bool:
    """Whether a machine-day with a new foreign course breaks the domestic reserve."""
    reserve = Fraction(str(doc.get("domestic_reserve", 0)))
    new_foreign = {
        (a["machine"], d)
        for a in plan["assignments"]
        for d in a["dates"]
        if a["course"].startswith("F") and not fixed_course(doc, a["course"])
    }
    for (mid, date), (dom, fgn) in booked(doc, plan).items():
        cap = capacity(doc, mid, dt.date.fromisoformat(date))
        if (mid, date) in new_foreign and fgn > max(0, (1 - reserve) * cap - dom):
            return True
    return False


def start_of(plan: Doc, cid: str) -> str | None:
    return next((a["start_date"] for a in plan["assignments"] if a["course"] == cid), None)


def check_plan(doc: Doc, plan: Doc, reference: Doc) -> None:
    """What every plan must satisfy, whatever the instance."""
    assert verify(without_foreign(doc), reference) == []
    assert verify(doc, plan, reference) == []
    assert json.loads(json.dumps(plan, allow_nan=False)) == plan  # plain JSON, no NaN or Infinity
    courses = {c["id"]: c for c in doc["courses"]}
    # The guarantee block holds, and says what the two plans say.
    g = plan["guarantee"]
    assert g["holds"] is True
    assert g["later_than_domestic_only"] == []
    assert g["domestic_weighted_wait"] == plan["metrics"]["domestic"]["weighted_wait"]
    assert g["domestic_only_weighted_wait"] == reference["metrics"]["domestic"]["weighted_wait"]
    for a in reference["assignments"]:
        start = start_of(plan, a["course"])
        assert start is not None, f"{a['course']} is scheduled without foreign courses only"
        assert start <= a["start_date"], f"{a['course']} starts later than without foreign courses"
    # `infeasible` only when the courses under way overload a machine-day; then nothing new is admitted.
    has_fixed = any(c.get("fixed") for c in doc["courses"])
    assert (plan["status"] == "infeasible") == overloaded(doc, plan)
    assert not reserve_broken(doc, plan)
    if plan["status"] == "infeasible":
        assert has_fixed
        admitted = [courses[a["course"]] for a in plan["assignments"]]
        assert all(c.get("fixed") for c in admitted if c["origin"] == "foreign")


# --- random instances -------------------------------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn) -> Doc:
    start = draw(st.dates(dt.date(2025, 12, 1), dt.date(2027, 2, 28)))
    days = draw(st.integers(3, 45))
    horizon = [start + dt.timedelta(days=d) for d in range(days)]
    in_horizon = st.sampled_from(horizon).map(iso)
    machines = []
    for i in range(draw(st.integers(1, 3))):
        # Round numbers, and odd ones so that a booking can miss (or overrun) a capacity by a single minute.
        weekday = st.sampled_from([0, 0, 60, 120, 300, 480, 600]) | st.integers(1, 200)
        week = draw(st.lists(weekday, min_size=7, max_size=7))
        downtime = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"date": in_horizon, "minutes": st.sampled_from([30, 120, 600, 1440]) | st.integers(1, 200)},
                    optional={"reason": st.just("QA")},
                ),
                max_size=3,
            )
        )
        machines.append({"id": f"M{i + 1}", "kind": "linac", "minutes_per_weekday": week, "downtime": downtime})
    machine_ids = [m["id"] for m in machines]
    partners = [
        {"id": f"P{i + 1}", "max_courses_per_month": draw(st.integers(0, 2))} for i in range(draw(st.integers(0, 3)))
    ]
    courses: list[Doc] = []
    for j in range(draw(st.integers(1, 12))):
        is_foreign = bool(partners) and draw(st.integers(0, 2)) == 0
        fixed = draw(st.integers(0, 5)) == 0
        fractions = draw(st.integers(1, 12)) if fixed else draw(st.integers(1, min(8, days)))
        ready = start + dt.timedelta(days=draw(st.integers(-10, days + 3)))
        course: Doc = {
            "id": f"{'F' if is_foreign else 'D'}{j}",
            "origin": "foreign" if is_foreign else "domestic",
            "ready_date": iso(ready),
            "fractions": fractions,
            "first_minutes": draw(st.sampled_from([0, 15, 30, 60, 120, 240]) | st.integers(1, 150)),
            "minutes": draw(st.sampled_from([0, 15, 30, 60, 120]) | st.integers(1, 150)),
            "machines": draw(st.lists(st.sampled_from(machine_ids), min_size=1, max_size=3, unique=True)),
        }
        if is_foreign:
            course["partner"] = draw(st.sampled_from([p["id"] for p in partners]))
            course["value"] = draw(st.integers(0, 10_000) | st.sampled_from([0.5, 1234.25]))
            course["latest_start"] = iso(ready + dt.timedelta(days=draw(st.integers(-5, 30))))
        else:
            course["urgency"] = draw(st.integers(1, 3))
        if fixed:
            before = draw(st.integers(0, 4)) > 0  # mostly started before the horizon, sometimes inside it
            fixed_start = (
                start - dt.timedelta(days=draw(st.integers(1, 20))) if before else draw(st.sampled_from(horizon))
            )
            course["fixed"] = {
                "machine": draw(st.sampled_from(course["machines"])),
                "start_date": iso(fixed_start),
                "delivered": draw(st.integers(0, fractions - 1)),
            }
        elif not is_foreign and draw(st.booleans()):
            course["fixed"] = None
        courses.append(course)
    return {
        "format": "onconet-schedule/1",
        "start_date": iso(start),
        "days": days,
        "holidays": draw(st.lists(in_horizon | st.just("2025-01-01"), max_size=3, unique=True)),
        "domestic_reserve": draw(st.sampled_from([0, 0.05, 0.1, 0.25, 1 / 3, 0.5])),
        "machines": machines,
        "partners": partners,
        "courses": courses,
    }


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=instances())
def test_random_instances_give_verified_plans(doc: Doc):
    check_both_solvers(doc)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=instances())
def test_random_instances_solved_window_by_window(doc: Doc):
    """The large-instance path of CP-SAT (windows of a few courses, no proof of optimality), on small instances."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat_module, "MONOLITHIC_TERMS", 0)
        patch.setattr(cpsat_module, "WINDOW_COURSES", 2)
        check_both_solvers(doc)


def check_both_solvers(doc: Doc) -> None:
    plans = {}
    for solver in SOLVERS:
        plan, reference = plan_and_reference(doc, solver)
        assert plan["solver"] == solver
        check_plan(doc, plan, reference)
        plans[solver] = plan
    greedy, cpsat = plans["greedy"]["metrics"]["domestic"], plans["cpsat"]["metrics"]["domestic"]
    assert cpsat["scheduled"] >= greedy["scheduled"]
    if plans["cpsat"]["status"] == "optimal" and cpsat["scheduled"] == greedy["scheduled"]:
        # v2's lexicographic objective: days over target first, then weighted wait.
        assert (cpsat["days_over_target"], cpsat["weighted_wait"]) <= (
            greedy["days_over_target"],
            greedy["weighted_wait"],
        )
    assert plans["greedy"]["status"] in ("feasible", "infeasible")  # greedy proves nothing
    # With the same domestic schedule, a proven optimum admits at least the value first come, first served does.
    if plans["cpsat"]["status"] == "optimal" and domestic_placements(doc, plans["cpsat"]) == domestic_placements(
        doc, plans["greedy"]
    ):
        assert plans["cpsat"]["metrics"]["foreign"]["value"] >= plans["greedy"]["metrics"]["foreign"]["value"]


def domestic_placements(doc: Doc, plan: Doc) -> list[tuple[str, str, str]]:
    origin = {c["id"]: c["origin"] for c in doc["courses"]}
    return sorted(
        (a["course"], a["machine"], a["start_date"]) for a in plan["assignments"] if origin[a["course"]] == "domestic"
    )


# --- hand-written edge cases ------------------------------------------------------------------------------------


def instance(
    courses: list[Doc],
    machines: list[Doc] | None = None,
    *,
    start: dt.date = MONDAY,
    days: int = 14,
    holidays: tuple[str, ...] = (),
    reserve: float = 0,
    partners: list[Doc] | None = None,
) -> Doc:
    return {
        "format": "onconet-schedule/1",
        "start_date": iso(start),
        "days": days,
        "holidays": list(holidays),
        "domestic_reserve": reserve,
        "machines": machines or [machine("G1")],
        "partners": partners if partners is not None else [{"id": "P1", "max_courses_per_month": 10}],
        "courses": courses,
    }


def machine(mid: str, week: tuple[int, ...] = (600, 600, 600, 600, 600, 0, 0), downtime: tuple[Doc, ...] = ()) -> Doc:
    return {"id": mid, "kind": "linac", "minutes_per_weekday": list(week), "downtime": list(downtime)}


def dom(
    cid: str,
    fractions: int,
    minutes: int,
    *,
    ready: str = "2026-01-05",
    first: int | None = None,
    machines: tuple[str, ...] = ("G1",),
    urgency: int = 3,
    fixed: Doc | None = None,
) -> Doc:
    return {
        "id": cid,
        "origin": "domestic",
        "ready_date": ready,
        "urgency": urgency,
        "fractions": fractions,
        "first_minutes": minutes if first is None else first,
        "minutes": minutes,
        "machines": list(machines),
        "fixed": fixed,
    }


def fgn(
    cid: str,
    fractions: int,
    minutes: int,
    *,
    ready: str = "2026-01-05",
    latest: str = "2026-01-16",
    value: float = 1000,
    partner: str = "P1",
    machines: tuple[str, ...] = ("G1",),
    fixed: Doc | None = None,
) -> Doc:
    course = {
        "id": cid,
        "origin": "foreign",
        "partner": partner,
        "value": value,
        "ready_date": ready,
        "latest_start": latest,
        "fractions": fractions,
        "first_minutes": minutes,
        "minutes": minutes,
        "machines": list(machines),
    }
    if fixed is not None:
        course["fixed"] = fixed
    return course


def solved(doc: Doc, solver: str) -> Doc:
    plan, reference = plan_and_reference(doc, solver)
    check_plan(doc, plan, reference)
    return plan


def dates(plan: Doc, cid: str) -> tuple[str, str, list[str]]:
    (a,) = [a for a in plan["assignments"] if a["course"] == cid]
    return a["machine"], a["start_date"], [d[5:] for d in a["dates"]]


def reason(plan: Doc, cid: str) -> str:
    (r,) = [r["reason"] for r in plan["rejected"] if r["course"] == cid]
    return str(r)


@pytest.mark.parametrize("solver", SOLVERS)
def test_holidays_and_full_day_downtime_close_a_machine(solver: str):
    g1 = machine("G1", downtime=({"date": "2026-01-08", "minutes": 600}, {"date": "2026-01-09", "minutes": 900}))
    doc = instance([dom("D1", 5, 60)], [g1], holidays=("2026-01-07",))
    plan = solved(doc, solver)
    # Wednesday a holiday, Thursday down all day, Friday down more than all day, then the weekend.
    assert dates(plan, "D1") == ("G1", "2026-01-05", ["01-05", "01-06", "01-12", "01-13", "01-14"])


@pytest.mark.parametrize("solver", SOLVERS)
def test_partial_downtime_reduces_capacity_but_keeps_the_machine_open(solver: str):
    g1 = machine("G1", week=(100,) * 5 + (0, 0), downtime=({"date": "2026-01-06", "minutes": 50},))
    doc = instance([dom("A", 3, 60), dom("B", 3, 40)], [g1])
    plan = solved(doc, solver)
    # Tuesday has 50 minutes: too few for A's 60, and an open day cannot be skipped, so A waits until Wednesday.
    assert dates(plan, "A") == ("G1", "2026-01-07", ["01-07", "01-08", "01-09"])
    # B's 40 minutes fit on Tuesday, and beside A on Wednesday (60 + 40 = 100).
    assert dates(plan, "B") == ("G1", "2026-01-05", ["01-05", "01-06", "01-07"])
    assert booked(doc, plan)[("G1", "2026-01-07")] == [100, 0]
    assert plan["metrics"]["domestic"]["weighted_wait"] == 2


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("minutes", [40, 41])
def test_capacity_is_a_hard_limit_to_the_minute(solver: str, minutes: int):
    # A takes 60 minutes a day; B 30 on its first day, then `minutes`. The machine has 100 a day.
    doc = instance([dom("A", 3, 60), dom("B", 3, minutes, first=30)], [machine("G1", week=(100,) * 5 + (0, 0))])
    plan = solved(doc, solver)
    assert dates(plan, "A")[1] == "2026-01-05"
    if minutes == 40:  # 60 + 40 = 100: side by side from Monday
        assert dates(plan, "B")[1] == "2026-01-05"
        assert plan["metrics"]["domestic"]["weighted_wait"] == 0
    else:  # 60 + 41 = 101 on Tuesday: B starts on A's last day, where only its 30 minutes meet A's 60
        assert dates(plan, "B") == ("G1", "2026-01-07", ["01-07", "01-08", "01-09"])
        assert plan["metrics"]["domestic"]["weighted_wait"] == 2


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(("latest", "start"), [("2026-01-06", None), ("2026-01-07", "2026-01-07")])
def test_latest_start_is_the_last_day_a_foreign_course_may_start(solver: str, latest: str, start: str | None):
    busy = dom("B", 4, 600, ready="2026-01-01", fixed={"machine": "G1", "start_date": "2026-01-01", "delivered": 2})
    doc = instance([busy, fgn("F1", 2, 60, latest=latest)])  # G1 is full on Monday and Tuesday
    plan = solved(doc, solver)
    if start is None:
        assert "no capacity before latest_start 2026-01-06" in reason(plan, "F1")
    else:
        assert dates(plan, "F1")[1] == start


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_course_under_way_continues_on_the_next_open_days(solver: str):
    started = dom(
        "U1", 5, 30, first=90, ready="2025-12-20", fixed={"machine": "G1", "start_date": "2025-12-29", "delivered": 2}
    )
    inside = dom(
        "U2", 2, 30, first=90, ready="2026-01-02", fixed={"machine": "G1", "start_date": "2026-01-07", "delivered": 0}
    )
    long = dom("U3", 20, 10, ready="2025-12-01", fixed={"machine": "G1", "start_date": "2025-12-08", "delivered": 6})
    doc = instance([started, inside, long], days=7, holidays=("2026-01-06",))
    plan = solved(doc, solver)
    # From max(start_date, horizon start): Monday 5 January, then past the holiday; the start date stays.
    assert dates(plan, "U1") == ("G1", "2025-12-29", ["01-05", "01-07", "01-08"])
    # A course under way that starts inside the horizon starts there, with its first fraction's minutes.
    assert dates(plan, "U2") == ("G1", "2026-01-07", ["01-07", "01-08"])
    # 14 fractions remain, 4 open days are left in the horizon.
    assert dates(plan, "U3") == ("G1", "2025-12-08", ["01-05", "01-07", "01-08", "01-09"])
    # Minutes: U1 3 × 30 (its first fraction was delivered), U2 90 + 30, U3 4 × 10; 4 open days × 600.
    assert plan["metrics"]["utilization"] == {"G1": round((90 + 120 + 40) / 2400, 4)}
    # Waits count from the start date: U1 9 days, U2 5, U3 7.
    assert plan["metrics"]["domestic"]["weighted_wait"] == 9 + 5 + 7


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_foreign_course_whose_latest_start_is_before_its_ready_date_is_rejected(solver: str):
    doc = instance([fgn("F1", 2, 30, ready="2026-01-12", latest="2026-01-09")])
    plan = solved(doc, solver)
    assert plan["assignments"] == []
    assert "latest_start 2026-01-09" in reason(plan, "F1")
    assert "before the ready date" in reason(plan, "F1")
    assert plan["metrics"]["foreign"] == {"admitted": 0, "rejected": 1, "value": 0}


@pytest.mark.parametrize("solver", SOLVERS)
def test_quotas_count_foreign_starts_per_calendar_month(solver: str):
    # Quota 1 a month; three courses ready Friday 30 January: one starts in January, one on Monday 2 February
    # (three days later, but another month), the third has no month left before its latest_start.
    courses = [fgn(f"F{v}", 1, 30, ready="2026-01-30", latest="2026-02-06", value=v) for v in (300, 200, 100)]
    doc = instance(courses, start=dt.date(2026, 1, 26), partners=[{"id": "P1", "max_courses_per_month": 1}])
    plan = solved(doc, solver)
    # The two most valuable are admitted (CP-SAT may swap their months: the same value, the same days).
    assert sorted([dates(plan, "F300")[1], dates(plan, "F200")[1]]) == ["2026-01-30", "2026-02-02"]
    if solver == "greedy":
        assert dates(plan, "F300")[1] == "2026-01-30"
    assert "quota" in reason(plan, "F100")
    assert plan["metrics"]["foreign"] == {"admitted": 2, "rejected": 1, "value": 500}


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_partner_without_quota_gets_nothing(solver: str):
    doc = instance([fgn("F1", 1, 30)], partners=[{"id": "P1", "max_courses_per_month": 0}])
    plan = solved(doc, solver)
    assert "quota" in reason(plan, "F1")


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("reserve", "domestic", "foreign", "admitted"),
    [
        (0.1, 500, 40, True),  # the contract's example: 0.9 × 600 − 500 = 40
        (0.1, 500, 41, False),
        (0.1, 0, 540, True),
        (0.1, 0, 541, False),
        (0.1, 550, 1, False),  # domestic beyond 0.9 × capacity: max(0, …) leaves nothing
        (0, 500, 100, True),
        (0, 500, 101, False),  # capacity
        (0.5, 200, 100, True),
        (0.5, 200, 101, False),
    ],
)
def test_the_domestic_reserve(solver: str, reserve: float, domestic: int, foreign: int, admitted: bool):
    courses = [fgn("F1", 1, foreign, latest="2026-01-05")]
    if domestic:
        courses.insert(0, dom("D1", 1, domestic))
    doc = instance(courses, days=1, reserve=reserve)
    plan = solved(doc, solver)
    if domestic:
        assert dates(plan, "D1") == ("G1", "2026-01-05", ["01-05"])
    if admitted:
        assert dates(plan, "F1") == ("G1", "2026-01-05", ["01-05"])
    else:
        assert "no capacity before latest_start 2026-01-05" in reason(plan, "F1")


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_foreign_course_under_way_stays_in_the_reference_and_the_plan_is_feasible(solver: str):
    """v2: a foreign course under way is on the machine in the domestic-only plan too, so the domestic courses are
    planned around it instead of under it (version 1 laid it over them and answered `infeasible`)."""
    under_way = fgn(
        "FX",
        3,
        100,
        ready="2025-12-20",
        latest="2026-01-02",
        fixed={"machine": "G1", "start_date": "2026-01-02", "delivered": 1},
    )
    doc = instance([dom("D1", 3, 550, urgency=1), under_way, fgn("F1", 1, 10)], days=7)
    plan, reference = plan_and_reference(doc, solver)
    check_plan(doc, plan, reference)
    assert plan["status"] == ("optimal" if solver == "cpsat" else "feasible")
    # 550 + 100 > 600 on Monday and Tuesday: D1 starts on Wednesday, in the plan and in the reference alike.
    assert dates(plan, "D1") == ("G1", "2026-01-07", ["01-07", "01-08", "01-09"])
    assert dates(reference, "D1") == dates(plan, "D1")
    assert dates(reference, "FX") == dates(plan, "FX") == ("G1", "2026-01-02", ["01-05", "01-06"])
    assert booked(doc, plan)[("G1", "2026-01-05")] == [0, 110 if dates(plan, "F1")[1] == "2026-01-05" else 100]
    assert plan["metrics"]["foreign"]["admitted"] == 2
    assert plan["guarantee"]["holds"] is True


@pytest.mark.parametrize("solver", SOLVERS)
def test_courses_under_way_that_overload_together_make_the_plan_infeasible(solver: str):
    under_way = fgn(
        "FX",
        3,
        100,
        ready="2025-12-20",
        latest="2026-01-02",
        fixed={"machine": "G1", "start_date": "2026-01-02", "delivered": 1},
    )
    busy = dom("DU", 2, 550, ready="2025-12-20", fixed={"machine": "G1", "start_date": "2026-01-02", "delivered": 1})
    doc = instance([busy, under_way, dom("D1", 1, 100), fgn("F1", 1, 10)], days=7)
    plan, reference = plan_and_reference(doc, solver)
    check_plan(doc, plan, reference)
    assert plan["status"] == "infeasible"
    assert booked(doc, plan)[("G1", "2026-01-05")] == [550, 100]
    # The new domestic course avoids the overloaded Monday; nothing new foreign is admitted.
    assert dates(plan, "D1") == ("G1", "2026-01-06", ["01-06"])
    assert "under way" in reason(plan, "F1")
    assert plan["guarantee"]["holds"] is True


@pytest.mark.parametrize("solver", SOLVERS)
def test_domestic_courses_under_way_that_overload_make_the_plan_infeasible(solver: str):
    fixed = {"machine": "G1", "start_date": "2026-01-01", "delivered": 1}
    doc = instance(
        [
            dom("U1", 3, 400, ready="2026-01-01", fixed=fixed),
            dom("U2", 3, 400, ready="2026-01-01", fixed=fixed),
            dom("D1", 1, 100),
        ],
        days=7,
    )
    plan = solved(doc, solver)
    assert plan["status"] == "infeasible"
    assert dates(plan, "D1") == ("G1", "2026-01-07", ["01-07"])  # after the overloaded Monday and Tuesday


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("eligible", "busy", "expected"),
    [
        (("G1", "G2"), "G1", ("G2", "2026-01-06")),  # G1 taken until Wednesday; G2 opens on Tuesday
        (("G2", "G1"), "G1", ("G2", "2026-01-06")),
        (("G1", "G2"), "G2", ("G1", "2026-01-05")),
        (("G2", "G1"), "G2", ("G1", "2026-01-05")),
    ],
)
def test_a_course_eligible_on_two_machines_takes_the_earlier_start(
    solver: str, eligible: tuple[str, ...], busy: str, expected: tuple[str, str]
):
    g2 = machine("G2", week=(0, 600, 600, 600, 600, 0, 0))  # closed on Mondays
    blocker = dom(
        "B",
        4,
        600,
        ready="2026-01-01",
        machines=(busy,),
        fixed={"machine": busy, "start_date": "2026-01-01", "delivered": 2},
    )
    doc = instance([blocker, dom("D1", 3, 60, machines=eligible, urgency=2)], [machine("G1"), g2])
    plan = solved(doc, solver)
    machine_id, start, _ = dates(plan, "D1")
    assert (machine_id, start) == expected


@pytest.mark.parametrize("solver", SOLVERS)
def test_an_instance_without_courses(solver: str):
    doc = instance([], [machine("G1"), machine("G2", week=(0,) * 7)])
    plan = solved(doc, solver)
    assert plan["status"] == ("optimal" if solver == "cpsat" else "feasible")
    assert plan["assignments"] == []
    assert plan["rejected"] == []
    assert plan["metrics"]["domestic"] == {
        "scheduled": 0,
        "unscheduled": 0,
        "wait_days_mean": 0,
        "wait_days_p50": 0,
        "wait_days_p95": 0,
        "weighted_wait": 0,
        "days_over_target": 0,
        "by_urgency": {
            u: {"scheduled": 0, "wait_days_mean": 0, "wait_days_p95": 0, "wait_days_max": 0, "over_target": 0}
            for u in ("1", "2", "3")
        },
    }
    assert plan["metrics"]["foreign"] == {"admitted": 0, "rejected": 0, "value": 0}
    assert plan["metrics"]["utilization"] == {"G1": 0, "G2": 0}
    assert plan["guarantee"] == {
        "domestic_only_weighted_wait": 0,
        "domestic_weighted_wait": 0,
        "later_than_domestic_only": [],
        "holds": True,
    }


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_course_without_enough_open_days_is_not_scheduled(solver: str):
    doc = instance([dom("D1", 11, 30), dom("D2", 10, 30)], days=14)  # ten weekdays in two weeks
    plan = solved(doc, solver)
    assert "fewer than 11 open days" in reason(plan, "D1")
    assert dates(plan, "D2")[1] == "2026-01-05"
    assert plan["metrics"]["domestic"]["unscheduled"] == 1


def test_cpsat_serves_the_urgent_course_first_and_greedy_first_come_first_served():
    g1 = machine("G1", week=(100,) * 5 + (0, 0))
    doc = instance([dom("ROUTINE", 5, 100, urgency=3), dom("URGENT", 5, 100, urgency=1)], [g1])
    greedy, cpsat = solved(doc, "greedy"), solved(doc, "cpsat")
    assert dates(greedy, "ROUTINE")[1] == "2026-01-05"
    assert dates(greedy, "URGENT")[1] == "2026-01-12"
    assert greedy["metrics"]["domestic"]["weighted_wait"] == 70
    assert cpsat["status"] == "optimal"
    assert dates(cpsat, "URGENT")[1] == "2026-01-05"
    assert dates(cpsat, "ROUTINE")[1] == "2026-01-12"
    assert cpsat["metrics"]["domestic"]["weighted_wait"] == 7


def test_cpsat_schedules_more_domestic_courses_than_first_come_first_served():
    # Five open days of 100 minutes. Greedy books the long course first (Monday to Wednesday, all 100 minutes) and
    # leaves no four consecutive days for the short ones; CP-SAT runs both short ones side by side instead.
    g1 = machine("G1", week=(100,) * 5 + (0, 0))
    doc = instance([dom("LONG", 3, 100), dom("S1", 4, 50), dom("S2", 4, 50)], [g1], days=7)
    greedy, cpsat = solved(doc, "greedy"), solved(doc, "cpsat")
    assert greedy["metrics"]["domestic"]["scheduled"] == 1
    assert cpsat["metrics"]["domestic"]["scheduled"] == 2
    assert cpsat["status"] == "optimal"


@pytest.mark.parametrize("solver", SOLVERS)
def test_foreign_courses_of_little_or_no_value_are_admitted_when_there_is_room(solver: str):
    doc = instance([fgn("F0", 2, 30, value=0), fgn("F1", 2, 30, value=0.5), fgn("F2", 2, 30, value=1234.25)])
    plan = solved(doc, solver)
    assert plan["metrics"]["foreign"] == {"admitted": 3, "rejected": 0, "value": 1234.75}


def test_cpsat_admits_the_more_valuable_foreign_course_even_by_cents():
    doc = instance(
        [fgn("LOW", 1, 400, value=0.4, latest="2026-01-05"), fgn("HIGH", 1, 400, value=0.5, latest="2026-01-05")],
        days=1,
    )
    greedy, cpsat = solved(doc, "greedy"), solved(doc, "cpsat")
    assert [a["course"] for a in greedy["assignments"]] == ["LOW"]  # first come, first served
    assert [a["course"] for a in cpsat["assignments"]] == ["HIGH"]
    assert cpsat["status"] == "optimal"
    assert cpsat["metrics"]["foreign"]["value"] == 0.5


def test_wall_clock_times_stay_out_of_the_plan():
    doc = instance([dom("D1", 3, 60), fgn("F1", 2, 30)])
    stats: dict[str, float] = {}
    with_stats = solve(parse_instance(doc), "cpsat", TIME_LIMIT, 0, stats=stats).as_document()
    assert set(stats) == {"first_feasible_seconds", "wall_seconds"}
    assert 0 <= stats["first_feasible_seconds"] <= stats["wall_seconds"]
    assert json.dumps(with_stats) == json.dumps(solve(parse_instance(doc), "cpsat", TIME_LIMIT, 0).as_document())


def test_an_unknown_solver_is_refused():
    with pytest.raises(ValueError, match="unknown solver"):
        solve(parse_instance(instance([])), "simplex", TIME_LIMIT, 0)
