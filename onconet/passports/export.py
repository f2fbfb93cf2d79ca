"""Writing passports out: the empty template, XLSX, a zip of CSV files and JSON — all in the contract's shape.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return)
are written with a leading apostrophe, so an exported passport never carries a live formula.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from onconet.core.spreadsheets import escape_cell
from onconet.passports.models import BedGroup, ComplianceRecord, Equipment, Passport, PassportFacility, StaffMember
from onconet.passports.selectors import section_rows
from onconet.passports.sheets import SHEETS, TEMPLATE_VERSION


def facility_row(e: PassportFacility, region: str) -> dict[str, Any]:
    f = e.facility
    return {
        "region_code": region,
        "facility_code": f.code,
        "name": f.name,
        "kind": f.kind,
        "parent_facility_code": f.parent.code if f.parent else None,
        "located_in_facility_code": f.located_in.code if f.located_in else None,
        "address": f.address or None,
        "latitude": f.latitude,
        "longitude": f.longitude,
        "building_condition": e.building_condition or None,
        "opened_year": e.opened_year,
    }


def staff_row(s: StaffMember, region: str) -> dict[str, Any]:
    return {
        "region_code": region,
        "facility_code": s.facility.code,
        "staff_id": s.staff_id,
        "specialty": s.specialty,
        "birth_year": s.birth_year,
        "fte": s.fte,
        "sex": s.sex or None,
        "hired_year": s.hired_year,
    }


def equipment_row(e: Equipment, region: str) -> dict[str, Any]:
    return {
        "region_code": region,
        "facility_code": e.facility.code,
        "equipment_id": e.equipment_id,
        "kind": e.kind,
        "year_installed": e.year_installed,
        "condition": e.condition,
        "manufacturer": e.manufacturer or None,
        "model": e.model or None,
        "available_hours_per_week": e.available_hours_per_week,
        "used_hours_per_week": e.used_hours_per_week,
        "procedures_last_year": e.procedures_last_year,
    }


def beds_row(b: BedGroup, region: str) -> dict[str, Any]:
    return {
        "region_code": region,
        "facility_code": b.facility.code,
        "profile": b.profile,
        "beds": b.beds,
        "located_in_facility_code": b.located_in.code if b.located_in else None,
        "occupancy_rate": b.occupancy_rate,
    }


def compliance_row(c: ComplianceRecord, region: str) -> dict[str, Any]:
    return {
        "region_code": region,
        "facility_code": c.facility.code,
        "standard_code": c.standard.code,
        "status": c.status,
        "evidence": c.evidence or None,
        "assessed_on": c.assessed_on,
    }


ROW_BUILDERS: dict[str, Any] = {
    "facilities": facility_row,
    "staff": staff_row,
    "equipment": equipment_row,
    "beds": beds_row,
    "compliance": compliance_row,
}


def passport_rows(passport: Passport) -> dict[str, list[dict[str, Any]]]:
    """The passport as the workbook's sheets: one dict per row, keyed by the contract's column names."""

    region = passport.region.code
    rows: dict[str, list[dict[str, Any]]] = {
        "region": [
            {
                "region_code": region,
                "period": passport.period,
                "population": passport.population,
                "cancer_incidence": passport.cancer_incidence,
                "dispensary_facility_code": passport.dispensary.code if passport.dispensary else None,
            }
        ]
    }
    for section, build in ROW_BUILDERS.items():
        rows[section] = [build(row, region) for row in section_rows(passport, section)]
    return rows


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    return escape_cell(value)


def workbook_bytes(rows_by_sheet: dict[str, list[dict[str, Any]]]) -> bytes:
    """An XLSX workbook (streamed, so large passports stay small in memory)."""
    workbook = Workbook(write_only=True)
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.name)
        worksheet.append(sheet.column_names)
        for row in rows_by_sheet.get(sheet.name, []):
            worksheet.append([_xlsx_value(row.get(name)) for name in sheet.column_names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(escape_cell(value))


def csv_zip_bytes(rows_by_sheet: dict[str, list[dict[str, Any]]]) -> bytes:
    """A zip with one UTF-8 CSV file per sheet, as the importer reads it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in SHEETS:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(sheet.column_names)
            for row in rows_by_sheet.get(sheet.name, []):
                writer.writerow([_csv_value(row.get(name)) for name in sheet.column_names])
            archive.writestr(f"{sheet.name}.csv", text.getvalue())
    return buffer.getvalue()


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def passport_json(passport: Passport) -> dict[str, Any]:
    rows = passport_rows(passport)
    return {
        "format": f"onconet-passport/{TEMPLATE_VERSION}",
        "region": passport.region.code,
        "period": passport.period,
        "status": passport.status,
        "sheets": {
            name: [{k: _json_value(v) for k, v in row.items()} for row in sheet_rows]
            for name, sheet_rows in rows.items()
        },
    }


def template_bytes() -> bytes:
    """The empty workbook: the six sheets with their headers, a note on every column and drop-down lists."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFE8F1F3")
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.name)
        for index, column in enumerate(sheet.columns, start=1):
            cell = worksheet.cell(row=1, column=index, value=column.name)
            cell.font = bold
            if column.required:
                cell.fill = required_fill
            note = ("required. " if column.required else "optional. ") + column.help
            if column.choices:
                note += " One of: " + ", ".join(column.choices)
            cell.comment = Comment(note.strip(), "OncoNet")
            letter = get_column_letter(index)
            worksheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
            if column.choices:
                validation = DataValidation(
                    type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
                )
                validation.add(f"{letter}2:{letter}5000")
                worksheet.add_data_validation(validation)
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
