"""Exports: the template matches the contract, exports round-trip through the importer, formulas are escaped."""

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from onconet.passports import export, services
from onconet.passports.dhis2 import data_value_set
from onconet.passports.models import Equipment, Passport, StaffMember
from onconet.passports.sheets import SHEETS
from onconet.passports.tests.factories import make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def passport(reference, region):
    make_standards()
    services.passport_import(book=read_workbook(xlsx_bytes(valid_rows())), period=2025, user=None)
    # text typed in the browser can start like a formula; it must not come out as one
    Equipment.objects.filter(equipment_id="E1").update(manufacturer='=HYPERLINK("http://evil")', model="@SUM(1)")
    return Passport.objects.get(region=region, period=2025)


def test_template_has_the_contracts_sheets_and_columns():
    workbook = load_workbook(io.BytesIO(export.template_bytes()))
    assert workbook.sheetnames == ["region", "facilities", "staff", "equipment", "beds", "compliance"]
    assert [c.value for c in workbook["staff"][1]] == [
        "region_code",
        "facility_code",
        "staff_id",
        "specialty",
        "birth_year",
        "fte",
        "sex",
        "hired_year",
    ]
    assert [c.value for c in workbook["beds"][1]] == [
        "region_code",
        "facility_code",
        "profile",
        "beds",
        "located_in_facility_code",
        "occupancy_rate",
    ]
    assert "One of: oncologist" in workbook["staff"]["D1"].comment.text


def test_empty_template_imports_as_a_clear_problem(reference):
    with pytest.raises(services.ImportRejected) as err:
        services.passport_import(book=read_workbook(export.template_bytes()), period=2025, user=None)
    assert [p.message for p in err.value.errors] == ["The region sheet must have exactly one row; it has 0."]


def test_xlsx_export_round_trips(passport):
    data = export.workbook_bytes(export.passport_rows(passport))
    result = services.passport_import(book=read_workbook(data), period=2025, user=None)
    assert result.created == {"facilities": 0, "staff": 0, "equipment": 0, "beds": 0, "compliance": 0}
    assert StaffMember.objects.count() == 3


def test_csv_export_round_trips(passport):
    data = export.csv_zip_bytes(export.passport_rows(passport))
    result = services.passport_import(book=read_workbook(data, "p.zip"), period=2025, user=None)
    assert result.updated["staff"] == 3


def test_formulas_are_escaped_in_xlsx_and_csv(passport):
    workbook = load_workbook(io.BytesIO(export.workbook_bytes(export.passport_rows(passport))))
    equipment = {row[2].value: row for row in workbook["equipment"].iter_rows(min_row=2)}
    assert equipment["E1"][6].value == '\'=HYPERLINK("http://evil")'
    assert equipment["E1"][6].data_type == "s"
    assert equipment["E1"][7].value == "'@SUM(1)"
    with zipfile.ZipFile(io.BytesIO(export.csv_zip_bytes(export.passport_rows(passport)))) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("equipment.csv").decode())))
    assert rows[0]["manufacturer"] == '\'=HYPERLINK("http://evil")'
    assert all(not v.startswith(("=", "+", "@")) for row in rows for v in row.values())


def test_escape_cell():
    assert export.escape_cell("-2+3") == "'-2+3"
    assert export.escape_cell("+7 495") == "'+7 495"
    assert export.escape_cell("Kaluga") == "Kaluga"
    assert export.escape_cell(-5) == -5  # numbers stay numbers


def test_json_export_shape(passport):
    data = export.passport_json(passport)
    assert data["format"] == "onconet-passport/1"
    assert set(data["sheets"]) == {s.name for s in SHEETS}
    assert data["sheets"]["staff"][1]["fte"] == 0.5
    assessed = {row["standard_code"]: row["assessed_on"] for row in data["sheets"]["compliance"]}
    assert assessed == {"MDT-01": "2025-03-31", "DX-14": None}


def test_dhis2_data_value_set(passport):
    out = data_value_set(passport)
    assert (out["dataSet"], out["period"], out["orgUnit"]) == ("ONCONET_PASSPORT_V1", "2025", "RU-KLU")
    values = {(v["dataElement"], v["categoryOptionCombo"]): v["value"] for v in out["dataValues"]}
    assert values[("ONC_POPULATION", "default")] == "1010930"
    assert values[("ONC_STAFF", "RADIOLOGIST_60_64")] == "1"  # S1 is 62
    assert values[("ONC_STAFF", "RADIATION_ONCOLOGIST_40_49")] == "1"
    assert values[("ONC_STAFF", "ONCOLOGIST_LT40")] == "1"
    assert values[("ONC_EQUIPMENT", "LINAC_WORKING")] == "1"
    assert values[("ONC_EQUIPMENT", "CT_NEEDS_REPAIR")] == "1"
    assert values[("ONC_BEDS", "SURGICAL")] == "60"
    assert values[("ONC_BEDS", "PALLIATIVE")] == "10"
    assert values[("ONC_CAOP_COUNT", "default")] == "1"
    assert values[("ONC_COMPLIANCE_SCORE", "default")] == "75.0"  # one met, one partial
    assert "completeDate" not in out
