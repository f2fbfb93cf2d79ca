"""The capacity simulation (`onconet.scheduling.simulation`): a pure module, no database needed.

Small configurations (one linac, 16 weeks) keep the whole file well under a minute.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

import pytest

from onconet.scheduling import simulation as sim
from onconet.scheduling.simulation import (
    DomesticStream,
    ForeignPartner,
    ForeignProtocol,
    SimulationConfig,
    estimate_rates,
    mean_ci,
    percentile,
    run_replication,
    simulate,
    t_quantile,
)

START = dt.date(2027, 1, 4)  # a Monday
BREAST_MINUTES = 30 + 14 * 12  # one 15-fraction course: 198 minutes
WEEK_CAPACITY = 5 * 600  # one linac


def linac(machine_id: str = "L1") -> dict[str, Any]:
    return {
        "id": machine_id,
        "kind": "linac",
        "minutes_per_weekday": [600, 600, 600, 600, 600, 0, 0],
        "downtime": [{"date": (START + dt.timedelta(days=d)).isoformat(), "minutes": 240} for d in range(9, 140, 28)],
    }


def config(load: float, **changes: Any) -> SimulationConfig:
    """One linac whose domestic courses (15 fractions) use `load` of its weekday minutes, two partners."""
    rate = load * WEEK_CAPACITY / BREAST_MINUTES
    breast = ForeignProtocol("breast-15", 1, 15, 30, 12, 3000)
    base = SimulationConfig(
        machines=(linac(),),
        start_date=START,
        domestic=(DomesticStream("breast-15", {1: 0.2 * rate, 2: 0.3 * rate, 3: 0.5 * rate}, 15, 30, 12),),
        partners=(ForeignPartner("BG-MOH", 4, (breast,)), ForeignPartner("KZ-MOH", 4, (breast,))),
        holidays=(dt.date(2027, 2, 23), dt.date(2027, 3, 8)),
        weeks=16,
        warmup_weeks=4,
        horizon_weeks=8,
        levels=(0, 3, 6),
        replications=3,
        seed=1,
    )
    return replace(base, **changes)


@pytest.fixture(scope="module")
def moderate() -> sim.SimulationResult:
    return simulate(config(0.7))


# ------------------------------------------------------------------------------------------------ statistics


def test_t_quantile_known_values_and_the_normal_in_the_limit() -> None:
    assert t_quantile(1) == pytest.approx(12.706, abs=5e-4)
    assert t_quantile(4) == pytest.approx(2.776, abs=5e-4)
    assert t_quantile(30) == pytest.approx(2.042, abs=5e-4)
    assert t_quantile(31) == pytest.approx(2.040, abs=5e-4)  # a table stopped at 30 and took the normal's 1.960
    assert t_quantile(100_000) == pytest.approx(1.960, abs=5e-4)
    assert all(t_quantile(df) > t_quantile(df + 1) for df in range(1, 60))
    with pytest.raises(ValueError, match="degree of freedom"):
        t_quantile(0)


def test_mean_ci_known_values() -> None:
    est = mean_ci([1, 2, 3, 4, 5])  # sd √2.5, se √0.5, t(4) = 2.776
    assert est.mean == 3
    assert est.ci_low == pytest.approx(3 - 2.776 * 0.5**0.5, abs=1e-3)
    assert est.ci_high == pytest.approx(3 + 2.776 * 0.5**0.5, abs=1e-3)
    assert mean_ci([7, 7, 7]).to_dict() == {"mean": 7, "ci_low": 7, "ci_high": 7}
    with pytest.raises(ValueError, match="at least two"):
        mean_ci([1])


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 95) == 0
    assert percentile(list(range(1, 21)), 95) == 19  # ceil(0.95 × 20) = 19th value
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([5, 1, 3], 50) == 3


def test_estimate_rates_is_count_over_weeks() -> None:
    day = dt.date(2026, 3, 2)
    history = [("breast-15", 1, day)] * 4 + [("breast-15", 3, day)] * 10 + [("prostate-28", 2, day)] * 3
    rates = estimate_rates(history, weeks=2)
    assert rates == {"breast-15": {1: 2.0, 2: 0.0, 3: 5.0}, "prostate-28": {1: 0.0, 2: 1.5, 3: 0.0}}
    # With `end`, only courses ready in the `weeks` weeks before it (end excluded) count.
    windowed = [("x", 2, dt.date(2026, 1, 4)), ("x", 2, dt.date(2026, 1, 5)), ("x", 2, dt.date(2026, 1, 18))]
    assert estimate_rates(windowed, weeks=2, end=dt.date(2026, 1, 19)) == {"x": {1: 0.0, 2: 1.0, 3: 0.0}}
    assert estimate_rates([], weeks=4) == {}
    with pytest.raises(ValueError, match="weeks"):
        estimate_rates(history, weeks=0)
    with pytest.raises(ValueError, match="urgency"):
        estimate_rates([("x", 4, day)], weeks=1)


def test_estimated_rates_feed_a_stream() -> None:
    """The estimate recovers the rate the simulation draws arrivals with (Poisson, 104 weeks)."""
    cfg = config(0.5, weeks=104, warmup_weeks=0)
    arrivals = sim.domestic_arrivals(cfg, 0)
    history = [("breast-15", c.urgency, START + dt.timedelta(days=c.ready)) for _, c in arrivals]
    rates = estimate_rates(history, weeks=104, end=START + dt.timedelta(days=104 * 7 + 7))
    expected = cfg.domestic[0].rates
    for urgency in (1, 2, 3):
        # Poisson: sd of the count is √(rate × weeks); allow four of them.
        assert abs(rates["breast-15"][urgency] - expected[urgency]) * 104 < 4 * (expected[urgency] * 104) ** 0.5


# --------------------------------------------------------------------------------------------- the model


def test_same_seed_same_result_other_seed_other_result() -> None:
    cfg = config(0.7, levels=(0, 4), replications=2)
    first, second = simulate(cfg).to_dict(), simulate(cfg).to_dict()
    first.pop("seconds")
    second.pop("seconds")
    assert first == second
    other = simulate(replace(cfg, seed=2)).to_dict()
    other.pop("seconds")
    assert other["levels"] != first["levels"]


def test_level_zero_admits_no_foreign_course(moderate: sim.SimulationResult) -> None:
    row = moderate.level(0)
    assert row.admitted_per_month.mean == 0
    assert all(r.foreign_offered == 0 and r.foreign_admitted == 0 and not r.admitted_by_month for r in row.replications)
    assert all(m.admitted.mean == 0 for m in row.by_month)
    # ... while the other levels do get foreign courses in, within the partners' quotas.
    assert moderate.level(6).admitted_per_month.mean > 0
    for level in moderate.levels:
        for r in level.replications:
            assert all(n <= 4 + 4 for n in r.admitted_by_month.values())


def test_quota_of_a_single_partner_is_respected_every_month() -> None:
    breast = ForeignProtocol("breast-15", 1, 15, 30, 12, 3000)
    cfg = config(0.3, partners=(ForeignPartner("BG-MOH", 2, (breast,)),), levels=(0, 12), replications=2)
    result = simulate(cfg)
    for r in result.level(12).replications:
        assert r.admitted_by_month
        assert max(r.admitted_by_month.values()) <= 2
        assert r.foreign_lost > 0  # most of 12 requests a month are turned down


def test_level_zero_waits_equal_a_run_without_partners() -> None:
    """Common random numbers: the domestic stream does not depend on the foreign side."""
    cfg = config(0.8)
    for r in range(2):
        with_partners = run_replication(cfg, 0, r)
        without = run_replication(replace(cfg, partners=()), 0, r)
        assert with_partners.waits == without.waits
        assert len(with_partners.waits) > 20
    # The domestic arrivals are the same at every level; the foreign ones are not.
    assert [(t, c.ready, c.urgency) for t, c in sim.domestic_arrivals(cfg, 0)] == [
        (t, c.ready, c.urgency) for t, c in sim.domestic_arrivals(replace(cfg, levels=(0, 9)), 0)
    ]
    assert sim.foreign_arrivals(cfg, 0, 0) == []
    assert [t for t, _ in sim.foreign_arrivals(cfg, 0, 3)] != [t for t, _ in sim.foreign_arrivals(cfg, 1, 3)]


def test_without_a_forecast_foreign_courses_at_a_busy_machine_lengthen_domestic_waits() -> None:
    """Admitted into what the known courses leave (version 1, `protection` 0), foreign courses under way take
    capacity from later domestic courses: the paired comparison sees it, and the level fails `tolerance_days` = 0."""
    result = simulate(config(0.9, levels=(0, 20), replications=3, protection=0.0))
    base, busy = result.level(0), result.level(20)
    assert busy.admitted_per_month.mean > 0
    assert busy.utilisation.mean > base.utilisation.mean
    assert busy.mean_wait.mean > base.mean_wait.mean
    assert any(a.p95_wait > b.p95_wait for a, b in zip(busy.replications, base.replications, strict=True))
    assert busy.p95_difference.mean > 0
    assert not busy.passes
    assert result.recommended_level == 0


def test_with_the_planners_forecast_the_busy_machine_keeps_its_domestic_waits() -> None:
    """The same busy machine with the planner's admission policy: foreign requests take only what the forecast
    domestic arrivals will not need, so the domestic waits are those of level 0 and the offer is what planning
    would admit."""
    blind = simulate(config(0.9, levels=(0, 20), replications=3, protection=0.0)).level(20)
    result = simulate(config(0.9, levels=(0, 20), replications=3))
    base, busy = result.level(0), result.level(20)
    assert busy.admitted_per_month.mean < blind.admitted_per_month.mean
    assert busy.p95_difference.mean <= 0
    assert busy.mean_wait.mean <= base.mean_wait.mean + 0.05


def test_saturated_machine_offers_nothing() -> None:
    result = simulate(config(1.2))
    assert result.baseline_p95.mean > 10
    assert result.recommended_level == 0
    assert result.offer_per_month.mean == 0
    assert all(m.admitted.mean == 0 for m in result.offer_by_month)


def test_ample_capacity_offers_foreign_courses() -> None:
    result = simulate(config(0.3))
    assert result.recommended_level == 6
    assert result.level(6).passes
    assert result.offer_per_month.mean > 3
    assert result.offer_per_month == result.level(6).admitted_per_month
    assert sum(m.admitted.mean for m in result.offer_by_month) == pytest.approx(
        result.offer_per_month.mean * (16 - 4) * 7 / (365.25 / 12)
    )


def test_confidence_intervals_contain_the_mean_and_shrink_with_replications() -> None:
    few = simulate(config(0.8, levels=(0,), replications=4))
    many = simulate(config(0.8, levels=(0,), replications=16))
    for result in (few, many):
        row = result.level(0)
        for est in (row.p95_wait, row.mean_wait, row.utilisation, row.domestic_backlog):
            assert est.ci_low <= est.mean <= est.ci_high
    width = {
        name: est.ci_high - est.ci_low
        for name, est in (("few", few.level(0).mean_wait), ("many", many.level(0).mean_wait))
    }
    assert 0 < width["many"] < width["few"]
    # The first replications are the same runs: replication r does not depend on how many there are.
    assert few.level(0).replications == many.level(0).replications[:4]


def test_progress_and_json_result(moderate: sim.SimulationResult) -> None:
    calls: list[tuple[float, str]] = []
    cfg = config(0.7, levels=(0, 3), replications=2, weeks=8, warmup_weeks=2)
    result = simulate(cfg, progress=lambda fraction, message: calls.append((fraction, message)))
    assert [f for f, _ in calls] == [0.25, 0.5, 0.75, 1.0]
    assert "replication 2/2" in calls[-1][1]
    data = json.loads(json.dumps(result.to_dict()))
    assert data["recommended_level"] in (0, 3)
    assert {"mean", "ci_low", "ci_high"} <= data["offer_per_month"].keys()
    row = data["levels"][0]
    assert {"level", "p95_mean", "p95_ci_low", "p95_ci_high", "mean_wait", "admitted_per_month", "utilisation"} <= set(
        row
    )
    assert data["baseline_p95"]["mean"] == row["p95_mean"]
    assert [m["month"] for m in data["offer_by_month"]] == ["2027-01", "2027-02"]
    assert data["offer_by_month"][0]["days"] == 31 - 17  # the warm-up ends on Monday 18 January
    json.dumps(moderate.to_dict())


def test_waits_per_urgency_add_up_to_the_domestic_waits_and_count_courses_over_their_target() -> None:
    cfg = config(0.8, levels=(0,), replications=2, weeks=10, warmup_weeks=2, wait_targets=(0, 1, 2))
    result = simulate(cfg)
    row = result.level(0)
    for r in row.replications:
        by = r.by_urgency
        assert sorted(w for u in ("1", "2", "3") for w in by[u].waits) == sorted(r.waits)
        for u, target in zip(("1", "2", "3"), (0, 1, 2), strict=True):
            assert by[u].over_target == sum(1 for w in by[u].waits if w > target)
            assert by[u].to_dict()["wait_days_max"] == max(by[u].waits, default=0)
    summary = row.to_dict()["by_urgency"]
    runs = [r.by_urgency["3"].to_dict() for r in row.replications]
    assert summary["3"]["over_target"] == round(sum(x["over_target"] for x in runs) / 2, 2)
    assert summary["3"]["target_days"] == 2
    assert sum(x["over_target"] for x in runs) > 0  # at 80 % load a routine course waits more than 2 days
    with pytest.raises(ValueError, match="wait_targets"):
        simulate(replace(cfg, wait_targets=(2, -1, 28)))


def test_config_round_trips_and_is_validated() -> None:
    cfg = config(0.7)
    assert SimulationConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    with pytest.raises(ValueError, match="replications"):
        simulate(replace(cfg, replications=1))
    with pytest.raises(ValueError, match="one kind"):
        simulate(replace(cfg, machines=(linac(), {**linac("G1"), "kind": "proton_gantry"})))
    with pytest.raises(ValueError, match="fractions"):
        simulate(replace(cfg, horizon_weeks=2))
    with pytest.raises(ValueError, match="solver"):
        simulate(replace(cfg, solver="magic"))


def test_realised_schedule_respects_capacity_quotas_and_bookings() -> None:
    """Two machines, a Wednesday start: never more minutes than capacity; courses under way never move (the model
    checks every plan against its bookings and would raise)."""
    cfg = config(1.7, machines=(linac("L1"), linac("L2")), start_date=dt.date(2027, 1, 6), weeks=12, protection=0.0)
    setup = sim._Setup(cfg)
    model = sim._Model(setup, 8, 0, sim.domestic_arrivals(cfg, 0), sim.foreign_arrivals(cfg, 0, 8))
    result = model.run()
    assert result.foreign_admitted > 0
    for mi in range(2):
        for day in range(setup.days):
            used = model.used_domestic[mi][day] + model.used_foreign[mi][day]
            assert used <= setup.capacity[mi][day]
    assert max(model.quota_used.values()) <= 4
    assert {c.machine for c in model.active} == {0, 1}


def test_cpsat_solver_runs_in_the_loop() -> None:
    cfg = config(0.6, solver="cpsat", time_limit=0.2, weeks=5, warmup_weeks=1, levels=(0, 4), replications=2)
    result = simulate(cfg)
    assert result.solver == "cpsat"
    assert result.level(0).admitted_per_month.mean == 0
    assert result.level(0).p95_wait.mean >= 0


def test_mean_ci_floor_cuts_only_the_lower_bound() -> None:
    wide = mean_ci([0, 0, 3])
    assert wide.ci_low < 0
    cut = mean_ci([0, 0, 3], floor=0)
    assert (cut.mean, cut.ci_low, cut.ci_high) == (wide.mean, 0, wide.ci_high)
    assert mean_ci([5, 6, 7], floor=0) == mean_ci([5, 6, 7])  # far from the floor: unchanged
