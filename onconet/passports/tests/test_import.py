"""The workbook import: every bad input of the issue gets a clear problem and changes nothing."""

import pytest

from conftest import make_facility
from onconet.core.errors import DomainError, NotAllowed
from onconet.core.models import AuditEntry, Facility
from onconet.passports.models import BedGroup, Equipment, Passport, PassportStatus, StaffMember
from onconet.passports.services import ImportRejected, passport_import
from onconet.passports.tests.factories import changed, csv_zip_bytes, make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def standards(reference):
    make_standards()


def run(data: bytes, *, period=2025, user=None, filename="passport.xlsx", dry_run=False):
    return passport_import(book=read_workbook(data, filename), period=period, user=user, dry_run=dry_run)


def problems_of(data: bytes, **kwargs):
    with pytest.raises(ImportRejected) as err:
        run(data, **kwargs)
    assert not Passport.objects.exists(), "a rejected workbook must change nothing"
    assert not StaffMember.objects.exists()
    return [p.as_dict() for p in err.value.errors]


def test_valid_workbook_imports_everything(standards, region):
    result = run(xlsx_bytes(valid_rows()))
    passport = Passport.objects.get(region=region, period=2025)
    assert result.passport_id == passport.pk
    assert result.created == {"facilities": 3, "staff": 3, "equipment": 2, "beds": 2, "compliance": 2}
    assert passport.status == PassportStatus.DRAFT
    assert passport.population == 1_010_930
    assert passport.dispensary.code == "DISP"
    caop = Facility.objects.get(region=region, code="CAOP1")
    assert caop.parent.code == "DISP"
    assert caop.located_in.code == "H1"
    assert BedGroup.objects.get(profile="palliative").located_in.code == "H1"
    assert str(StaffMember.objects.get(staff_id="S3").fte) == "1.25"
    assert AuditEntry.objects.filter(object_type="passports.passport", message="workbook import").count() == 1


def test_import_twice_gives_the_same_passport(standards, region):
    data = xlsx_bytes(valid_rows())
    run(data)
    second = run(data)
    assert second.created == {"facilities": 0, "staff": 0, "equipment": 0, "beds": 0, "compliance": 0}
    assert second.updated == {"facilities": 3, "staff": 3, "equipment": 2, "beds": 2, "compliance": 2}
    assert StaffMember.objects.count() == 3
    assert Facility.objects.filter(region=region).count() == 3
    assert Passport.objects.count() == 1


def test_reimport_updates_by_key(standards):
    run(xlsx_bytes(valid_rows()))
    run(xlsx_bytes(changed(valid_rows(), "staff", 0, specialty="pathologist", fte=0.75)))
    person = StaffMember.objects.get(staff_id="S1")
    assert person.specialty == "pathologist"
    assert str(person.fte) == "0.75"


def test_codes_are_case_insensitive(standards):
    rows = changed(valid_rows(), "staff", 0, specialty="RadioLogist", facility_code="disp")
    rows["region"][0]["region_code"] = "ru-klu"
    for sheet in ("facilities", "staff", "equipment", "beds", "compliance"):
        for row in rows[sheet]:
            row["region_code"] = "ru-klu"
    run(xlsx_bytes(rows))
    assert StaffMember.objects.get(staff_id="S1").specialty == "radiologist"


def test_zip_of_csv_files_imports_like_xlsx(standards):
    result = run(csv_zip_bytes(valid_rows()), filename="passport.zip")
    assert result.created["staff"] == 3
    assert Equipment.objects.get(equipment_id="E1").used_hours_per_week == 45


def test_dry_run_checks_and_writes_nothing(standards):
    result = run(xlsx_bytes(valid_rows()), dry_run=True)
    assert result.dry_run is True
    assert result.created["staff"] == 3
    assert not Passport.objects.exists()
    assert not Facility.objects.filter(code="DISP").exists()


def test_extra_and_missing_columns(standards):
    headers = {"staff": ["region_code", "facility_code", "staff_id", "specialty", "fte", "sex", "hired_year", "name"]}
    found = problems_of(xlsx_bytes(valid_rows(), headers=headers))
    assert {
        "sheet": "staff",
        "row": 1,
        "column": "name",
        "value": None,
        "message": "Unknown column; the columns of staff are region_code, facility_code, staff_id, specialty, "
        "birth_year, fte, sex, hired_year.",
    } in found
    assert {
        "sheet": "staff",
        "row": 1,
        "column": "birth_year",
        "value": None,
        "message": "A required column is missing.",
    } in found


def test_text_where_a_number_belongs(standards):
    found = problems_of(xlsx_bytes(changed(valid_rows(), "staff", 1, birth_year="nineteen-eighty")))
    assert found == [
        {
            "sheet": "staff",
            "row": 3,
            "column": "birth_year",
            "value": "nineteen-eighty",
            "message": "must be a whole number",
        }
    ]


def test_negative_beds(standards):
    found = problems_of(xlsx_bytes(changed(valid_rows(), "beds", 0, beds=-5)))
    assert found == [{"sheet": "beds", "row": 2, "column": "beds", "value": -5, "message": "must be at least 0"}]


def test_birth_year_in_the_future(standards):
    found = problems_of(xlsx_bytes(changed(valid_rows(), "staff", 0, birth_year=2031, hired_year=None)))
    assert found == [
        {"sheet": "staff", "row": 2, "column": "birth_year", "value": 2031, "message": "must be between 1935 and 2007"}
    ]


def test_unknown_region(standards):
    rows = valid_rows(region="RU-ZZZ")
    found = problems_of(xlsx_bytes(rows))
    assert {
        "sheet": "region",
        "row": 2,
        "column": "region_code",
        "value": "RU-ZZZ",
        "message": "unknown region",
    } in found


def test_unknown_facility_specialty_and_equipment_kind(standards):
    rows = changed(valid_rows(), "staff", 0, facility_code="NOWHERE", specialty="astrologer")
    rows = changed(rows, "equipment", 0, kind="tricorder")
    found = problems_of(xlsx_bytes(rows))
    messages = {(p["sheet"], p["row"], p["column"]): p["message"] for p in found}
    assert messages[("staff", 2, "specialty")].startswith("must be one of oncologist, surgical_oncologist")
    assert messages[("equipment", 2, "kind")].startswith("must be one of ct, mri, pet_ct")
    # the facility of a row with a bad specialty is not checked further; report it from a clean row
    found = problems_of(xlsx_bytes(changed(valid_rows(), "staff", 0, facility_code="NOWHERE")))
    assert found == [
        {
            "sheet": "staff",
            "row": 2,
            "column": "facility_code",
            "value": "NOWHERE",
            "message": "unknown facility: not in the facilities sheet nor on record for the region",
        }
    ]


def test_facility_on_record_for_the_region_may_be_referenced(standards, region):
    make_facility(region, "OLD-H")
    rows = changed(valid_rows(), "staff", 0, facility_code="old-h")
    run(xlsx_bytes(rows))
    assert StaffMember.objects.get(staff_id="S1").facility.code == "OLD-H"


def test_without_a_region_row_a_facility_on_record_is_not_reported_unknown(standards, region):
    """Found by trying it: staff rows naming facilities on the region's record were reported "unknown facility …
    not on record for the region" when the region sheet was empty."""
    make_facility(region, "OLD-H")
    rows = changed(valid_rows(), "staff", 0, facility_code="OLD-H")
    rows["region"] = []
    found = problems_of(xlsx_bytes(rows))
    assert [p["sheet"] for p in found] == ["region"]
    assert found[0]["message"] == "The region sheet must have exactly one row; it has 0."
    # ... and a region the workbook does not name at all: the references are not judged against no record
    for sheet in ("facilities", "staff", "equipment", "beds", "compliance"):
        rows[sheet] = [{**row, "region_code": None} for row in rows[sheet]]
    assert not any(p["message"].startswith("unknown facility") for p in problems_of(xlsx_bytes(rows)))


def test_the_year_is_the_workbooks_own_unless_one_is_given(standards, region):
    found = problems_of(xlsx_bytes(valid_rows(period=2023)), period=2025)
    assert found[0]["message"] == "the import is for 2025; the workbook says 2023"
    result = run(xlsx_bytes(valid_rows(period=2024)), period=None)
    assert (result.region, result.period) == ("RU-KLU", 2024)
    assert Passport.objects.get().period == 2024


def test_without_a_year_anywhere_the_import_says_so(standards, region):
    rows = valid_rows()
    rows["region"] = []
    found = problems_of(xlsx_bytes(rows), period=None)
    assert {
        "sheet": "region",
        "row": None,
        "column": "period",
        "message": "the reporting year: the region sheet gives none",
    } in [{k: p[k] for k in ("sheet", "row", "column", "message")} for p in found]


def test_duplicate_keys(standards):
    rows = valid_rows()
    rows["staff"].append(dict(rows["staff"][0]))
    rows["compliance"].append(dict(rows["compliance"][0]))
    found = problems_of(xlsx_bytes(rows))
    assert {
        "sheet": "staff",
        "row": 5,
        "column": "staff_id",
        "value": "S1",
        "message": "duplicate key (staff_id=S1): already on row 2",
    } in found
    assert {
        "sheet": "compliance",
        "row": 4,
        "column": "facility_code",
        "value": "DISP",
        "message": "duplicate key (facility_code=DISP, standard_code=MDT-01): already on row 2",
    } in found


def test_region_code_differs_from_the_region_sheet(standards):
    found = problems_of(xlsx_bytes(changed(valid_rows(), "equipment", 1, region_code="RU-TUL")))
    assert found == [
        {
            "sheet": "equipment",
            "row": 3,
            "column": "region_code",
            "value": "RU-TUL",
            "message": "differs from the region sheet's RU-KLU",
        }
    ]


def test_used_hours_above_available(standards):
    found = problems_of(xlsx_bytes(changed(valid_rows(), "equipment", 0, used_hours_per_week=70)))
    assert found == [
        {
            "sheet": "equipment",
            "row": 2,
            "column": "used_hours_per_week",
            "value": 70,
            "message": "must be ≤ available_hours_per_week (60)",
        }
    ]


def test_every_problem_is_listed_at_once(standards):
    rows = changed(valid_rows(), "staff", 0, birth_year=2031, hired_year=None)
    rows = changed(rows, "beds", 0, beds=-1)
    rows = changed(rows, "facilities", 0, latitude=123)
    rows = changed(rows, "equipment", 0, year_installed=2030)
    found = problems_of(xlsx_bytes(rows))
    assert [(p["sheet"], p["column"]) for p in found] == [
        ("facilities", "latitude"),
        ("staff", "birth_year"),
        ("equipment", "year_installed"),
        ("beds", "beds"),
    ]


def test_csv_with_a_wrong_encoding(standards):
    rows = changed(valid_rows(), "facilities", 0, name="Областной онкодиспансер")
    found = problems_of(csv_zip_bytes(rows, encoding="cp1251"), filename="passport.zip")
    assert found[0]["sheet"] == "facilities"
    assert found[0]["message"].startswith("The file is not UTF-8 encoded")


def test_csv_with_a_wrong_delimiter(standards):
    found = problems_of(csv_zip_bytes(valid_rows(), delimiter=";"), filename="passport.zip")
    assert {
        "sheet": "staff",
        "row": 1,
        "column": "",
        "value": None,
        "message": "The columns are separated by semicolons; use commas.",
    } in found


def test_a_file_that_is_not_a_workbook(standards):
    found = problems_of(b"%PDF-1.7 this is a pdf", filename="passport.xlsx")
    assert found == [
        {
            "sheet": "",
            "row": None,
            "column": "",
            "value": "passport.xlsx",
            "message": "This is not an XLSX workbook or a zip of CSV files.",
        }
    ]


def test_an_empty_file(standards):
    found = problems_of(b"", filename="passport.xlsx")
    assert found[0]["message"] == "The file is empty."


def test_a_workbook_over_the_size_limit(standards, settings):
    settings.PASSPORT_IMPORT_MAX_MB = 1
    found = problems_of(b"PK" + b"0" * (1024 * 1024 + 1), filename="big.xlsx")
    assert found[0]["message"] == "The file is 1.0 MiB; the limit is 1 MiB."


def test_the_period_must_match(standards):
    found = problems_of(xlsx_bytes(valid_rows(period=2024)), period=2025)
    assert {
        "sheet": "region",
        "row": 2,
        "column": "period",
        "value": 2024,
        "message": "the import is for 2025; the workbook says 2024",
    } in found


def test_unknown_standard(standards):
    found = problems_of(xlsx_bytes(changed(valid_rows(), "compliance", 0, standard_code="ISO-9999")))
    assert found == [
        {
            "sheet": "compliance",
            "row": 2,
            "column": "standard_code",
            "value": "ISO-9999",
            "message": "unknown standard: not in the catalogue",
        }
    ]


def test_dispensary_must_be_a_dispensary(standards):
    rows = valid_rows()
    rows["region"][0]["dispensary_facility_code"] = "H1"
    found = problems_of(xlsx_bytes(rows))
    assert found == [
        {
            "sheet": "region",
            "row": 2,
            "column": "dispensary_facility_code",
            "value": "H1",
            "message": "is a hospital, not a dispensary",
        }
    ]


@pytest.mark.parametrize("status", [PassportStatus.APPROVED, PassportStatus.SUBMITTED])
def test_import_into_a_locked_passport_is_refused(standards, status):
    run(xlsx_bytes(valid_rows()))
    Passport.objects.update(status=status)
    with pytest.raises(DomainError) as err:
        run(xlsx_bytes(changed(valid_rows(), "staff", 0, fte=0.5)))
    assert err.value.status_code == 409
    assert "RU-KLU" in err.value.detail
    assert str(StaffMember.objects.get(staff_id="S1").fte) == "1.00"


def test_reporter_cannot_import_another_regions_passport(standards, users):
    with pytest.raises(NotAllowed) as err:
        run(xlsx_bytes(valid_rows(region="RU-MOW")), user=users["reporter"])
    assert err.value.detail == "You report for RU-KLU; this is RU-MOW's passport."
    assert not Passport.objects.exists()
    assert not Facility.objects.filter(code="DISP").exists()


def test_reporter_imports_own_region(standards, users):
    result = run(xlsx_bytes(valid_rows()), user=users["reporter"])
    assert result.created["staff"] == 3


def test_analyst_may_not_import(standards, users):
    with pytest.raises(NotAllowed):
        run(xlsx_bytes(valid_rows()), user=users["analyst"])


def test_a_workbook_with_very_many_problems_lists_the_first_ones_and_counts_all(standards, region, settings):
    settings.PASSPORT_IMPORT_MAX_PROBLEMS = 5
    rows = valid_rows()
    template = rows["staff"][0]
    rows["staff"] = [{**template, "staff_id": f"S{i}", "birth_year": "not a year"} for i in range(40)]
    with pytest.raises(ImportRejected) as err:
        run(xlsx_bytes(rows))
    assert err.value.detail == "The workbook has 40 problem(s); nothing was imported. The first 5 are listed."
    assert [(p.row, p.column) for p in err.value.errors] == [(n, "birth_year") for n in range(2, 7)]
    assert not Passport.objects.exists()
