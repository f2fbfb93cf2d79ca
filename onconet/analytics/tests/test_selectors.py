"""Planning on the hand-made fixture: targets, forecasts, equipment plan, spare capacity, rankings."""

import pytest

from onconet.analytics import selectors
from onconet.analytics.indicators import compute
from onconet.analytics.models import Benchmark
from onconet.analytics.tests.test_indicators import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(_indicators_fixture, analytics_reference):
    return compute(period=YEAR)


def test_benchmarks_apply_by_dimension(data):
    assert [b.code for b in selectors.benchmarks_for("equipment_per_million", "ct")] == ["OECD-CT"]
    assert selectors.benchmarks_for("equipment_per_million", "linac") == []
    # the COCIR age rules have no kind: they apply to every kind
    assert [b.code for b in selectors.benchmarks_for("equipment_age_gt10", "linac")] == ["COCIR-GT10"]
    assert {b.code for b in selectors.benchmarks_for("linacs_per_1000_cases")} == {"LANCET-RT", "QUARTS-LINAC"}
    assert selectors.planning_benchmark("linacs_per_1000_cases").code == "LANCET-RT"


def test_workforce_target_from_benchmark_or_national_median(data):
    # radiation oncologists: QUARTS 2 per 1,000 new cases × 5,000 cases = 10
    target, basis = selectors.workforce_target(data, "RU-KLU", "radiation_oncologist", 1_000_000, 5000)
    assert target == pytest.approx(10)
    assert basis.startswith("QUARTS-RO")
    # radiologists: no benchmark → national median per 100k (0.4) × population
    target, basis = selectors.workforce_target(data, "RU-KLU", "radiologist", 1_000_000, 5000)
    assert target == pytest.approx(4)
    assert basis == "national median: 0.4 per 100,000"


def test_workforce_forecast_orders_by_urgency(data):
    rows = selectors.workforce_forecast(period=YEAR, specialty="radiologist", retirement_age=65, attrition=0.0)
    by_region = {r.region: r for r in rows}
    # Kaluga: ages 30, 50, 61, 66 → the 66-year-old is already past 65, so stock is 3 now, target 4
    kaluga = by_region["RU-KLU"].projection
    assert kaluga.stock[0] == 3
    assert kaluga.shortfall_year == YEAR + 1
    assert kaluga.too_late is True  # training takes 2 years
    # Tula: ages 35, 45 → 2 people, target 0.4 × 5 = 2: no shortfall for 10 years
    tula = by_region["RU-TUL"].projection
    assert tula.shortfall_year is None
    assert [r.region for r in rows] == ["RU-KLU", "RU-TUL"]


def test_equipment_plan(data):
    needs = {(n.region, n.kind): n for n in selectors.equipment_plan(period=YEAR)}
    # Kaluga linacs: target 2 per 1,000 × 5 = 10, has 2 working → 8 to buy, plus L2 (13 years old) to replace
    linac = needs[("RU-KLU", "linac")]
    assert (linac.units, linac.past_service_life, linac.to_buy) == (2, 1, 9)
    assert linac.operators == {"medical_physicist": 8, "radiation_oncologist": 16, "radiographer": 32}
    # Kaluga CT: OECD 31 per million → 31 target, 1 unit → 30 to buy
    assert needs[("RU-KLU", "ct")].to_buy == 30
    # Tula reports no incidence: no linac target from the per-case benchmark, and its linac is new
    assert ("RU-TUL", "linac") not in needs


def test_spare_capacity(data):
    spare = selectors.spare_capacity(period=YEAR, threshold=0.6)
    assert [(m.code, m.spare_hours) for m in spare] == [("L1", 30.0), ("CT1", 60.0)]
    assert selectors.spare_capacity(period=YEAR, threshold=0.4) == [s for s in spare if s.code == "CT1"]


def test_ranking_puts_no_data_last(data):
    rows = selectors.ranking(data, "staff_per_100k")
    assert [r.code for r in rows[:2]] == ["RU-KLU", "RU-TUL"]  # 0.6 and 0.4
    assert rows[0].rank == 1
    assert all(r.value is None and r.rank is None for r in rows[2:])
    assert len(rows) == 83


def test_compare_with_benchmark_and_distribution(data):
    row = selectors.compare(data, "RU-KLU", "equipment_per_million", "ct")
    assert row.value == pytest.approx(1)
    assert [(b.code, met) for b, met in row.benchmarks] == [("OECD-CT", False)]
    assert row.national == pytest.approx(1 / 1.5)


def test_snapshot_cache_follows_the_data(data):
    from onconet.passports.models import Passport

    first = selectors.snapshot(period=YEAR)
    assert selectors.snapshot(period=YEAR) is not None
    Passport.objects.filter(region__code="RU-TUL").update(population=1_000_000)
    Passport.objects.get(region__code="RU-TUL").save()
    second = selectors.snapshot(period=YEAR)
    assert first.value("RU-TUL", "staff_per_100k") != second.value("RU-TUL", "staff_per_100k")


def test_benchmark_service_validates(users, analytics_reference):
    from onconet.analytics import services
    from onconet.core.errors import InvalidInput, NotAllowed

    with pytest.raises(NotAllowed):
        services.benchmark_save(
            user=users["analyst"],
            code="X",
            indicator="staff_per_100k",
            dimension="",
            comparison="at_least",
            value="1",
            source="s",
        )
    with pytest.raises(InvalidInput) as err:
        services.benchmark_save(
            user=users["admin"], code="X", indicator="nope", dimension="", comparison="more", value="-1", source=" "
        )
    assert sorted(p.field for p in err.value.errors) == ["comparison", "indicator", "source", "value"]
    with pytest.raises(InvalidInput) as err:
        services.benchmark_save(
            user=users["admin"],
            code="X",
            indicator="staff_per_100k",
            dimension="ct",
            comparison="at_least",
            value="1",
            source="s",
        )
    assert err.value.errors[0].field == "dimension"
    saved = services.benchmark_save(
        user=users["admin"],
        code="rad-1",
        indicator="staff_per_100k",
        dimension="radiologist",
        comparison="at_least",
        value="10.5",
        source="Ministry order",
        for_planning=True,
    )
    assert saved.code == "RAD-1"
    assert Benchmark.objects.get(code="RAD-1").for_planning
