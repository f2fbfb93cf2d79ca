"""Passports for tests: factory_boy factories of the records a passport holds, and workbooks — a small valid
passport, and ways to write it as real XLSX or CSV files."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from typing import Any

import factory
from factory.django import DjangoModelFactory
from openpyxl import Workbook

from onconet.core.models import Region
from onconet.core.tests.factories import FacilityFactory
from onconet.passports.models import (
    BedGroup,
    ComplianceRecord,
    Equipment,
    Passport,
    PassportFacility,
    PassportStatus,
    StaffMember,
    Standard,
)
from onconet.passports.sheets import SHEETS

# ---------------------------------------------------------------- records


class PassportFactory(DjangoModelFactory[Passport]):
    class Meta:
        model = Passport

    region = factory.LazyFunction(lambda: Region.objects.get(code="RU-KLU"))
    period = 2025
    population = 1_000_000
    cancer_incidence = 5_000
    status = PassportStatus.DRAFT


class PassportFacilityFactory(DjangoModelFactory[PassportFacility]):
    class Meta:
        model = PassportFacility

    passport = factory.SubFactory(PassportFactory)
    facility = factory.SubFactory(FacilityFactory, region=factory.SelfAttribute("..passport.region"))


class StaffMemberFactory(DjangoModelFactory[StaffMember]):
    """A member of staff; `age` (not a field) sets the birth year from the passport's period."""

    class Meta:
        model = StaffMember
        exclude = ("age",)

    passport = factory.SubFactory(PassportFactory)
    facility = factory.SubFactory(FacilityFactory, region=factory.SelfAttribute("..passport.region"))
    specialty = "radiologist"
    age = 50
    staff_id = factory.Sequence(lambda n: f"S{n}")
    birth_year = factory.LazyAttribute(lambda s: s.passport.period - s.age)
    fte = 1


class EquipmentFactory(DjangoModelFactory[Equipment]):
    class Meta:
        model = Equipment

    passport = factory.SubFactory(PassportFactory)
    facility = factory.SubFactory(FacilityFactory, region=factory.SelfAttribute("..passport.region"))
    equipment_id = factory.Sequence(lambda n: f"E{n}")
    kind = "linac"
    year_installed = 2020
    condition = "working"


class BedGroupFactory(DjangoModelFactory[BedGroup]):
    class Meta:
        model = BedGroup

    passport = factory.SubFactory(PassportFactory)
    facility = factory.SubFactory(FacilityFactory, region=factory.SelfAttribute("..passport.region"))
    profile = "surgical"
    beds = 10


class StandardFactory(DjangoModelFactory[Standard]):
    class Meta:
        model = Standard
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"STD-{n}")
    title = factory.LazyAttribute(lambda s: s.code)


class ComplianceRecordFactory(DjangoModelFactory[ComplianceRecord]):
    class Meta:
        model = ComplianceRecord

    passport = factory.SubFactory(PassportFactory)
    facility = factory.SubFactory(FacilityFactory, region=factory.SelfAttribute("..passport.region"))
    standard = factory.SubFactory(StandardFactory)
    status = "met"


# ---------------------------------------------------------------- workbooks


def valid_rows(region: str = "RU-KLU", period: int = 2025) -> dict[str, list[dict[str, Any]]]:
    """A small, valid passport: a dispensary, a hospital, a CAOP inside the hospital, staff, machines, beds."""
    r = region
    return {
        "region": [
            {
                "region_code": r,
                "period": period,
                "population": 1_010_930,
                "cancer_incidence": 5200,
                "dispensary_facility_code": "DISP",
            }
        ],
        "facilities": [
            {
                "region_code": r,
                "facility_code": "DISP",
                "name": "Regional Oncology Dispensary",
                "kind": "dispensary",
                "address": "Kaluga, Vishnevskogo 2",
                "latitude": 54.5,
                "longitude": 36.27,
                "building_condition": "good",
                "opened_year": 1975,
            },
            {"region_code": r, "facility_code": "H1", "name": "Regional Hospital", "kind": "hospital"},
            {
                "region_code": r,
                "facility_code": "CAOP1",
                "name": "CAOP Obninsk",
                "kind": "caop",
                "parent_facility_code": "DISP",
                "located_in_facility_code": "H1",
                "building_condition": "satisfactory",
            },
        ],
        "staff": [
            {
                "region_code": r,
                "facility_code": "DISP",
                "staff_id": "S1",
                "specialty": "radiologist",
                "birth_year": period - 62,
                "fte": 1,
                "sex": "F",
                "hired_year": 1990,
            },
            {
                "region_code": r,
                "facility_code": "DISP",
                "staff_id": "S2",
                "specialty": "radiation_oncologist",
                "birth_year": period - 45,
                "fte": 0.5,
                "sex": "M",
                "hired_year": 2010,
            },
            {
                "region_code": r,
                "facility_code": "CAOP1",
                "staff_id": "S3",
                "specialty": "oncologist",
                "birth_year": period - 30,
                "fte": 1.25,
            },
        ],
        "equipment": [
            {
                "region_code": r,
                "facility_code": "DISP",
                "equipment_id": "E1",
                "kind": "linac",
                "year_installed": period - 3,
                "condition": "working",
                "manufacturer": "Varian",
                "model": "TrueBeam",
                "available_hours_per_week": 60,
                "used_hours_per_week": 45,
                "procedures_last_year": 7000,
            },
            {
                "region_code": r,
                "facility_code": "H1",
                "equipment_id": "E2",
                "kind": "ct",
                "year_installed": period - 12,
                "condition": "needs_repair",
                "available_hours_per_week": 80,
                "used_hours_per_week": 20,
            },
        ],
        "beds": [
            {"region_code": r, "facility_code": "DISP", "profile": "surgical", "beds": 60, "occupancy_rate": 0.85},
            {
                "region_code": r,
                "facility_code": "DISP",
                "profile": "palliative",
                "beds": 10,
                "located_in_facility_code": "H1",
                "occupancy_rate": 0.9,
            },
        ],
        "compliance": [
            {
                "region_code": r,
                "facility_code": "DISP",
                "standard_code": "MDT-01",
                "status": "met",
                "evidence": "Tumour board minutes",
                "assessed_on": f"{period}-03-31",
            },
            {"region_code": r, "facility_code": "DISP", "standard_code": "DX-14", "status": "partial"},
        ],
    }


def make_standards() -> None:
    for code, title in (("MDT-01", "Tumour board"), ("DX-14", "Diagnosis within 14 days")):
        Standard.objects.get_or_create(code=code, defaults={"title": title})


def xlsx_bytes(rows: dict[str, list[dict[str, Any]]], *, headers: dict[str, list[str]] | None = None) -> bytes:
    """A real XLSX file, written cell by cell with openpyxl (values are not escaped or converted)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        if sheet.name not in rows:
            continue
        columns = (headers or {}).get(sheet.name, sheet.column_names)
        worksheet = workbook.create_sheet(sheet.name)
        worksheet.append(columns)
        for row in rows[sheet.name]:
            worksheet.append([row.get(name) for name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_zip_bytes(rows: dict[str, list[dict[str, Any]]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for sheet in SHEETS:
            if sheet.name not in rows:
                continue
            text = io.StringIO()
            writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
            writer.writerow(sheet.column_names)
            for row in rows[sheet.name]:
                writer.writerow(["" if row.get(n) is None else row.get(n) for n in sheet.column_names])
            archive.writestr(f"{sheet.name}.csv", text.getvalue().encode(encoding))
    return buffer.getvalue()


def changed(
    rows: dict[str, list[dict[str, Any]]], sheet: str, index: int, **values: Any
) -> dict[str, list[dict[str, Any]]]:
    out = copy.deepcopy(rows)
    out[sheet][index].update(values)
    return out
