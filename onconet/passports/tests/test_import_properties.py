"""Properties of the passport workbook import (hypothesis), on real XLSX files written with openpyxl and real
zips of CSV files:

- a valid generated passport round-trips: what the workbook says is what is stored, row for row;
- importing the same workbook twice is idempotent (upsert by the contract's keys), and so is re-importing an
  export of the stored passport (XLSX and CSV);
- random cell values, random headers, random CSV text and random bytes never raise anything but ImportRejected,
  whose problems name sheet, row and column; a refused workbook changes nothing in the database;
- whatever is accepted obeys the contract's ranges once stored.
"""

from __future__ import annotations

import io
import string
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from onconet.core.models import AuditEntry, Facility, FacilityKind, Region
from onconet.passports import export
from onconet.passports.models import (
    BedGroup,
    BedProfile,
    BuildingCondition,
    ComplianceRecord,
    ComplianceStatus,
    Equipment,
    EquipmentCondition,
    EquipmentKind,
    Passport,
    PassportEvent,
    PassportFacility,
    Sex,
    Specialty,
    StaffMember,
)
from onconet.passports.services import ImportRejected, ImportResult, passport_import
from onconet.passports.sheets import SHEETS, SHEETS_BY_NAME
from onconet.passports.tests.factories import changed, csv_zip_bytes, make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db

PERIOD = 2025
REGION = "RU-KLU"
STANDARDS = ("MDT-01", "DX-14")
SECTIONS = ("facilities", "staff", "equipment", "beds", "compliance")
KEYS = {sheet.name: sheet.key for sheet in SHEETS}
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture
def standards(reference: None) -> None:
    make_standards()


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: whatever it writes is undone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def database_state() -> dict[str, Any]:
    """Everything an import may touch, as plain values."""
    return {
        "passports": sorted(Passport.objects.values_list("region_id", "period", "population", "cancer_incidence")),
        "facilities": sorted(
            Facility.objects.values_list("code", "name", "kind", "address", "latitude", "longitude", "parent_id")
        ),
        **{
            model.__name__: model.objects.count()
            for model in (PassportFacility, StaffMember, Equipment, BedGroup, ComplianceRecord, PassportEvent)
        },
        "audit": AuditEntry.objects.count(),
    }


def run(data: bytes, filename: str = "passport.xlsx") -> ImportResult:
    return passport_import(book=read_workbook(data, filename), period=PERIOD, user=None)


def stored_rows(region: Region) -> Rows:
    """The stored passport in the workbook's shape (the exporter's view of it), each sheet sorted by its key."""
    passport = Passport.objects.get(region=region, period=PERIOD)
    return _sorted(export.passport_rows(passport))


def _sorted(rows: Rows) -> Rows:
    return {
        name: sorted(sheet_rows, key=lambda row, name=name: tuple(str(row.get(k) or "") for k in KEYS[name]))
        for name, sheet_rows in rows.items()
    }


def assert_refused_cleanly(exc: ImportRejected, before: dict[str, Any]) -> None:
    assert exc.errors, "a refused workbook lists its problems"
    for problem in exc.errors:
        assert problem.message
        assert problem.row is None or problem.row >= 1
        if problem.sheet in SHEETS_BY_NAME and problem.row not in (None, 1) and problem.column:
            assert problem.column in SHEETS_BY_NAME[problem.sheet].column_names, "a value's problem names its column"
        problem.as_dict()  # every problem can be answered as JSON
    assert database_state() == before, "a refused workbook must change nothing"


# ---------------------------------------------------------------- valid passports

CODE = st.text(alphabet=string.ascii_uppercase + string.digits + "-_./", min_size=1, max_size=12)
# what a person types into a cell: no control characters (XLSX cannot hold them), no surrounding blanks
TEXT = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(lambda text: text and not text.startswith("="))  # openpyxl writes "=…" as a formula
)


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def valid_passports(draw: st.DrawFn) -> Rows:
    """A passport that breaks no rule, with each sheet's values drawn from the whole of its contract."""
    r = REGION
    codes = draw(st.lists(CODE, min_size=1, max_size=4, unique=True))
    facilities = []
    for index, code in enumerate(codes):
        others = [c for c in codes if c != code]
        has_position = draw(st.booleans())
        facilities.append(
            {
                "region_code": r,
                "facility_code": code,
                "name": draw(TEXT),
                "kind": "dispensary" if index == 0 else draw(st.sampled_from(FacilityKind.values)),
                "parent_facility_code": draw(optional(st.sampled_from(others))) if others else None,
                "located_in_facility_code": draw(optional(st.sampled_from(others))) if others else None,
                "address": draw(optional(TEXT)),
                "latitude": draw(decimals("-90", "90", 5)) if has_position else None,
                "longitude": draw(decimals("-180", "180", 5)) if has_position else None,
                "building_condition": draw(optional(st.sampled_from(BuildingCondition.values))),
                "opened_year": draw(optional(st.integers(1700, PERIOD))),
            }
        )
    staff = []
    for staff_id in draw(st.lists(CODE, max_size=5, unique=True)):
        birth = draw(st.integers(PERIOD - 90, PERIOD - 18))
        staff.append(
            {
                "region_code": r,
                "facility_code": draw(st.sampled_from(codes)),
                "staff_id": staff_id,
                "specialty": draw(st.sampled_from(Specialty.values)),
                "birth_year": birth,
                "fte": draw(decimals("0.01", "1.5", 2)),
                "sex": draw(optional(st.sampled_from(Sex.values))),
                "hired_year": draw(optional(st.integers(max(1940, birth + 16), PERIOD))),
            }
        )
    equipment = []
    for equipment_id in draw(st.lists(CODE, max_size=4, unique=True)):
        available = draw(optional(decimals("0", "168", 1)))
        equipment.append(
            {
                "region_code": r,
                "facility_code": draw(st.sampled_from(codes)),
                "equipment_id": equipment_id,
                "kind": draw(st.sampled_from(EquipmentKind.values)),
                "year_installed": draw(st.integers(1950, PERIOD)),
                "condition": draw(st.sampled_from(EquipmentCondition.values)),
                "manufacturer": draw(optional(TEXT)),
                "model": draw(optional(TEXT)),
                "available_hours_per_week": available,
                "used_hours_per_week": None if available is None else draw(optional(decimals("0", str(available), 1))),
                "procedures_last_year": draw(optional(st.integers(0, 10**6))),
            }
        )
    bed_keys = draw(
        st.lists(
            st.tuples(st.sampled_from(codes), st.sampled_from(BedProfile.values), optional(st.sampled_from(codes))),
            max_size=4,
            unique=True,
        )
    )
    beds = [
        {
            "region_code": r,
            "facility_code": facility,
            "profile": profile,
            "beds": draw(st.integers(0, 10**4)),
            "located_in_facility_code": located if located != facility else None,
            "occupancy_rate": draw(optional(decimals("0", "1", 3))),
        }
        for facility, profile, located in bed_keys
        if not (located == facility and (facility, profile, None) in bed_keys)
    ]
    compliance = [
        {
            "region_code": r,
            "facility_code": facility,
            "standard_code": standard,
            "status": draw(st.sampled_from(ComplianceStatus.values)),
            "evidence": draw(optional(TEXT)),
            "assessed_on": draw(optional(st.dates(date(2000, 1, 1), date(PERIOD + 1, 12, 31)))),
        }
        for facility, standard in draw(
            st.lists(st.tuples(st.sampled_from(codes), st.sampled_from(STANDARDS)), max_size=4, unique=True)
        )
    ]
    region = {
        "region_code": r,
        "period": PERIOD,
        "population": draw(st.integers(1, 2_000_000_000)),
        "cancer_incidence": draw(optional(st.integers(0, 10**6))),
        "dispensary_facility_code": draw(optional(st.just(codes[0]))),
    }
    return {
        "region": [region],
        "facilities": facilities,
        "staff": staff,
        "equipment": equipment,
        "beds": beds,
        "compliance": compliance,
    }


def for_xlsx(rows: Rows) -> Rows:
    """Cells as a spreadsheet holds them: numbers as numbers (decimals as floats), dates as dates."""
    return {
        name: [{k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in sheet_rows]
        for name, sheet_rows in rows.items()
    }


def expected_rows(rows: Rows) -> Rows:
    """What the stored passport should read like: the same rows with empty text as None (as the exporter shows)."""
    out = {name: [{k: (v if v != "" else None) for k, v in row.items()} for row in rows[name]] for name in SECTIONS}
    out["region"] = rows["region"]
    return _sorted(out)


@PROPERTY
@given(rows=valid_passports(), as_csv=st.booleans())
def test_a_valid_workbook_round_trips_and_a_second_import_changes_nothing(
    standards: None, region: Region, rows: Rows, as_csv: bool
) -> None:
    with rolled_back():
        data = csv_zip_bytes(rows) if as_csv else xlsx_bytes(for_xlsx(rows))
        filename = "passport.zip" if as_csv else "passport.xlsx"
        first = run(data, filename)
        counts = {name: len(rows[name]) for name in SECTIONS}
        assert first.created == counts
        assert first.updated == dict.fromkeys(SECTIONS, 0)
        stored = stored_rows(region)
        assert stored == expected_rows(rows)

        before = database_state()
        second = run(data, filename)
        assert second.created == dict.fromkeys(SECTIONS, 0)
        assert second.updated == counts
        assert stored_rows(region) == stored
        after = database_state()
        # the second import adds its own history entries and nothing else
        assert {k: v for k, v in after.items() if k not in ("PassportEvent", "audit")} == {
            k: v for k, v in before.items() if k not in ("PassportEvent", "audit")
        }


@PROPERTY
@given(rows=valid_passports(), as_csv=st.booleans())
@example(
    rows={
        **{name: [] for name in SECTIONS},
        "region": [{"region_code": REGION, "period": PERIOD, "population": 1, "dispensary_facility_code": "-A"}],
        "facilities": [
            {"region_code": REGION, "facility_code": "-A", "name": "@Hospital", "kind": "dispensary", "address": "+7"}
        ],
    },
    as_csv=False,
).via("a formula-like cell comes back from an export with its escaping apostrophe")
def test_an_exported_passport_imports_back_unchanged(standards: None, region: Region, rows: Rows, as_csv: bool) -> None:
    with rolled_back():
        run(xlsx_bytes(for_xlsx(rows)))
        stored = stored_rows(region)
        passport = Passport.objects.get(region=region, period=PERIOD)
        rows_out = export.passport_rows(passport)
        data = export.csv_zip_bytes(rows_out) if as_csv else export.workbook_bytes(rows_out)
        result = run(data, "export.zip" if as_csv else "export.xlsx")
        assert result.created == dict.fromkeys(SECTIONS, 0), "an export names the very rows it came from"
        assert stored_rows(region) == stored


@PROPERTY
@given(rows=valid_passports())
def test_the_template_filled_in_imports(standards: None, region: Region, rows: Rows) -> None:
    """The empty template (with its notes and drop-down lists), filled in with openpyxl as a person would."""
    with rolled_back():
        workbook = load_workbook(io.BytesIO(export.template_bytes()))
        for sheet in SHEETS:
            worksheet = workbook[sheet.name]
            header = [cell.value for cell in worksheet[1]]
            for row in for_xlsx(rows)[sheet.name]:
                worksheet.append([row.get(name) for name in header])
        buffer = io.BytesIO()
        workbook.save(buffer)
        run(buffer.getvalue())
        assert stored_rows(region) == expected_rows(rows)


def test_the_empty_template_is_refused_and_changes_nothing(standards: None) -> None:
    before = database_state()
    with pytest.raises(ImportRejected) as err:
        run(export.template_bytes())
    assert [p.as_dict() for p in err.value.errors] == [
        {
            "sheet": "region",
            "row": None,
            "column": "",
            "value": None,
            "message": "The region sheet must have exactly one row; it has 0.",
        }
    ]
    assert database_state() == before


# ---------------------------------------------------------------- garbage

# characters a cell of an XLSX file can hold (XML 1.0 allows no other control characters)
XLSX_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cn"), blacklist_characters=[chr(c) for c in range(32)])
    | st.sampled_from("\t\n\r"),
    max_size=60,
)
NASTY_TEXT = st.sampled_from(
    [
        "²",  # a digit to str.isdigit(), not to int()
        "9" * 5000,  # more digits than int() converts
        "1E-999999",
        "0E+999999",
        "-0",
        "NaN",
        "-Infinity",
        "1e3",
        "٣",
        " 12 ",
        "1_000",
        "12,5",
        "0.0049",
        "2025-02-30",
        "=1+1",
        "'-x",
        "x" * 300,
    ]
)
CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(float),
    st.dates(),
    st.datetimes(),
    XLSX_TEXT,
    NASTY_TEXT,
)


@st.composite
def damaged_passports(draw: st.DrawFn) -> Rows:
    """A valid passport with a few cells replaced by anything a cell can hold."""
    rows = for_xlsx(draw(valid_passports()))
    cells = [
        (name, index, column.name)
        for name in rows
        for index in range(len(rows[name]))
        for column in SHEETS_BY_NAME[name].columns
    ]
    for name, index, column in draw(st.lists(st.sampled_from(cells), min_size=1, max_size=4, unique=True)):
        rows[name][index][column] = draw(CELL)
    return rows


def assert_stored_rows_obey_the_contract(region: Region) -> None:
    passport = Passport.objects.get(region=region, period=PERIOD)
    assert passport.population >= 1
    assert (passport.cancer_incidence or 0) >= 0
    for person in StaffMember.objects.filter(passport=passport):
        assert 0 < person.fte <= Decimal("1.5"), person.fte
        assert PERIOD - 90 <= person.birth_year <= PERIOD - 18
    for machine in Equipment.objects.filter(passport=passport):
        available, used = machine.available_hours_per_week, machine.used_hours_per_week
        assert available is None or 0 <= available <= 168
        assert used is None or (available is not None and 0 <= used <= available), (used, available)
    for group in BedGroup.objects.filter(passport=passport):
        assert group.beds >= 0
        assert group.occupancy_rate is None or 0 <= group.occupancy_rate <= 1


@PROPERTY
@given(rows=damaged_passports())
@example(rows=changed(valid_rows(), "staff", 0, fte="0.004"))  # stored with two places, it would be 0.00
@example(rows=changed(valid_rows(), "equipment", 0, available_hours_per_week=45.04, used_hours_per_week=45.05))
@example(
    rows={**{name: [] for name in SECTIONS}, "region": [{"region_code": REGION, "period": PERIOD, "population": 2**70}]}
)
@example(
    rows={**{name: [] for name in SECTIONS}, "region": [{"region_code": REGION, "period": PERIOD, "population": 2**40}]}
)
@example(
    rows={**{name: [] for name in SECTIONS}, "region": [{"region_code": REGION, "period": PERIOD, "population": "²"}]}
)
@example(
    rows={
        **{name: [] for name in SECTIONS},
        "region": [{"region_code": REGION, "period": PERIOD, "population": "9" * 5000}],
    }
)
def test_random_cells_are_refused_with_problems_or_stored_within_the_contract(
    standards: None, region: Region, rows: Rows
) -> None:
    with rolled_back():
        before = database_state()
        try:
            run(xlsx_bytes(rows))
        except ImportRejected as exc:
            assert_refused_cleanly(exc, before)
        else:
            assert_stored_rows_obey_the_contract(region)


HEADER_CELL = st.one_of(
    st.sampled_from([c.name for sheet in SHEETS for c in sheet.columns]), XLSX_TEXT, st.integers(), st.none()
)


@PROPERTY
@given(
    rows=valid_passports(),
    headers=st.dictionaries(st.sampled_from([s.name for s in SHEETS]), st.lists(HEADER_CELL, max_size=12)),
    extra_sheets=st.lists(
        XLSX_TEXT.map(lambda t: t[:31]).filter(lambda t: t.strip() and not set(t) & set("[]:*?/\\'")), max_size=2
    ),
)
def test_random_headers_and_sheets_are_refused_with_problems_or_read_by_name(
    standards: None, rows: Rows, headers: dict[str, list[Any]], extra_sheets: list[str]
) -> None:
    from openpyxl import Workbook

    with rolled_back():
        workbook = Workbook()
        workbook.remove(workbook.active)
        for sheet in SHEETS:
            worksheet = workbook.create_sheet(sheet.name)
            header = headers.get(sheet.name, sheet.column_names)
            worksheet.append(header)
            for row in for_xlsx(rows)[sheet.name]:
                worksheet.append([row.get(name) if isinstance(name, str) else 1 for name in header])
        for title in extra_sheets:
            if title.strip().lower() not in {ws.title.strip().lower() for ws in workbook.worksheets}:
                workbook.create_sheet(title).append(["x"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        before = database_state()
        try:
            run(buffer.getvalue())
        except ImportRejected as exc:
            assert_refused_cleanly(exc, before)


CSV_TEXT = st.text(max_size=200) | st.sampled_from(["a\rb", "region_code\r" + REGION, "\x00", "x" * 140_000])


@PROPERTY
@given(
    rows=valid_passports(),
    replaced=st.dictionaries(st.sampled_from([s.name for s in SHEETS]), CSV_TEXT, min_size=1),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1251", "latin-1"]),
)
@example(rows={**{name: [] for name in SECTIONS}, "region": []}, replaced={"staff": "a\rb"}, encoding="utf-8")
@example(rows={**{name: [] for name in SECTIONS}, "region": []}, replaced={"staff": "x" * 140_000}, encoding="utf-8")
@example(rows=changed(valid_rows(), "facilities", 0, name="Dispensary\x00"), replaced={}, encoding="utf-8")
def test_random_csv_files_in_a_zip_are_refused_with_problems_or_stored_as_text(
    standards: None, rows: Rows, replaced: dict[str, str], encoding: str
) -> None:
    with rolled_back():
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(csv_zip_bytes(rows)), "r") as source, zipfile.ZipFile(buffer, "w") as archive:
            for name in source.namelist():
                sheet = name.removesuffix(".csv")
                if sheet in replaced:
                    archive.writestr(name, replaced[sheet].encode(encoding, errors="replace"))
                else:
                    archive.writestr(name, source.read(name))
        before = database_state()
        try:
            run(buffer.getvalue(), "passport.zip")
        except ImportRejected as exc:
            assert_refused_cleanly(exc, before)
        else:  # PostgreSQL refuses a NUL character in text outright; no database should get one
            assert not any("\x00" in name for name in Facility.objects.values_list("name", flat=True))


@PROPERTY
@given(
    data=st.binary(max_size=2000)
    | st.builds(
        lambda names, blobs: _zip(dict(zip(names, blobs, strict=False))),
        st.lists(
            st.sampled_from(["region.csv", "staff.csv", "[Content_Types].xml", "xl/workbook.xml", "a/b.csv"]),
            max_size=4,
        ),
        st.lists(st.binary(max_size=300), max_size=4),
    ),
    filename=st.sampled_from(["passport.xlsx", "passport.zip", "passport.csv", "passport"]),
)
def test_random_bytes_are_refused_with_problems(standards: None, data: bytes, filename: str) -> None:
    with rolled_back():
        before = database_state()
        with pytest.raises(ImportRejected) as err:
            run(data, filename)
        assert_refused_cleanly(err.value, before)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, blob in files.items():
            archive.writestr(name, blob)
    return buffer.getvalue()
