"""Validation rules: each one on a hand-made passport, and the robust z-score on a worked example."""

import pytest

from onconet.passports import services
from onconet.passports.models import Equipment, Passport, StaffMember
from onconet.passports.rules import passport_check, robust_z
from onconet.passports.tests.factories import make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def passport(reference, region, settings):
    settings.PASSPORT_RETIREMENT_AGE = 60
    make_standards()
    services.passport_import(book=read_workbook(xlsx_bytes(valid_rows())), period=2025, user=None)
    return Passport.objects.get(region=region, period=2025)


def codes(passport):
    return [(f.rule, f.severity) for f in passport_check(passport=passport)]


def test_valid_passport_has_only_the_expected_warnings(passport):
    # S1 is 62 (past 60); E2 was installed 12 years ago
    assert codes(passport) == [("P004", "warning"), ("P005", "warning")]


def test_missing_dispensary_is_an_error(passport):
    Passport.objects.filter(pk=passport.pk).update(dispensary=None)
    passport.refresh_from_db()
    assert ("P001", "error") in codes(passport)


def test_used_over_available_is_an_error(passport):
    Equipment.objects.filter(equipment_id="E1").update(used_hours_per_week=61)
    findings = [f for f in passport_check(passport=passport) if f.rule == "P002"]
    assert [f.message for f in findings] == ["E1: used 61.0 h/week but available only 60.0 h/week."]


def test_empty_staff_is_an_error(passport):
    StaffMember.objects.all().delete()
    assert ("P003", "error") in codes(passport)


def test_out_of_service_equipment_is_a_warning(passport):
    Equipment.objects.filter(equipment_id="E1").update(condition="out_of_service")
    assert ("P006", "warning") in codes(passport)


def test_robust_z_worked_example():
    values = [10, 11, 12, 13, 14, 40]
    # median 12.5; absolute deviations 2.5 1.5 0.5 0.5 1.5 27.5 → MAD 1.5; z(40) = 0.6745 × 27.5 / 1.5
    assert robust_z(40, values) == pytest.approx(12.3658, abs=1e-4)
    assert robust_z(12.5, values) == 0
    assert robust_z(5, [5, 5, 5, 5, 5]) is None  # no spread
    assert robust_z(5, [1, 2, 3]) is None  # too few regions


def test_outlier_against_other_regions(passport, reference):
    from onconet.core.models import Region

    # five other regions with about 1 staff per 100,000; ours has 3 per 1,010,930 ≈ 0.3
    for index, code in enumerate(["RU-TUL", "RU-TVE", "RU-ORL", "RU-KOS", "RU-IVA"]):
        region = Region.objects.get(code=code)
        rows = valid_rows(region=code)
        rows["region"][0]["population"] = 300_000 + index * 1000
        services.passport_import(book=read_workbook(xlsx_bytes(rows)), period=2025, user=None)
        assert region.passports.count() == 1
    findings = [f for f in passport_check(passport=passport) if f.rule == "P008"]
    assert [f.field for f in findings] == ["staff per 100,000", "equipment units per million", "beds per 100,000"]
    assert all("far below other regions" in f.message for f in findings)
