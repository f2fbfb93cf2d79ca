"""The workforce projection against a worked example written out by hand."""

import pytest

from onconet.analytics.forecast import project, project_stock

# Ten radiologists in 2025 aged 30, 40, 50, 55, 58, 60, 61, 62, 63, 64; retirement at 65; 10 % attrition a
# year; residency takes 2 years; the benchmark asks for 8 radiologists.
AGES = [30, 40, 50, 55, 58, 60, 61, 62, 63, 64]


def test_stock_by_hand():
    # year 0: all ten are under 65
    assert project_stock(AGES, years_ahead=0, retirement_age=65, attrition=0.1) == 10
    # year 1: the 64-year-old retires; 9 remain × 0.9 = 8.1
    assert project_stock(AGES, years_ahead=1, retirement_age=65, attrition=0.1) == pytest.approx(8.1)
    # year 2: 63 and 64 gone; 8 × 0.81 = 6.48
    assert project_stock(AGES, years_ahead=2, retirement_age=65, attrition=0.1) == pytest.approx(6.48)
    # year 5: ages +5 < 65 leaves 30, 40, 50, 55, 58 → 5 × 0.9^5 = 2.95245
    assert project_stock(AGES, years_ahead=5, retirement_age=65, attrition=0.1) == pytest.approx(2.95245)


def test_projection_worked_example():
    p = project(AGES, base_year=2025, target=8, retirement_age=65, attrition=0.1, training_years=2, horizon=10)
    assert p.years[0] == 2025
    assert p.years[-1] == 2035
    # 2026: 8.1 ≥ 8; 2027: 6.48 < 8 → the shortfall begins in 2027
    assert p.shortfall_year == 2027
    assert p.arrival_year == 2027
    assert p.too_late is False  # trainees started in 2025 are ready in 2027, just in time
    assert p.gap_at_arrival == pytest.approx(1.52)
    # A constant yearly intake k must cover the worst year. In year j the pipeline holds
    # k × (1 + 0.9 + … + 0.9^(j−2)); the need in year j is (8 − stock_j) / that factor:
    #   j=2 (2027): (8 − 6.48)/1                = 1.5200
    #   j=3 (2028): stock 7 × 0.729 = 5.103;  (8 − 5.103)/1.9    = 1.5247  ← the worst year
    #   j=4 (2029): 6 × 0.6561 = 3.9366;      (8 − 3.9366)/2.71  = 1.4994
    #   j=5 (2030): 2.95245;                  (8 − 2.95245)/3.439 = 1.4678
    #   j=10 (2035): 3 × 0.9^10 = 1.0460;     (8 − 1.0460)/6.1258 = 1.1352
    # → k = ceil(1.5247) = 2 trainees this year and every year after.
    assert p.stock[3] == pytest.approx(5.103)
    assert p.annual_intake == 2
    assert p.with_intake[2] == pytest.approx(6.48 + 2)
    assert all(value >= 8 - 1e-9 for value in p.with_intake[2:])


def test_shortfall_before_trainees_can_arrive_is_flagged():
    p = project(AGES, base_year=2025, target=9, retirement_age=65, attrition=0.1, training_years=3)
    assert p.shortfall_year == 2026  # 8.1 < 9
    assert p.too_late is True


def test_no_shortfall_needs_no_trainees():
    p = project([30, 31, 32, 33], base_year=2025, target=2, retirement_age=65, attrition=0.0)
    assert p.shortfall_year is None
    assert p.annual_intake == 0
    assert p.gap_at_arrival == 0


def test_bad_parameters():
    with pytest.raises(ValueError, match="attrition"):
        project(AGES, base_year=2025, target=1, attrition=1.5)
