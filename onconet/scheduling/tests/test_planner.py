"""The planner's instance from the database, contract v2: wait targets from the protocol and the urgency, foreign
courses under way as `fixed` (not downtime), beams, the forecast from the facility's own history; and the
office's coordinators running the planner of the centres they serve."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from onconet.core.errors import NotAllowed
from onconet.scheduling import jobs, services
from onconet.scheduling.models import Course, Machine, Origin
from onconet.scheduling.planner import build_instance
from onconet.scheduling.solver import parse_instance, solve, verify
from onconet.scheduling.tests.conftest import TODAY, next_weekday
from onconet.scheduling.tests.factories import BeamFactory, CapacityOfferFactory


def _domestic(users, sched, ready: dt.date, urgency: int = 3, protocol: str = "proton") -> Course:
    return services.course_create(
        user=users["reporter"], facility=sched["klu"], protocol=sched[protocol], ready_date=ready, urgency=urgency
    )


def test_a_course_takes_the_shorter_of_its_protocols_and_its_urgencys_target(users, sched, settings) -> None:
    settings.SCHEDULING_WAIT_TARGETS = {"1": 2, "2": 14, "3": 28}
    sched["proton"].target_days = 21
    sched["proton"].save()
    urgent, routine = _domestic(users, sched, TODAY, 1), _domestic(users, sched, TODAY, 3)
    instance, _ = build_instance(sched["klu"], TODAY)
    by_id = {c["id"]: c for c in instance["courses"]}
    assert (by_id[urgent.code]["target_days"], by_id[routine.code]["target_days"]) == (2, 21)
    assert instance["wait_targets"] == {"1": 2, "2": 14, "3": 28}
    assert instance["format"] == "onconet-schedule/2"


def test_a_foreign_course_under_way_is_fixed_and_the_plan_stays_feasible(users, sched, prepaid_referral) -> None:
    """Version 1 turned it into downtime; laid over a domestic plan that ignored it, a fixed foreign course made
    `onconet schedule` infeasible. Now it is in the domestic-only reference, and the domestic course goes around it."""
    course = services.foreign_course_create(user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"])
    services.plan_approve(user=users["reporter"], plan=jobs.plan_facility(sched["klu"], kind="manual"))
    course.refresh_from_db()
    assert course.start_date is not None
    domestic = _domestic(users, sched, course.start_date)
    instance, notes = build_instance(sched["klu"], course.start_date + dt.timedelta(days=1))
    assert notes == []
    foreign = next(c for c in instance["courses"] if c["id"] == course.code)
    assert foreign["fixed"] == {"machine": "G1", "start_date": course.start_date.isoformat(), "delivered": 1}
    assert all(d["minutes"] < 480 for m in instance["machines"] for d in m["downtime"])  # no foreign minutes there
    plan = solve(parse_instance(instance), "cpsat", 2.0, 0)
    assert plan.status in ("optimal", "feasible")
    assert verify(instance, plan) == []
    assert domestic.code in plan.assignment_of()


def test_machines_sharing_an_accelerator_carry_its_beam(users, sched) -> None:
    beam = BeamFactory(facility=sched["klu"], code="KLU-C1", name="Cyclotron", minutes_per_weekday=[500] * 7)
    Machine.objects.filter(pk=sched["g1"].pk).update(beam=beam)
    services.machine_save(
        user=users["admin"],
        facility=sched["klu"],
        code="G2",
        name="Gantry 2",
        kind="proton_gantry",
        minutes_per_weekday=[480] * 5 + [0, 0],
    )
    Machine.objects.filter(code="G2").update(beam=beam)
    for _ in range(4):
        _domestic(users, sched, TODAY)
    instance, _ = build_instance(sched["klu"], TODAY)
    assert instance["beams"] == [{"id": "KLU-C1", "minutes_per_weekday": [500] * 7, "downtime": []}]
    assert {m["id"]: m.get("beam") for m in instance["machines"]} == {"G1": "KLU-C1", "G2": "KLU-C1", "L1": None}
    plan = solve(parse_instance(instance), "greedy", 1.0, 0)
    assert verify(instance, plan) == []


def test_the_forecast_is_the_facilitys_own_recent_arrivals(users, sched, prepaid_referral, settings) -> None:
    settings.SCHEDULING_FORECAST_WEEKS = 4
    for weeks_ago in (1, 2, 3, 5):  # the fifth week back is outside the window
        _domestic(users, sched, TODAY - dt.timedelta(days=7 * weeks_ago), urgency=2)
    _domestic(users, sched, TODAY - dt.timedelta(days=3), urgency=1, protocol="linac")
    services.foreign_course_create(user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"])
    instance, _ = build_instance(sched["klu"], TODAY)
    forecast: dict[str, Any] = instance["forecast"]
    assert (forecast["lead_days"], forecast["protection"]) == (7, 0.9)
    assert forecast["classes"] == [
        {"machines": ["G1"], "urgency": 2, "fractions": 5, "first_minutes": 60, "minutes": 30, "per_week": 0.75},
        {"machines": ["L1"], "urgency": 1, "fractions": 3, "first_minutes": 40, "minutes": 20, "per_week": 0.25},
    ]
    settings.SCHEDULING_FORECAST_WEEKS = 0
    assert "forecast" not in build_instance(sched["klu"], TODAY)[0]


def test_no_forecast_without_a_new_foreign_course(users, sched) -> None:
    _domestic(users, sched, TODAY - dt.timedelta(days=7))
    assert "forecast" not in build_instance(sched["klu"], TODAY)[0]


def test_a_coordinator_runs_the_planner_and_only_the_department_approves(users, sched, prepaid_referral) -> None:
    services.foreign_course_create(user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"])
    job = services.start_plan(user=users["coordinator"], facility=sched["klu"])
    assert job.kind == "schedule_plan"
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["coordinator"])
    with pytest.raises(NotAllowed):
        services.plan_approve(user=users["coordinator"], plan=plan)
    services.plan_approve(user=users["reporter"], plan=plan)
    assert Course.objects.get(origin=Origin.FOREIGN).start_date >= next_weekday(TODAY, 0)


def test_approval_refuses_foreign_starts_beyond_the_published_offer_unless_an_admin_overrides(
    users, sched, prepaid_referral, client
) -> None:
    from onconet.core.errors import DomainError
    from onconet.core.models import AuditEntry

    course = services.foreign_course_create(user=users["coordinator"], referral=prepaid_referral, facility=sched["klu"])
    plan = jobs.plan_facility(sched["klu"], kind="manual")
    row = next(r for r in plan.diff["rows"] if r["course"] == course.code)
    month = dt.date.fromisoformat(row["start_date"]).replace(day=1)
    CapacityOfferFactory(
        facility=sched["klu"], kind="proton_gantry", month=month, courses="0.8", ci_low="0.2", ci_high="1.4"
    )
    with pytest.raises(DomainError, match=f"{month:%Y-%m} proton_gantry: 1 foreign starts, the published offer is 0"):
        services.plan_approve(user=users["reporter"], plan=plan)
    assert not Course.objects.get(pk=course.pk).bookings.exists()
    with pytest.raises(NotAllowed):
        services.plan_approve(user=users["reporter"], plan=plan, override_offer=True)
    client.force_login(users["reporter"])
    page = client.get(f"/scheduling/plans/{plan.pk}/").content.decode()
    assert 'id="offer-excess"' in page
    assert 'id="override-offer"' not in page
    client.force_login(users["admin"])
    assert 'id="override-offer"' in client.get(f"/scheduling/plans/{plan.pk}/").content.decode()
    client.post(f"/scheduling/plans/{plan.pk}/approve/", {"override_offer": "on"})
    plan.refresh_from_db()
    assert plan.status == "approved"
    entry = AuditEntry.objects.get(object_type="scheduling.plan", object_id=str(plan.pk))
    assert entry.actor_username == "admin"
    assert entry.message.startswith(f"approved beyond the capacity offer: {month:%Y-%m} proton_gantry")


def test_the_overview_and_the_plan_show_waits_per_urgency(users, sched, client) -> None:
    from onconet.scheduling.selectors import waits_by_urgency

    sched["proton"].target_days = 3
    sched["proton"].save()
    for ready, start, urgency in (
        (TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=10), 3),
        (TODAY - dt.timedelta(days=6), TODAY - dt.timedelta(days=5), 1),
    ):
        course = _domestic(users, sched, ready, urgency)
        Course.objects.filter(pk=course.pk).update(start_date=start, status="under_way", machine=sched["g1"])
    waits = waits_by_urgency(user=users["reporter"], facility=None, since=TODAY - dt.timedelta(weeks=8), until=TODAY)
    assert waits["3"] == {
        "scheduled": 1,
        "wait_days_mean": 10.0,
        "wait_days_p95": 10,
        "wait_days_max": 10,
        "over_target": 1,
    }
    assert (waits["1"]["over_target"], waits["2"]["scheduled"]) == (0, 0)
    assert (
        waits_by_urgency(user=users["reporter2"], facility=None, since=TODAY - dt.timedelta(weeks=8), until=TODAY)["3"][
            "scheduled"
        ]
        == 0
    )  # another region's courses are not counted
    client.force_login(users["reporter"])
    page = client.get("/scheduling/").content.decode()
    assert 'id="overview-by-urgency"' in page
    _domestic(users, sched, TODAY, 2)
    plan = jobs.plan_facility(sched["klu"], kind="manual")
    assert 'id="plan-by-urgency"' in client.get(f"/scheduling/plans/{plan.pk}/").content.decode()
