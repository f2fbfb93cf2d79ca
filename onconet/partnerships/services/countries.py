"""Country indicators imported from a CSV with a source on every row: all rows or none."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import FieldProblem, InvalidInput, raise_problems
from onconet.core.models import Country, User
from onconet.core.scoping import require_permission
from onconet.partnerships.models import CountryIndicator

MAX_INDICATOR = Decimal(10) ** 12  # CountryIndicator.value: 16 digits, 4 of them decimals
CSV_COLUMNS = ("country", "indicator", "year", "value", "unit", "source", "source_url")
REQUIRED_COLUMNS = ("country", "indicator", "year", "value", "source")


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[dict[str, str]]:
    """The reader's rows (its line_num stays right); what the csv module cannot read is InvalidInput."""
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise _unreadable(exc, reader.line_num) from exc


def _unreadable(exc: csv.Error, line: int) -> InvalidInput:
    return InvalidInput(
        "The file cannot be read as CSV.", errors=[FieldProblem(str(exc), "file", location={"line": line})]
    )


def country_indicators_import(*, user: User, data: bytes) -> int:
    """Country indicators from a CSV with a source on every row: all rows or none; every problem with its line."""
    require_permission(user, "partnerships.add_countryindicator", action="import country indicators")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", errors=[FieldProblem("not UTF-8", "file")]) from None
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput("The file is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise _unreadable(exc, reader.line_num) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"The CSV lacks the columns {', '.join(missing)}.",
            errors=[FieldProblem(f"missing column {c}", c, location={"line": 1}) for c in missing],
        )
    countries = {c.code: c for c in Country.objects.all()}
    problems: list[FieldProblem] = []
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for raw in _csv_rows(reader):
        number = reader.line_num  # the physical line the row ends on (a quoted field may span lines)
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        where = {"line": number}
        line_problems: list[FieldProblem] = []
        code = row.get("country", "").upper()
        if code not in countries:
            line_problems.append(
                FieldProblem(f'unknown country code "{row.get("country", "")}"', "country", location=where)
            )
        indicator = row.get("indicator", "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", indicator):
            line_problems.append(
                FieldProblem(
                    f'"{indicator}" is not an indicator code (letters, digits, _ and -, at most 60)',
                    "indicator",
                    location=where,
                )
            )
        year_text = row.get("year", "")
        year = int(year_text) if re.fullmatch(r"[0-9]{4}", year_text) and 1900 <= int(year_text) <= 2100 else None
        if year is None:
            line_problems.append(FieldProblem(f'"{year_text}" is not a year', "year", location=where))
        value: Decimal | None = None
        try:
            value = Decimal(row.get("value", "").replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            line_problems.append(FieldProblem(f'"{row.get("value", "")}" is not a number', "value", location=where))
            value = None
        if value is not None and (abs(value) >= MAX_INDICATOR or value != value.quantize(Decimal("0.0001"))):
            line_problems.append(
                FieldProblem(
                    f"{value} does not fit: at most 12 digits before the point and 4 after", "value", location=where
                )
            )
        if not row.get("source"):
            line_problems.append(FieldProblem("every value needs its source", "source", location=where))
        for column, longest in (("unit", 60), ("source", 500), ("source_url", 200)):
            if len(row.get(column, "")) > longest:
                line_problems.append(
                    FieldProblem(f"{column} is longer than {longest} characters", column, location=where)
                )
        key = (code, indicator, year or 0)
        if not line_problems and key in rows:
            line_problems.append(
                FieldProblem(
                    f"{code} {indicator} {year} is given twice (line {rows[key]['line']})", "year", location=where
                )
            )
        problems += line_problems
        if not line_problems:
            rows[key] = {**row, "line": number, "year": year, "value": value, "country": countries[code]}
    if not rows and not problems:
        problems.append(FieldProblem("the file has no rows", "file"))
    raise_problems(problems, "Nothing was imported: the CSV has problems.")
    with transaction.atomic():
        for (_code, indicator, year), row in rows.items():
            CountryIndicator.objects.update_or_create(
                country=row["country"],
                indicator=indicator,
                year=year,
                defaults={
                    "value": row["value"],
                    "unit": row.get("unit", ""),
                    "source": row["source"],
                    "source_url": row.get("source_url", ""),
                    "imported_at": timezone.now(),
                },
            )
        audit_record(actor=user, action=AuditAction.CREATE, obj=None, message=f"country indicators: {len(rows)} rows")
    return len(rows)
