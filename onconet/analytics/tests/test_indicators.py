"""Indicators against values computed by hand on a small fixture of two regions."""

import pytest

from onconet.analytics.indicators import NATION, compute
from onconet.core.models import Region
from onconet.core.tests.factories import FacilityFactory
from onconet.passports.tests.factories import (
    BedGroupFactory,
    ComplianceRecordFactory,
    EquipmentFactory,
    PassportFacilityFactory,
    PassportFactory,
    StaffMemberFactory,
    StandardFactory,
)

pytestmark = pytest.mark.django_db
YEAR = 2025


def passport(region, population, incidence, status="approved"):
    return PassportFactory(region=region, period=YEAR, population=population, cancer_incidence=incidence, status=status)


def facility(region, code, kind):
    return FacilityFactory(region=region, code=code, kind=kind)


def staff(p, fac, specialty, ages):
    for i, age in enumerate(ages):
        StaffMemberFactory(passport=p, facility=fac, staff_id=f"{specialty}-{i}-{age}", specialty=specialty, age=age)


def machine(p, fac, code, kind, installed, condition="working", available=None, used=None):
    EquipmentFactory(
        passport=p,
        facility=fac,
        equipment_id=code,
        kind=kind,
        year_installed=installed,
        condition=condition,
        available_hours_per_week=available,
        used_hours_per_week=used,
    )


@pytest.fixture
def fixture(reference):
    klu = Region.objects.get(code="RU-KLU")  # Central
    tul = Region.objects.get(code="RU-TUL")  # Central
    # Kaluga: 1,000,000 people, 5,000 new cases
    a = passport(klu, 1_000_000, 5_000)
    d1 = facility(klu, "D1", "dispensary")
    c1 = facility(klu, "C1", "caop")
    c2 = facility(klu, "C2", "caop")
    h1 = facility(klu, "H1", "hospital")
    for f in (d1, c1, c2, h1):
        PassportFacilityFactory(passport=a, facility=f)
    staff(a, d1, "radiologist", [30, 50, 61, 66])  # median 55.5; 60+: 2/4; 65+: 1/4
    staff(a, d1, "radiation_oncologist", [40, 45])
    machine(a, d1, "L1", "linac", 2023, available=60, used=30)
    machine(a, d1, "L2", "linac", 2012, available=40, used=40)  # 13 years old
    machine(a, d1, "L3", "linac", 2018, condition="out_of_service")  # 7 years old, counts for age, not for supply
    machine(a, h1, "CT1", "ct", 2021, available=80, used=20)
    BedGroupFactory(passport=a, facility=d1, profile="surgical", beds=50)
    BedGroupFactory(passport=a, facility=d1, profile="palliative", beds=10, located_in=h1)
    s1 = StandardFactory(code="S1", title="S1")
    s2 = StandardFactory(code="S2", title="S2")
    ComplianceRecordFactory(passport=a, facility=d1, standard=s1, status="met")
    ComplianceRecordFactory(passport=a, facility=d1, standard=s2, status="partial")
    # Tula: 500,000 people, no incidence reported, no CAOP
    b = passport(tul, 500_000, None)
    d2 = facility(tul, "D2", "dispensary")
    PassportFacilityFactory(passport=b, facility=d2)
    staff(b, d2, "radiologist", [35, 45])
    machine(b, d2, "L9", "linac", 2024, available=50, used=50)
    BedGroupFactory(passport=b, facility=d2, profile="surgical", beds=25)
    # Tver: only a submitted passport — not counted unless asked for
    tve = Region.objects.get(code="RU-TVE")
    c = passport(tve, 1_000_000, 100, status="submitted")
    staff(c, facility(tve, "D3", "dispensary"), "radiologist", [70] * 10)


def test_region_values_by_hand(fixture):
    snap = compute(period=YEAR)
    v = lambda indicator, dimension="", area="RU-KLU": snap.value(area, indicator, dimension)  # noqa: E731
    assert v("staff_per_100k", "radiologist") == pytest.approx(4 / 1_000_000 * 100_000)  # 0.4
    assert v("staff_per_100k") == pytest.approx(0.6)  # 6 staff
    assert v("staff_per_1000_cases", "radiation_oncologist") == pytest.approx(2 / 5000 * 1000)  # 0.4
    assert v("staff_median_age", "radiologist") == 55.5
    assert v("staff_share_60", "radiologist") == 50
    assert v("staff_share_65", "radiologist") == 25
    assert v("equipment_per_million", "linac") == pytest.approx(2)  # L3 is out of service
    assert v("equipment_age_le5", "linac") == pytest.approx(100 / 3)  # L1 (2 years)
    assert v("equipment_age_6_10", "linac") == pytest.approx(100 / 3)  # L3 (7 years)
    assert v("equipment_age_gt10", "linac") == pytest.approx(100 / 3)  # L2 (13 years)
    assert v("utilisation", "linac") == pytest.approx(70 / 100 * 100)  # (30 + 40) / (60 + 40); L3 reports no hours
    assert v("utilisation", "ct") == 25
    assert v("utilisation") == pytest.approx(90 / 180 * 100)
    assert v("linacs_per_1000_cases") == pytest.approx(2 / 5000 * 1000)
    assert v("beds_per_100k", "palliative") == pytest.approx(1)  # beds inside another hospital count
    assert v("beds_per_100k") == pytest.approx(6)
    assert v("population_per_caop") == 500_000
    assert v("compliance_score") == 75


def test_no_data_is_none_never_zero(fixture):
    snap = compute(period=YEAR)
    assert snap.value("RU-TUL", "population_per_caop") is None  # no CAOP
    assert snap.value("RU-TUL", "linacs_per_1000_cases") is None  # no incidence reported
    assert snap.value("RU-TUL", "compliance_score") is None
    assert snap.value("RU-TUL", "staff_median_age", "pathologist") is None
    assert snap.value("RU-MOW", "staff_per_100k") is None  # no passport at all
    assert snap.value("RU-TVE", "staff_per_100k") is None  # only submitted
    assert snap.value("RU-TUL", "staff_per_100k", "pathologist") == 0  # reported, and none


def test_district_and_nation_aggregate_numerators_and_denominators(fixture):
    snap = compute(period=YEAR)
    # Central = Kaluga + Tula: 6 radiologists over 1.5 million
    assert snap.value("FD:central", "staff_per_100k", "radiologist") == pytest.approx(6 / 1_500_000 * 100_000)
    # ages 30, 50, 61, 66, 35, 45 → median 47.5
    assert snap.value("FD:central", "staff_median_age", "radiologist") == 47.5
    # linacs per case: only Kaluga reports incidence: 2 / 5000
    assert snap.value(NATION, "linacs_per_1000_cases") == pytest.approx(0.4)
    # utilisation of linacs: (30 + 40 + 50) / (60 + 40 + 50)
    assert snap.value(NATION, "utilisation", "linac") == pytest.approx(80)
    assert snap.value(NATION, "population_per_caop") == pytest.approx(1_500_000 / 2)
    assert snap.value("FD:volga", "staff_per_100k") is None


def test_including_submitted_passports(fixture):
    snap = compute(period=YEAR, include_submitted=True)
    assert snap.value("RU-TVE", "staff_per_100k", "radiologist") == pytest.approx(1)
    assert snap.value("FD:central", "staff_median_age", "radiologist") == 70  # 10 of 16 are 70


def test_other_years_are_not_summed(fixture):
    klu = Region.objects.get(code="RU-KLU")
    old = PassportFactory(region=klu, period=YEAR - 1, population=1_000_000, cancer_incidence=None, status="approved")
    staff(old, facility(klu, "D1", "dispensary"), "radiologist", [40] * 50)
    snap = compute(period=YEAR)
    assert snap.value("RU-KLU", "staff_per_100k", "radiologist") == pytest.approx(0.4)


def test_distribution_over_regions(fixture):
    snap = compute(period=YEAR)
    # radiologists per 100k: Kaluga 0.4, Tula 0.4 → quartiles all 0.4
    assert snap.distribution("staff_per_100k", "radiologist") == pytest.approx((0.4, 0.4, 0.4))
    assert snap.distribution("population_per_caop") == (500_000, 500_000, 500_000)
