"""Checking a passport workbook's values: types, ranges, codes, keys and references, all at once.

`validate` turns raw rows into typed rows and lists *every* problem; nothing is written here. The write
(`services.passport_import`) runs only when the list is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from onconet.core.models import Facility, FacilityKind, Region
from onconet.core.spreadsheets import FORMULA_PREFIXES
from onconet.passports.models import Standard
from onconet.passports.sheets import FACILITIES, SHEETS, Column, Sheet
from onconet.passports.workbook import Problem, RawWorkbook

Row = dict[str, Any]
SHEET_INDEX = {sheet.name: index for index, sheet in enumerate(SHEETS)}


@dataclass
class CheckContext:
    """What row checks need to know beyond the row: the year, the facilities, the standards."""

    period: int
    facility_kinds: dict[str, str]
    standards: set[str]

    @classmethod
    def for_region(cls, region: Region | None, period: int) -> CheckContext:
        kinds: dict[str, str] = {}
        if region is not None:
            kinds = {
                code.upper(): kind for code, kind in Facility.objects.filter(region=region).values_list("code", "kind")
            }
        standards = {code.upper() for code in Standard.objects.filter(is_active=True).values_list("code", flat=True)}
        return cls(period=period, facility_kinds=kinds, standards=standards)


def check_row(sheet_name: str, row: Row, context: CheckContext) -> list[Problem]:
    """The checks of one typed row that involve the period, other records or other columns of the row."""
    problems: list[Problem] = []
    number = row.get("_row")
    period = context.period

    def problem(column: str, message: str) -> None:
        problems.append(Problem(sheet_name, number, column, row.get(column), message))

    def reference(column: str) -> None:
        code = row.get(column)
        if code is not None and code not in context.facility_kinds:
            problem(column, "unknown facility: not in the facilities sheet nor on record for the region")

    if sheet_name != "facilities":
        reference("facility_code")
    if sheet_name == "facilities":
        for column in ("parent_facility_code", "located_in_facility_code"):
            reference(column)
            if row.get(column) is not None and row.get(column) == row["facility_code"]:
                problem(column, "a facility cannot point to itself")
        if (row.get("latitude") is None) != (row.get("longitude") is None):
            problem("latitude", "give both latitude and longitude, or neither")
        if row.get("opened_year") is not None and row["opened_year"] > period:
            problem("opened_year", f"must be ≤ {period}")
    elif sheet_name == "staff":
        low, high = period - 90, period - 18
        if not low <= row["birth_year"] <= high:
            problem("birth_year", f"must be between {low} and {high}")
        if row["fte"] <= 0:
            problem("fte", "must be greater than 0")
        hired = row.get("hired_year")
        if hired is not None and hired > period:
            problem("hired_year", f"must be ≤ {period}")
        elif hired is not None and hired < row["birth_year"] + 16:
            problem("hired_year", "is before the person turned 16")
    elif sheet_name == "equipment":
        if row["year_installed"] > period:
            problem("year_installed", f"must be ≤ {period}")
        available, used = row.get("available_hours_per_week"), row.get("used_hours_per_week")
        if used is not None and available is None:
            problem("available_hours_per_week", "is required when used_hours_per_week is given")
        elif used is not None and available is not None and used > available:
            problem("used_hours_per_week", f"must be ≤ available_hours_per_week ({available})")
    elif sheet_name == "beds":
        reference("located_in_facility_code")
        if row.get("located_in_facility_code") is not None and row["located_in_facility_code"] == row["facility_code"]:
            problem("located_in_facility_code", "leave empty for beds in the facility's own building")
    elif sheet_name == "compliance":
        if row["standard_code"] not in context.standards:
            problem("standard_code", "unknown standard: not in the catalogue")
        if row.get("assessed_on") is not None and row["assessed_on"].year > period + 1:
            problem("assessed_on", f"must not be later than {period + 1}")
    return problems


def typed_row(sheet: Sheet, raw: dict[str, Any], context: CheckContext) -> tuple[Row | None, list[Problem]]:
    """Check one row entered in the browser with the same rules as an imported row."""
    problems: list[Problem] = []
    rows = _typed_rows(sheet, [(None, raw)], problems)  # type: ignore[list-item]
    if problems:
        return None, problems
    problems = check_row(sheet.name, rows[0], context)
    return (None, problems) if problems else (rows[0], [])


@dataclass
class ParsedPassport:
    """A workbook's values, typed and checked. Each row keeps its spreadsheet row number under "_row"."""

    region: Region
    period: int
    population: int
    cancer_incidence: int | None
    dispensary_code: str | None
    rows: dict[str, list[Row]] = field(default_factory=dict)


def _convert(column: Column, value: Any) -> tuple[Any, str | None]:
    """(typed value, None) or (None, message)."""
    if column.type in ("code", "text"):
        text = value.isoformat() if isinstance(value, date) else str(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        text = text.strip()
        if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
            text = text[1:].strip()  # our exports escape formula-like text so; take it back as it was
        if column.type == "code":
            text = text.upper()
        if len(text) > column.max_length:
            return None, f"must be at most {column.max_length} characters"
        return text, None
    if column.type == "choice":
        text = str(value).strip()
        for choice in column.choices:
            if choice.lower() == text.lower():
                return choice, None
        return None, f"must be one of {', '.join(column.choices)}"
    if column.type == "date":
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
        try:
            return date.fromisoformat(str(value).strip()), None
        except ValueError:
            return None, "must be an ISO date such as 2025-03-31"
    if column.type == "int":
        number: Any
        if isinstance(value, bool):
            return None, "must be a whole number"
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            text = str(value).strip()
            if not (text.isdigit() or (text.startswith("-") and text[1:].isdigit())):
                return None, "must be a whole number"
            try:
                number = int(text)
            except ValueError:  # "²" is a digit to isdigit(), and int() converts at most 4300 digits
                return None, "must be a whole number"
    else:  # decimal
        if isinstance(value, bool):
            return None, "must be a number"
        try:
            number = Decimal(str(value).strip()) if not isinstance(value, int | float) else Decimal(str(value))
        except InvalidOperation:
            return None, "must be a number (with a dot as the decimal separator)"
        if not number.is_finite():
            return None, "must be a number"
    if column.minimum is not None and number < column.minimum:
        return None, f"must be at least {column.minimum:g}"
    if column.maximum is not None and number > column.maximum:
        return None, f"must be at most {column.maximum:g}"
    if column.places is not None and number.as_tuple().exponent < -column.places:
        # round as the database would store it, so that the checks see the stored value (fte 0.004 is 0.00)
        number = number.quantize(Decimal(1).scaleb(-column.places), rounding=ROUND_HALF_UP)
    return number, None


def _typed_rows(sheet: Sheet, raw_rows: Iterable[tuple[int, dict[str, Any]]], problems: list[Problem]) -> list[Row]:
    typed: list[Row] = []
    for number, raw in raw_rows:
        row: Row = {"_row": number}
        ok = True
        for column in sheet.columns:
            value = raw.get(column.name)
            if value is None:
                if column.required:
                    problems.append(Problem(sheet.name, number, column.name, None, "is required"))
                    ok = False
                row[column.name] = None
                continue
            converted, message = _convert(column, value)
            if message:
                problems.append(Problem(sheet.name, number, column.name, value, message))
                ok = False
            row[column.name] = converted
        if ok:
            typed.append(row)
    return typed


def _check_unique(sheet: Sheet, rows: list[Row], problems: list[Problem]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row.get(name) for name in sheet.key)
        if key in seen:
            shown = ", ".join(f"{name}={row.get(name)}" for name in sheet.key if row.get(name) is not None)
            problems.append(
                Problem(
                    sheet.name,
                    row["_row"],
                    sheet.key[0],
                    row.get(sheet.key[0]),
                    f"duplicate key ({shown}): already on row {seen[key]}",
                )
            )
        else:
            seen[key] = row["_row"]


def validate(book: RawWorkbook, *, period: int | None) -> tuple[ParsedPassport | None, list[Problem]]:
    """Type-check and cross-check every value. Returns the parsed passport only when there is no problem.
    `period` None: the year is the region sheet's (the workbook says which year it reports)."""
    problems = list(book.problems)
    if book.fatal:  # refused before it was read whole (a limit, a damaged or hostile file): nothing more to say
        return None, problems
    typed: dict[str, list[Row]] = {}
    for sheet in SHEETS:
        raw = book.sheets.get(sheet.name)
        typed[sheet.name] = _typed_rows(sheet, raw.rows if raw else [], problems)

    region_rows = book.sheets["region"].rows if "region" in book.sheets else []
    if "region" in book.sheets and len(region_rows) != 1:
        problems.append(
            Problem("region", None, "", None, f"The region sheet must have exactly one row; it has {len(region_rows)}.")
        )
    region_row = typed["region"][0] if len(typed["region"]) == 1 and len(region_rows) == 1 else None
    region: Region | None = None
    if region_row is not None:
        number = region_row["_row"]
        region = Region.objects.filter(code__iexact=region_row["region_code"]).first()
        if region is None:
            problems.append(Problem("region", number, "region_code", region_row["region_code"], "unknown region"))
        if period is None:
            period = region_row["period"]
        elif region_row["period"] != period:
            problems.append(
                Problem(
                    "region",
                    number,
                    "period",
                    region_row["period"],
                    f"the import is for {period}; the workbook says {region_row['period']}",
                )
            )
    region_code = region_row["region_code"] if region_row else None
    if period is None:  # no year given, and no region row to read one from
        if "region" in book.sheets:  # a file without the sheet has been told so already; a year would be noise
            problems.append(Problem("region", None, "period", None, "the reporting year: the region sheet gives none"))
        return None, problems

    # every sheet speaks of the region sheet's region
    if region_code:
        for sheet in SHEETS[1:]:
            for row in typed[sheet.name]:
                if row["region_code"] != region_code:
                    problems.append(
                        Problem(
                            sheet.name,
                            row["_row"],
                            "region_code",
                            row["region_code"],
                            f"differs from the region sheet's {region_code}",
                        )
                    )
    for sheet in SHEETS[1:]:
        _check_unique(sheet, typed[sheet.name], problems)

    # facility references: the facilities sheet (every row that names a code, even one with other problems,
    # so that one bad cell does not make every reference to it an error too), or the region's record
    if region is None:
        # No (readable) region row: the other sheets still say which region they speak of, and a facility on its
        # record must not be reported unknown because the region sheet is wrong.
        named = {
            str(row["region_code"]).upper()
            for sheet in SHEETS[1:]
            for row in typed[sheet.name]
            if row.get("region_code")
        }
        if len(named) == 1:
            region = Region.objects.filter(code__iexact=named.pop()).first()
    context = CheckContext.for_region(region, period)
    facility_sheet = book.sheets.get("facilities")
    for _number, cells in facility_sheet.rows if facility_sheet else []:
        if cells.get("facility_code") is not None:
            code, _ = _convert(FACILITIES.column("facility_code"), cells["facility_code"])
            kind, _ = _convert(FACILITIES.column("kind"), cells.get("kind") or "")
            context.facility_kinds[code] = kind or "unknown"
    facilities_unreadable = any(p.sheet == "facilities" and p.row in (None, 1) for p in book.problems)
    for sheet in SHEETS[1:]:
        for row in typed[sheet.name]:
            found = check_row(sheet.name, row, context)
            if facilities_unreadable or region is None:
                # references cannot be checked against a sheet that could not be read, nor against the record of a
                # region the workbook does not name (that problem is reported once, on the region sheet)
                found = [p for p in found if not p.message.startswith("unknown facility")]
            problems.extend(found)
    if region_row and region_row.get("dispensary_facility_code") and not facilities_unreadable:
        code = region_row["dispensary_facility_code"]
        kind = context.facility_kinds.get(code)
        if kind is None:
            problems.append(Problem("region", region_row["_row"], "dispensary_facility_code", code, "unknown facility"))
        elif kind != FacilityKind.DISPENSARY:
            problems.append(
                Problem(
                    "region", region_row["_row"], "dispensary_facility_code", code, f"is a {kind}, not a dispensary"
                )
            )

    problems.sort(key=lambda p: (SHEET_INDEX.get(p.sheet, -1), p.row or 0))
    if problems or region is None or region_row is None:
        return None, problems
    return (
        ParsedPassport(
            region=region,
            period=period,
            population=region_row["population"],
            cancer_incidence=region_row.get("cancer_incidence"),
            dispensary_code=region_row.get("dispensary_facility_code"),
            rows={name: typed[name] for name in ("facilities", "staff", "equipment", "beds", "compliance")},
        ),
        [],
    )
