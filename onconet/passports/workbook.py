"""Reading a passport workbook — XLSX, a zip of CSV files, or a folder of them — into raw rows.

Only the file's *shape* is checked here (is it a workbook, which sheets, which columns); values are
checked by the importer. Every problem carries sheet, row (as the spreadsheet numbers it), column,
value and message.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from onconet.passports.sheets import SHEETS_BY_NAME, Sheet


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str
    value: Any
    message: str

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, date | datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": value, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.sheet}" + (f", row {self.row}" if self.row is not None else "")
        where += f", column {self.column}" if self.column else ""
        shown = "" if self.value in (None, "") else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown}"


@dataclass
class RawSheet:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def max_import_bytes() -> int:
    return int(settings.PASSPORT_IMPORT_MAX_MB) * 1024 * 1024


def read_workbook(data: bytes, filename: str = "workbook.xlsx") -> RawWorkbook:
    """Read an uploaded file: XLSX, or a zip of CSV files named after the sheets."""
    book = RawWorkbook()
    limit = max_import_bytes()
    if not data:
        book.problems.append(Problem("", None, "", filename, "The file is empty."))
        return book
    if len(data) > limit:
        book.problems.append(
            Problem(
                "",
                None,
                "",
                filename,
                f"The file is {len(data) / 1024 / 1024:.1f} MiB; the limit is {settings.PASSPORT_IMPORT_MAX_MB} MiB.",
            )
        )
        return book
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if filename.lower().endswith(".csv"):
            message = "A single CSV file is not a passport: send a zip of CSV files named after the sheets."
        else:
            message = "This is not an XLSX workbook or a zip of CSV files."
        book.problems.append(Problem("", None, "", filename, message))
        return book
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if "[Content_Types].xml" in names:
            _read_xlsx(data, book)
        else:
            csv_files = {Path(name).name: name for name in names if name.lower().endswith(".csv")}
            if not csv_files:
                book.problems.append(
                    Problem("", None, "", filename, "The zip holds no CSV files (expected region.csv, staff.csv, …).")
                )
                return book
            for short, full in sorted(csv_files.items()):
                _read_csv(Path(short).stem, archive.read(full), book)
    _check_sheets(book)
    return book


def read_path(path: Path) -> RawWorkbook:
    """Read a file or a folder of CSV files from disk (the command line)."""
    if path.is_dir():
        book = RawWorkbook()
        files = sorted(path.glob("*.csv"))
        if not files:
            book.problems.append(Problem("", None, "", str(path), "The folder holds no CSV files."))
            return book
        for file in files:
            _read_csv(file.stem, file.read_bytes(), book)
        _check_sheets(book)
        return book
    return read_workbook(path.read_bytes(), path.name)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


def _add_sheet(book: RawWorkbook, name: str, header: list[Any], rows: Iterable[tuple[int, list[Any]]]) -> None:
    clean_name = name.strip().lower()
    header_names = [str(h).strip() if h is not None else "" for h in header]
    while header_names and header_names[-1] == "":
        header_names.pop()
    sheet = RawSheet(clean_name, header_names)
    for number, cells in rows:
        values = [_cell(v) for v in cells]
        if all(v is None for v in values):
            continue
        extra = values[len(header_names) :]
        if any(v is not None for v in extra):
            book.problems.append(Problem(clean_name, number, "", None, "The row has more cells than the header."))
        sheet.rows.append((number, dict(zip(header_names, values, strict=False))))
    if clean_name in book.sheets:
        book.problems.append(Problem(clean_name, None, "", None, "The sheet appears twice."))
    book.sheets[clean_name] = sheet


def _read_xlsx(data: bytes, book: RawWorkbook) -> None:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        book.problems.append(Problem("", None, "", None, f"The workbook cannot be read: {type(exc).__name__}."))
        return
    try:
        for worksheet in workbook.worksheets:
            rows = worksheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                _add_sheet(book, worksheet.title, [], [])
                continue
            _add_sheet(book, worksheet.title, list(header), ((n, list(r)) for n, r in enumerate(rows, start=2)))
    finally:
        workbook.close()


def _read_csv(name: str, raw: bytes, book: RawWorkbook) -> None:
    sheet_name = name.strip().lower()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        book.problems.append(
            Problem(
                sheet_name,
                None,
                "",
                None,
                f"The file is not UTF-8 encoded (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
                "save it as 'CSV UTF-8'.",
            )
        )
        return
    first_line = text.split("\n", 1)[0]
    for delimiter, label in ((";", "semicolons"), ("\t", "tabs")):
        if delimiter in first_line and "," not in first_line:
            book.problems.append(Problem(sheet_name, 1, "", None, f"The columns are separated by {label}; use commas."))
            return
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        book.problems.append(Problem(sheet_name, None, "", None, "The file contains a NUL character; it is not text."))
        return
    reader = csv.reader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        lines = list(reader)
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        book.problems.append(Problem(sheet_name, reader.line_num, "", None, f"The file cannot be read as CSV: {exc}."))
        return
    header = lines[0] if lines else []
    _add_sheet(book, sheet_name, list(header), enumerate(lines[1:], start=2))


def _check_sheets(book: RawWorkbook) -> None:
    for name, sheet in list(book.sheets.items()):
        spec: Sheet | None = SHEETS_BY_NAME.get(name)
        if spec is None:
            book.problems.append(Problem(name, None, "", None, f"Unknown sheet; expected {', '.join(SHEETS_BY_NAME)}."))
            del book.sheets[name]
            continue
        expected = spec.column_names
        seen: set[str] = set()
        for column in sheet.header:
            if column in seen:
                book.problems.append(Problem(name, 1, column, None, "The column appears twice."))
            seen.add(column)
            if column not in expected:
                book.problems.append(
                    Problem(name, 1, column, None, f"Unknown column; the columns of {name} are {', '.join(expected)}.")
                )
        for spec_column in spec.columns:
            if spec_column.required and spec_column.name not in seen:
                book.problems.append(Problem(name, 1, spec_column.name, None, "A required column is missing."))
    if "region" not in book.sheets and not any(p.sheet == "region" for p in book.problems):
        book.problems.append(Problem("region", None, "", None, "The region sheet is missing."))
