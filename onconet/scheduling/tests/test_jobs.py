"""The capacity simulation from the database: rates from the history, the configuration, refused input, the job,
and publishing its offer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from onconet.core.errors import InvalidInput, NotAllowed, NotFound
from onconet.core.jobs import execute_job
from onconet.core.models import Job
from onconet.core.tests.factories import JobFactory
from onconet.scheduling import jobs, services
from onconet.scheduling.models import CapacityOffer
from onconet.scheduling.simulation import SimulationConfig
from onconet.scheduling.tests.factories import CourseFactory, DowntimeFactory

from .conftest import TODAY, next_weekday

SMALL = {"weeks": 8, "levels": (0, 2), "replications": 2}


def _history(sched: dict[str, Any], weeks_back: int = 4, per_week: int = 2) -> None:
    """`per_week` routine proton courses a week in Kaluga over the last `weeks_back` weeks, one urgent a week."""
    n = 0
    for week in range(weeks_back):
        for i in range(per_week + 1):
            n += 1
            CourseFactory(
                code=f"H-{n:03d}",
                facility=sched["klu"],
                protocol=sched["proton"],
                ready_date=TODAY - dt.timedelta(days=7 * (week + 1) - i),
                urgency=1 if i == per_week else 3,
            )


def test_history_rates_count_per_observed_week(sched):
    _history(sched)
    CourseFactory(  # outside the kind, and another facility: neither counts
        code="OTHER-1", facility=sched["klu"], protocol=sched["linac"], ready_date=TODAY - dt.timedelta(days=3)
    )
    CourseFactory(
        code="OTHER-2", facility=sched["mow"], protocol=sched["proton"], ready_date=TODAY - dt.timedelta(days=3)
    )
    rates, weeks = jobs.history_rates(sched["klu"], "proton_gantry", TODAY)
    assert weeks == pytest.approx(28 / 7)  # the first course was 28 days ago: four weeks observed, not 26
    assert rates == {"PROTON-5": {1: pytest.approx(1.0), 2: 0.0, 3: pytest.approx(2.0)}}
    assert jobs.history_rates(sched["klu"], "pet_ct", TODAY) == ({}, 0.0)


def test_simulation_config_reads_the_calendar_and_the_contracts(users, sched, prepaid_referral):
    _history(sched)
    day = next_weekday(TODAY, 3)
    services.downtime_record(user=users["admin"], machine=sched["g1"], date=day, minutes=120, reason="qa")
    config = jobs.simulation_config(facility=sched["klu"], kind="proton_gantry", start=TODAY, demand="contracts")
    assert [m["id"] for m in config.machines] == ["G1"]  # Kaluga's gantry only, not the linac or Moscow's gantry
    assert {"date": day.isoformat(), "minutes": 120} in config.machines[0]["downtime"]
    assert sched["holiday"].date in config.holidays
    assert [s.protocol for s in config.domestic] == ["PROTON-5"]
    assert config.domestic[0].rates[3] == pytest.approx(2.0)
    [partner] = config.partners
    assert (partner.id, partner.max_courses_per_month) == ("BG-SCHED-1/proton-5", 2)
    assert partner.mix[0].protocol == "PROTON-5"
    assert partner.mix[0].fractions == 5
    assert config.problems() == []
    assert SimulationConfig.from_dict(config.to_dict()) == config  # what the job stores is what it runs
    open_config = jobs.simulation_config(facility=sched["klu"], kind="proton_gantry", start=TODAY, demand="open")
    assert [(p.id, p.max_courses_per_month) for p in open_config.partners] == [("open", 999)]
    assert open_config.partners[0].mix[0].value == 2_500_000  # the service's base price
    entered = jobs.simulation_config(
        facility=sched["klu"], kind="proton_gantry", start=TODAY, rates={"PROTON-5": {1: 0.5, 2: 0, 3: 4}}
    )
    assert entered.domestic[0].rates == {1: 0.5, 2: 0.0, 3: 4.0}


def test_start_simulation_refuses_bad_input_and_queues_nothing(users, sched, prepaid_referral):
    coordinator = users["coordinator"]
    cases = [
        ({"kind": "cyclotron"}, "kind", "Unknown machine kind"),
        ({"kind": "pet_ct"}, "kind", "no active machine of kind pet_ct"),
        ({"rates": {"LINAC-3": {1: 1, 2: 1, 3: 1}}}, "rates", "Not protocols of proton_gantry: LINAC-3"),
        ({"rates": None}, "rates", "No domestic demand"),  # no history in Kaluga yet
        ({"rates": {"PROTON-5": {1: 1, 2: 1, 3: 1}}, "replications": 1}, "replications", "at least 2 are needed"),
        ({"rates": {"PROTON-5": {1: 1, 2: 1, 3: 1}}, "levels": (0, -2)}, "levels", "must not be negative"),
        ({"rates": {"PROTON-5": {1: 1, 2: 1, 3: 1}}, "weeks": 4}, "warmup_weeks", "less than weeks"),
        ({"rates": {"PROTON-5": {1: 1, 2: 1, 3: 1}}, "demand": "anyone"}, "demand", 'must be "open" or "contracts"'),
    ]
    for change, field, message in cases:
        arguments: dict[str, Any] = {"kind": "proton_gantry", **SMALL, **change}
        with pytest.raises(InvalidInput) as caught:
            jobs.start_simulation(user=coordinator, facility=sched["klu"], **arguments)
        assert any(p.field == field and message in p.message for p in caught.value.errors), (change, caught.value)
    assert not Job.objects.filter(kind="capacity_simulation").exists()
    with pytest.raises(NotAllowed):
        jobs.start_simulation(user=users["reporter"], facility=sched["klu"], kind="proton_gantry")
    with pytest.raises(NotAllowed):
        jobs.start_simulation(user=users["analyst"], facility=sched["klu"], kind="proton_gantry")


def test_the_simulation_job_runs_and_its_offer_is_published(users, sched, prepaid_referral):
    coordinator = users["coordinator"]
    job = jobs.start_simulation(
        user=coordinator,
        facility=sched["klu"],
        kind="proton_gantry",
        rates={"PROTON-5": {1: 0.5, 2: 1.0, 3: 2.0}},
        **SMALL,
    )
    assert job.params["config"]["weeks"] == 8
    assert job.params["kind"] == "proton_gantry"
    with pytest.raises(Exception, match="Only a finished simulation"):
        services.offer_publish(user=coordinator, job=job)
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    result = job.result
    assert [row["level"] for row in result["levels"]] == [0, 2]
    assert result["machines"] == ["G1"]
    assert result["replications"] == 2
    # A lightly used gantry takes both requests a month without lengthening domestic waits.
    assert result["recommended_level"] == 2
    assert result["offer_per_month"]["mean"] > 0

    offers = services.offer_publish(user=coordinator, job=job)
    months = {row["month"]: row for row in result["offer_by_month"]}
    assert offers
    assert all(o.facility == sched["klu"] and o.kind == "proton_gantry" for o in offers)
    for offer in offers:
        row = months[offer.month.strftime("%Y-%m")]
        assert row["days"] >= services.MIN_OFFER_DAYS
        scale = row["month_days"] / row["days"]
        assert offer.courses == Decimal(str(round(row["admitted_mean"] * scale, 1)))
        assert offer.ci_low <= offer.courses <= offer.ci_high or offer.ci_low == 0
    skipped = [m for m, row in months.items() if row["days"] < services.MIN_OFFER_DAYS]
    assert not CapacityOffer.objects.filter(month__in=[dt.date.fromisoformat(f"{m}-01") for m in skipped]).exists()
    # Publishing again replaces the months, never duplicates them.
    services.offer_publish(user=coordinator, job=job)
    assert CapacityOffer.objects.count() == len(offers)
    with pytest.raises(NotAllowed):
        services.offer_publish(user=users["analyst"], job=job)


def test_publishing_needs_a_simulation_job(users, sched):
    other = JobFactory(kind="schedule_plan", params={}, created_by=users["coordinator"], status="succeeded")
    with pytest.raises(NotFound):
        services.offer_publish(user=users["coordinator"], job=other)


def test_the_simulation_sees_downtime_and_a_saturated_machine_offers_nothing(users, sched, prepaid_referral):
    """With the gantry closed for the whole simulated period, no foreign course can be started: the offer is 0."""
    start = TODAY
    for d in range(7 * 20):
        day = start + dt.timedelta(days=d)
        if day.weekday() < 5:
            DowntimeFactory(machine=sched["g1"], date=day, minutes=600, reason="repair")
    job = jobs.start_simulation(
        user=users["coordinator"],
        facility=sched["klu"],
        kind="proton_gantry",
        rates={"PROTON-5": {1: 0.2, 2: 0.2, 3: 0.2}},
        **SMALL,
    )
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.result["recommended_level"] == 0
    assert job.result["offer_per_month"]["mean"] == 0
