"""Contract version 2: wait targets, beams, foreign courses under way in the reference, forecast-aware admission and
the rolling replay — random v2 instances checked by the verifier, and hand-written cases that can fail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconet.scheduling.solver import InvalidInstance, parse_instance, solve, verify
from onconet.scheduling.solver import cpsat as cpsat_module
from onconet.scheduling.solver.calendar import Calendar
from onconet.scheduling.solver.cli import dumps
from onconet.scheduling.solver.replay import replay

Doc = dict[str, Any]
SOLVERS = ("greedy", "cpsat")
TIME_LIMIT = 2.0
MONDAY = dt.date(2026, 1, 5)
REPO = Path(__file__).resolve().parents[3]
ONCONET = Path(sys.executable).with_name("onconet")


def iso(date: dt.date) -> str:
    return date.isoformat()


def reference_doc(doc: Doc) -> Doc:
    """The reference instance, from the document: foreign courses removed except those under way."""
    return dict(doc, courses=[c for c in doc["courses"] if c["origin"] != "foreign" or c.get("fixed")])


def solved(doc: Doc, solver: str) -> Doc:
    """The plan, checked by the verifier against the reference plan; the guarantee holds."""
    plan = solve(parse_instance(doc), solver, TIME_LIMIT, 0).as_document()
    reference = solve(parse_instance(reference_doc(doc)), solver, TIME_LIMIT, 0).as_document()
    assert verify(reference_doc(doc), reference) == []
    assert verify(doc, plan, reference) == []
    assert plan["guarantee"]["holds"] is True
    assert json.loads(json.dumps(plan, allow_nan=False)) == plan
    return plan


def machine(mid: str, minutes: int = 600, beam: str | None = None, downtime: tuple[Doc, ...] = ()) -> Doc:
    m: Doc = {"id": mid, "kind": "proton_gantry", "minutes_per_weekday": [minutes] * 5 + [0, 0]}
    m["downtime"] = list(downtime)
    if beam is not None:
        m["beam"] = beam
    return m


def dom(cid: str, fractions: int, minutes: int, *, ready: str = "2026-01-05", urgency: int = 3, **extra: Any) -> Doc:
    machines = extra.pop("machines", ["G1"])
    return {
        "id": cid,
        "origin": "domestic",
        "ready_date": ready,
        "urgency": urgency,
        "fractions": fractions,
        "first_minutes": minutes,
        "minutes": minutes,
        "machines": machines,
        **extra,
    }


def fgn(
    cid: str, fractions: int, minutes: int, *, ready: str = "2026-01-05", latest: str = "2026-02-27", **extra: Any
) -> Doc:
    machines = extra.pop("machines", ["G1"])
    return {
        "id": cid,
        "origin": "foreign",
        "partner": "P1",
        "value": extra.pop("value", 1000),
        "ready_date": ready,
        "latest_start": latest,
        "fractions": fractions,
        "first_minutes": minutes,
        "minutes": minutes,
        "machines": machines,
        **extra,
    }


def instance(courses: list[Doc], machines: list[Doc] | None = None, *, days: int = 14, **extra: Any) -> Doc:
    return {
        "format": "onconet-schedule/2",
        "start_date": iso(MONDAY),
        "days": days,
        "machines": machines or [machine("G1")],
        "partners": [{"id": "P1", "max_courses_per_month": 10}],
        "courses": courses,
        **extra,
    }


def placed(plan: Doc, cid: str) -> tuple[str, str]:
    (a,) = [a for a in plan["assignments"] if a["course"] == cid]
    return a["machine"], a["start_date"]


def reason(plan: Doc, cid: str) -> str:
    (r,) = [r["reason"] for r in plan["rejected"] if r["course"] == cid]
    return str(r)


# --- random v2 instances ----------------------------------------------------------------------------------------


@st.composite
def v2_instances(draw: st.DrawFn) -> Doc:
    days = draw(st.integers(5, 35))
    horizon = [MONDAY + dt.timedelta(days=d) for d in range(days)]
    in_horizon = st.sampled_from(horizon).map(iso)
    beams = [
        {
            "id": f"B{i + 1}",
            "minutes_per_weekday": draw(st.lists(st.sampled_from([0, 100, 300, 600, 900]), min_size=7, max_size=7)),
            "downtime": draw(
                st.lists(st.fixed_dictionaries({"date": in_horizon, "minutes": st.integers(1, 600)}), max_size=2)
            ),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    machines = []
    for i in range(draw(st.integers(1, 3))):
        week = draw(st.lists(st.sampled_from([0, 60, 300, 600]) | st.integers(1, 200), min_size=7, max_size=7))
        m: Doc = {"id": f"M{i + 1}", "kind": "gantry", "minutes_per_weekday": week}
        if beams and draw(st.booleans()):
            m["beam"] = draw(st.sampled_from([b["id"] for b in beams]))
        machines.append(m)
    ids = [m["id"] for m in machines]
    courses: list[Doc] = []
    for j in range(draw(st.integers(1, 10))):
        foreign = draw(st.integers(0, 2)) == 0
        fixed = draw(st.integers(0, 4)) == 0
        fractions = draw(st.integers(1, min(8, days)))
        ready = MONDAY + dt.timedelta(days=draw(st.integers(-10, days)))
        c: Doc = {
            "id": f"{'F' if foreign else 'D'}{j}",
            "origin": "foreign" if foreign else "domestic",
            "ready_date": iso(ready),
            "fractions": fractions,
            "first_minutes": draw(st.sampled_from([0, 30, 60, 120]) | st.integers(1, 150)),
            "minutes": draw(st.sampled_from([0, 30, 60]) | st.integers(1, 150)),
            "machines": draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)),
        }
        if foreign:
            c.update(partner="P1", value=draw(st.integers(0, 5000)))
            c["latest_start"] = iso(ready + dt.timedelta(days=draw(st.integers(-3, 30))))
        else:
            c["urgency"] = draw(st.integers(1, 3))
            if draw(st.booleans()):
                c["target_days"] = draw(st.integers(0, 20))
        if fixed:
            c["fixed"] = {
                "machine": draw(st.sampled_from(c["machines"])),
                "start_date": iso(MONDAY - dt.timedelta(days=draw(st.integers(0, 10)))),
                "delivered": draw(st.integers(0, fractions - 1)),
            }
        courses.append(c)
    doc: Doc = {
        "format": "onconet-schedule/2",
        "start_date": iso(MONDAY),
        "days": days,
        "domestic_reserve": draw(st.sampled_from([0, 0.1, 0.5])),
        "machines": machines,
        "beams": beams,
        "partners": [{"id": "P1", "max_courses_per_month": draw(st.integers(0, 3))}],
        "courses": courses,
    }
    if draw(st.booleans()):
        doc["wait_targets"] = {str(u): draw(st.integers(0, 10)) for u in (1, 2, 3)}
    if draw(st.booleans()):
        doc["forecast"] = {
            "lead_days": draw(st.integers(0, 7)),
            "protection": draw(st.sampled_from([0.1, 0.5, 0.9, 1])),
            "classes": [
                {
                    "machines": draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)),
                    "urgency": draw(st.integers(1, 3)),
                    "fractions": draw(st.integers(1, 5)),
                    "first_minutes": draw(st.integers(0, 200)),
                    "minutes": draw(st.integers(0, 200)),
                    "per_week": draw(st.sampled_from([0, 0.5, 1, 3])),
                }
                for _ in range(draw(st.integers(0, 2)))
            ],
        }
    return doc


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=v2_instances())
def test_random_v2_instances_solved_window_by_window(doc: Doc):
    """CP-SAT's large-instance path (windows of two courses, few start options) with beams, targets and forecasts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat_module, "MONOLITHIC_TERMS", 0)
        patch.setattr(cpsat_module, "WINDOW_COURSES", 2)
        patch.setattr(cpsat_module, "MAX_OPTIONS", 3)
        solved(doc, "cpsat")


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=v2_instances())
def test_random_v2_instances_give_verified_plans(doc: Doc):
    plans = {solver: solved(doc, solver) for solver in SOLVERS}
    greedy, cpsat = (plans[s]["metrics"]["domestic"] for s in SOLVERS)
    assert cpsat["scheduled"] >= greedy["scheduled"]
    if plans["cpsat"]["status"] == "optimal" and cpsat["scheduled"] == greedy["scheduled"]:
        assert (cpsat["days_over_target"], cpsat["weighted_wait"]) <= (
            greedy["days_over_target"],
            greedy["weighted_wait"],
        )
    # A forecast only ever takes capacity away from foreign courses.
    if "forecast" in doc:
        without = solve(
            parse_instance({k: v for k, v in doc.items() if k != "forecast"}), "greedy", TIME_LIMIT, 0
        ).as_document()
        domestic = [a for a in plans["greedy"]["assignments"] if a["course"].startswith("D")]
        assert domestic == [a for a in without["assignments"] if a["course"].startswith("D")]


# --- beams ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_machines_sharing_a_beam_never_exceed_its_minutes(solver: str):
    beam = {"id": "B1", "minutes_per_weekday": [600] * 5 + [0, 0], "downtime": [{"date": "2026-01-07", "minutes": 200}]}
    doc = instance(
        [dom("A", 5, 400, machines=["G1"]), dom("B", 1, 300, machines=["G2"]), dom("C", 1, 200, machines=["G2"])],
        [machine("G1", beam="B1"), machine("G2", beam="B1")],
        beams=[beam],
    )
    plan = solved(doc, solver)
    if solver == "greedy":
        # A takes 400 of the beam's 600 from Monday; C's 200 fit beside it, B's 300 only after A, a week later.
        assert [placed(plan, c) for c in "ABC"] == [("G1", "2026-01-05"), ("G2", "2026-01-12"), ("G2", "2026-01-05")]
        assert plan["metrics"]["domestic"]["weighted_wait"] == 7
    else:
        # B and C together on Monday (500), A from Tuesday (its 400 just fit the 400 the beam has on Wednesday).
        assert [placed(plan, c) for c in "ABC"] == [("G1", "2026-01-06"), ("G2", "2026-01-05"), ("G2", "2026-01-05")]
        assert plan["metrics"]["domestic"]["weighted_wait"] == 1
        assert plan["status"] == "optimal"


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_beam_down_for_the_day_closes_its_machines_for_courses_with_minutes(solver: str):
    beam = {"id": "B1", "minutes_per_weekday": [600] * 5 + [0, 0], "downtime": [{"date": "2026-01-06", "minutes": 600}]}
    doc = instance([dom("A", 2, 60)], [machine("G1", beam="B1")], beams=[beam])
    plan = solved(doc, solver)
    # G1 is open on Tuesday, so A's fractions cannot skip it: A starts on Wednesday.
    assert placed(plan, "A") == ("G1", "2026-01-07")


# --- wait targets -----------------------------------------------------------------------------------------------


def test_cpsat_keeps_every_course_within_its_target_before_it_shortens_waits():
    # One course at a time fits. The urgent course may wait 14 days, the routine one none: routine first.
    doc = instance(
        [dom("URGENT", 5, 600, urgency=1, target_days=14), dom("ROUTINE", 5, 600, urgency=3, target_days=0)], days=21
    )
    greedy, cpsat = solved(doc, "greedy"), solved(doc, "cpsat")
    assert cpsat["status"] == "optimal"
    assert placed(cpsat, "ROUTINE")[1] == "2026-01-05"
    assert placed(cpsat, "URGENT")[1] == "2026-01-12"
    assert cpsat["metrics"]["domestic"]["days_over_target"] == 0
    assert cpsat["metrics"]["domestic"]["weighted_wait"] == 70
    # First come, first served books in the instance's order: the urgent one first, the routine one 7 days over.
    assert placed(greedy, "URGENT")[1] == "2026-01-05"
    assert greedy["metrics"]["domestic"]["days_over_target"] == 7
    by = cpsat["metrics"]["domestic"]["by_urgency"]
    assert by["1"] == {"scheduled": 1, "wait_days_mean": 7, "wait_days_p95": 7, "wait_days_max": 7, "over_target": 0}
    assert by["3"] == {"scheduled": 1, "wait_days_mean": 0, "wait_days_p95": 0, "wait_days_max": 0, "over_target": 0}


def test_window_by_window_cpsat_keeps_courses_within_their_targets_too():
    # Each course alone in its window (exact weights would not be used): the scalarised search, accepted only when
    # lexicographically no worse, still finds the plan with no day over target.
    doc = instance(
        [dom("URGENT", 5, 600, urgency=1, target_days=14), dom("ROUTINE", 5, 600, urgency=3, target_days=0)], days=21
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat_module, "MONOLITHIC_TERMS", 0)
        patch.setattr(cpsat_module, "WINDOW_COURSES", 2)
        plan = solved(doc, "cpsat")
    assert plan["status"] == "feasible"
    assert (placed(plan, "ROUTINE")[1], placed(plan, "URGENT")[1]) == ("2026-01-05", "2026-01-12")
    assert plan["metrics"]["domestic"]["days_over_target"] == 0


def test_windows_hold_a_number_of_courses_not_a_number_of_days():
    # Nine courses ready in the first week of a 120-day horizon and one in the last month (start days 0 0 0 1 1 2 2
    # 3 3 105): windows from every second course to the fourth after it, the first from day 0, the last to the
    # horizon's end; not 120 / (10 / 4) = 48-day windows of which the first would hold nine courses.
    ready = ["2026-01-05"] * 3 + ["2026-01-06"] * 2 + ["2026-01-07"] * 2 + ["2026-01-08"] * 2 + ["2026-04-20"]
    doc = instance([dom(f"C{i}", 1, 10, ready=r) for i, r in enumerate(ready)], days=120)
    calendar = Calendar(parse_instance(doc))
    assert cpsat_module.spans(calendar, list(range(10)), {}, 10, 4) == [(0, 1), (0, 2), (1, 3), (2, 120)]
    assert cpsat_module.spans(calendar, list(range(10)), {}, 0, 4) == []


def test_a_window_is_taken_only_when_its_cost_is_lexicographically_no_worse():
    # Costs are relative to leaving the course out: (left out, days over target, weighted wait, tie-break).
    accept = cpsat_module._accept
    assert accept([(-1, 0, 9, 81)], [(-1, 1, 2, 4)], 4)  # a day less over target beats any wait
    assert not accept([(-1, 1, 2, 4)], [(-1, 0, 9, 81)], 4)
    assert not accept([], [(-1, 5, 50, 0)], 4)  # leaving a course out is worse than scheduling it late
    assert accept([(-1, 0, 3, 9), (-1, 0, 3, 9)], [(-1, 0, 0, 0), (-1, 0, 6, 36)], 4)  # spreading the wait


@pytest.mark.parametrize("solver", SOLVERS)
def test_an_unscheduled_course_counts_as_starting_after_the_horizon(solver: str):
    # Two weeks of G1 taken by A; B (urgent, ready Monday, target 2) cannot start in the horizon: 14 − 0 − 2 = 12
    # days over, × 10. C cannot fit in the horizon at all (11 fractions, 10 open days): 0 days, but over target.
    doc = instance([dom("A", 10, 600, urgency=1), dom("B", 1, 600, urgency=1), dom("C", 11, 1, urgency=2)])
    plan = solved(doc, solver)
    metrics = plan["metrics"]["domestic"]
    assert metrics["unscheduled"] == 2
    assert metrics["days_over_target"] == 120
    assert metrics["by_urgency"]["1"]["over_target"] == 1
    assert metrics["by_urgency"]["2"]["over_target"] == 1


# --- foreign courses under way ------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_fixed_foreign_course_no_longer_makes_the_plan_infeasible(solver: str):
    under_way = fgn("FX", 4, 300, ready="2025-12-22", latest="2025-12-31")
    under_way["fixed"] = {"machine": "G1", "start_date": "2026-01-02", "delivered": 1}
    doc = instance([under_way, dom("D1", 3, 400, urgency=1), dom("D2", 2, 300)])
    plan = solved(doc, solver)
    assert plan["status"] in ("optimal", "feasible")
    # FX holds 300 of G1's 600 Monday to Wednesday: D2 fits beside it, D1 (400) starts on Thursday.
    assert placed(plan, "D2") == ("G1", "2026-01-05")
    assert placed(plan, "D1") == ("G1", "2026-01-08")


# --- forecast-aware admission -------------------------------------------------------------------------------------


def forecast_case(forecast: Doc | None) -> Doc:
    extra = {"forecast": forecast} if forecast is not None else {}
    # G1 is empty; the foreign course would hold 500 of its 600 minutes for two weeks from Monday.
    return instance([fgn("F1", 10, 500, latest="2026-01-05")], days=28, **extra)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_forecast_makes_the_solver_refuse_a_foreign_course_it_admits_without_one(solver: str):
    without = solved(forecast_case(None), solver)
    assert placed(without, "F1") == ("G1", "2026-01-05")
    # Three urgent domestic courses of 5 × 200 minutes become ready every week from Wednesday on.
    cls = {"machines": ["G1"], "urgency": 1, "fractions": 5, "first_minutes": 200, "minutes": 200, "per_week": 3}
    forecast = {"lead_days": 2, "protection": 0.9, "classes": [cls]}
    with_forecast = solved(forecast_case(forecast), solver)
    assert with_forecast["assignments"] == []
    assert "needed by the forecast domestic arrivals" in reason(with_forecast, "F1")
    # A class that fits beside the foreign course (100 minutes) leaves it admitted.
    small = dict(cls, first_minutes=20, minutes=20, per_week=1)
    assert placed(solved(forecast_case(dict(forecast, classes=[small])), solver), "F1") == ("G1", "2026-01-05")


def test_plans_with_beams_targets_and_a_forecast_are_reproducible_byte_for_byte(tmp_path: Path):
    cls = {"machines": ["G1", "G2"], "urgency": 2, "fractions": 3, "first_minutes": 200, "minutes": 100, "per_week": 2}
    doc = instance(
        [dom(f"D{i}", 2 + i % 4, 100 + 50 * (i % 3), urgency=1 + i % 3, machines=["G1", "G2"]) for i in range(8)]
        + [fgn(f"F{i}", 3 + i, 150, machines=["G2"], value=100 * i) for i in range(4)],
        [machine("G1", beam="B1"), machine("G2", beam="B1")],
        days=28,
        beams=[{"id": "B1", "minutes_per_weekday": [900] * 5 + [0, 0]}],
        wait_targets={"1": 1, "2": 5, "3": 10},
        forecast={"lead_days": 3, "protection": 0.5, "classes": [cls]},
    )
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="no.such.settings", PYTHONHASHSEED="random")
    outputs = {
        subprocess.run(
            [str(ONCONET), "schedule", str(path), "--solver", "cpsat", "--time-limit", "2"],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=120,
            check=True,
        ).stdout
        for _ in range(2)
    }
    assert len(outputs) == 1
    assert outputs == {dumps(solve(parse_instance(doc), "cpsat", 2, 0).as_document())}
    assert verify(doc, json.loads(outputs.pop())) == []


# --- invalid v2 input -----------------------------------------------------------------------------------------------


def test_invalid_v2_input_exits_2_with_every_problem_and_its_path(tmp_path: Path):
    doc = instance(
        [dom("D1", 2, 60, target_days=-1, machines=["G1"])],
        [machine("G1", beam="B9")],
        beams=[{"id": "B1", "minutes_per_weekday": [600] * 7}],
        forecast={
            "protection": 1.5,
            "classes": [{"machines": ["G1"], "fractions": 2, "first_minutes": 60, "minutes": 30, "per_week": -2}],
        },
    )
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="no.such.settings")
    result = subprocess.run(
        [str(ONCONET), "schedule", str(path)], capture_output=True, text=True, cwd=REPO, env=env, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        'machines[0].beam: unknown beam "B9"',
        "courses[0].target_days: must be at least 0, got -1",
        "forecast.protection: must be a number in (0, 1], got 1.5",
        "forecast.classes[0].per_week: must be between 0 and 10000, got -2",
    ]
    protection_zero = dict(doc["forecast"], protection=0)
    with pytest.raises(ValueError, match=r"forecast\.protection: must be a number in \(0, 1\], got 0"):
        parse_instance(dict(doc, forecast=protection_zero))


def test_version_2_fields_are_refused_in_a_version_1_instance():
    doc = instance([dom("D1", 2, 60, target_days=3)], beams=[], format="onconet-schedule/1")
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(doc)
    assert str(caught.value).splitlines() == [
        "beams: is new in onconet-schedule/2: not allowed in a onconet-schedule/1 instance",
        "courses[0].target_days: is new in onconet-schedule/2: not allowed in a onconet-schedule/1 instance",
    ]


# --- the rolling replay -------------------------------------------------------------------------------------------


def replay_case() -> Doc:
    """One machine, 100 minutes a day. An urgent domestic course (a whole week of the machine) becomes ready every
    Monday except in week 2; in week 2 a foreign request for two weeks of the machine arrives. Courses are known
    the day they are ready (lead 0), so in week 2 the department sees an empty machine."""
    weeks = [0, 1, 3, 4, 5, 6, 7]
    courses = [dom(f"D{w}", 5, 100, ready=iso(MONDAY + dt.timedelta(days=7 * w)), urgency=1) for w in weeks] + [
        fgn("F1", 10, 100, ready=iso(MONDAY + dt.timedelta(days=14)), latest=iso(MONDAY + dt.timedelta(days=30)))
    ]
    return instance(courses, [machine("G1", minutes=100)], days=70, domestic_reserve=0)


def test_the_replay_shows_the_domestic_waits_that_a_forecast_protects():
    doc = replay_case()
    blind = replay(doc, solver="greedy", lead=0, forecast_weeks=0)
    # Measured: the courses ready before the last 42 days (D0, D1, D3).
    assert blind["measured_courses"] == 3
    # Without a forecast the foreign course starts in week 2 and holds the machine in week 3: D3 waits a week.
    assert blind["runs"]["with_foreign"]["foreign"] == {"admitted": 1, "value": 1000}
    assert blind["comparison"] == {
        "started_later_with_foreign": 1,
        "started_earlier_with_foreign": 0,
        "largest_delay_days": 7,
        "delayed": [
            {
                "course": "D3",
                "urgency": 1,
                "ready_date": iso(MONDAY + dt.timedelta(days=21)),
                "start_domestic_only": iso(MONDAY + dt.timedelta(days=21)),
                "start_with_foreign": iso(MONDAY + dt.timedelta(days=28)),
                "delay_days": 7,
            }
        ],
    }
    assert blind["runs"]["domestic_only"]["days_over_target"] == 0
    assert blind["runs"]["with_foreign"]["days_over_target"] == 10 * (7 - 2)
    assert blind["runs"]["with_foreign"]["by_urgency"]["1"]["wait_days_max"] == 7
    # With a forecast estimated from the weeks before (one urgent course a week), the request is refused.
    for solver in SOLVERS:
        protected = replay(doc, solver=solver, lead=0, forecast_weeks=2)
        assert protected["runs"]["with_foreign"]["foreign"] == {"admitted": 0, "value": 0}
        assert protected["comparison"]["started_later_with_foreign"] == 0
        assert protected["runs"]["with_foreign"]["days_over_target"] == 0
        assert protected["failed_epochs"] == []
    assert blind["failed_epochs"] == []


def test_schedule_replay_writes_its_report_and_a_progress_line_per_epoch(tmp_path: Path):
    doc = replay_case()
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="no.such.settings", PYTHONHASHSEED="random")
    args = [str(ONCONET), "schedule-replay", str(path), "--solver", "greedy", "--lead", "0", "--forecast-weeks", "2"]
    result = subprocess.run(args, capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 * 10  # ten weekly epochs, with and without foreign courses
    assert lines[0].startswith("replay with foreign: epoch 1/10 2026-01-05: ")
    assert lines[-1].startswith("replay domestic only: epoch 10/10 2026-03-09: ")
    report = json.loads(result.stdout)
    # The same report in process: reproducible, whatever the hash seed.
    assert report == replay(doc, solver="greedy", lead=0, forecast_weeks=2)
    assert report["format"] == "onconet-replay/1"
    bad = dict(doc, forecast={"protection": 0, "classes": []})
    path.write_text(json.dumps(bad), encoding="utf-8")
    invalid = subprocess.run(args, capture_output=True, text=True, cwd=REPO, env=env, timeout=60, check=False)
    assert invalid.returncode == 2
    assert invalid.stderr == "forecast.protection: must be a number in (0, 1], got 0\n"
    assert invalid.stdout == ""


def test_the_verifier_reports_beams_targets_and_per_urgency_metrics_that_are_wrong():
    beam = {"id": "B1", "minutes_per_weekday": [600] * 5 + [0, 0]}
    doc = instance(
        [dom("A", 5, 400, machines=["G1"]), dom("B", 1, 300, machines=["G2"], urgency=1, target_days=3)],
        [machine("G1", beam="B1"), machine("G2", beam="B1")],
        beams=[beam],
    )
    plan = solve(parse_instance(doc), "greedy", TIME_LIMIT, 0).as_document()
    assert placed(plan, "B") == ("G2", "2026-01-12")  # 400 + 300 > 600 on every day of A's week
    assert plan["metrics"]["domestic"]["days_over_target"] == 10 * (7 - 3)
    assert verify(doc, plan) == []
    moved = json.loads(json.dumps(plan))
    (b,) = [a for a in moved["assignments"] if a["course"] == "B"]
    b.update(start_date="2026-01-05", dates=["2026-01-05"])
    errors = verify(doc, moved)
    assert "beam B1 2026-01-05: 700 minutes on its machines, capacity 600" in errors
    assert "metrics.domestic.days_over_target is 40, expected 0" in errors
    assert "metrics.domestic.by_urgency.1.wait_days_max is 7, expected 0" in errors
    assert "metrics.domestic.by_urgency.1.over_target is 1, expected 0" in errors
    wrong = json.loads(json.dumps(plan))
    wrong["metrics"]["domestic"]["by_urgency"]["3"]["wait_days_p95"] = 1
    assert verify(doc, wrong) == ["metrics.domestic.by_urgency.3.wait_days_p95 is 1, expected 0"]
