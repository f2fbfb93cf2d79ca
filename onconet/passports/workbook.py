"""Reading a passport workbook — XLSX, a zip of CSV files, or a folder of them — into raw rows.

Only the file's *shape* is checked here (is it a workbook, which sheets, which columns); values are
checked by the importer. Every problem carries sheet, row (as the spreadsheet numbers it), column,
value and message.

The file may be hostile. It is read from a file (an upload Django spooled to disk), never copied into memory
whole; its zip directory is checked before anything is unpacked (PASSPORT_IMPORT_MAX_UNPACKED_MB, _MAX_FILES) and
each file is unpacked in bounded chunks; sheets are read row by row up to PASSPORT_IMPORT_MAX_ROWS rows and
PASSPORT_IMPORT_MAX_CELLS cells in all; XML with a document type declaration is refused (defusedxml), and every
zip or XML error becomes a problem. A workbook that hits one of these limits is refused whole (`RawWorkbook.fatal`).
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from onconet.core.uploads import (
    READ_CHUNK_BYTES,
    BoundedReader,
    UnpackedTooLarge,
    XmlCounter,
    XmlTooLarge,
    archive_directory_problem,
    archive_size_problem,
    looks_like_xml,
    scan_xml,
)
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
        return f"{where}: {self.message}{shown}" if where else f"{self.message}{shown}"


@dataclass
class RawSheet:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False  # the file was refused before it was read whole: its values are not checked


def max_import_bytes() -> int:
    return int(settings.PASSPORT_IMPORT_MAX_MB) * 1024 * 1024


class WorkbookRefused(Exception):
    """The file cannot be read further (a limit, a damaged archive, forbidden XML); carries the problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class _Budget:
    """The cells left for the whole workbook."""

    cells: int


Source = bytes | IO[bytes] | Path


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    elif isinstance(source, Path):
        with source.open("rb") as handle:
            yield handle
    else:
        source.seek(0)
        yield source


def read_workbook(source: Source, filename: str = "workbook.xlsx") -> RawWorkbook:
    """Read an uploaded file (bytes, a seekable binary file or a path): XLSX, or a zip of CSV files named after the
    sheets."""
    book = RawWorkbook()
    limit = max_import_bytes()
    with _opened(source) as stream:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        if not size:
            book.problems.append(Problem("", None, "", filename, "The file is empty."))
            return book
        if size > limit:
            book.problems.append(
                Problem(
                    "",
                    None,
                    "",
                    filename,
                    f"The file is {size / 1024 / 1024:.1f} MiB; the limit is {settings.PASSPORT_IMPORT_MAX_MB} MiB.",
                )
            )
            book.fatal = True
            return book
        if not zipfile.is_zipfile(stream):
            if filename.lower().endswith(".csv"):
                message = "A single CSV file is not a passport: send a zip of CSV files named after the sheets."
            else:
                message = "This is not an XLSX workbook or a zip of CSV files."
            book.problems.append(Problem("", None, "", filename, message))
            return book
        stream.seek(0)
        try:
            _read_archive(stream, filename, book)
        except WorkbookRefused as exc:
            book.problems.append(exc.problem)
            book.fatal = True
            return book
    _check_sheets(book)
    return book


def _rows_message(limit: int) -> str:
    return _("The sheet has more than %(limit)s rows; the limit is %(limit)s.") % {"limit": limit}


def _cells_message(limit: int) -> str:
    return _("The workbook has more than %(limit)s cells; the limit is %(limit)s.") % {"limit": limit}


def _zip_problem(filename: str, exc: Exception) -> Problem:
    """A damaged or hostile archive or XML part, as the problem a person reads."""

    if isinstance(exc, DefusedXmlException):
        message = _("The workbook's XML declares a document type or entities, which are refused.")
    elif isinstance(exc, ParseError):
        message = _("The workbook's XML is damaged: %(error)s.") % {"error": exc}
    elif isinstance(exc, UnpackedTooLarge):
        message = str(exc)
    elif isinstance(exc, RuntimeError | NotImplementedError):  # encrypted member, unknown compression method
        message = _("The zip archive cannot be unpacked: %(error)s.") % {"error": exc}
    else:
        message = _("The zip archive is damaged: %(error)s.") % {"error": f"{type(exc).__name__}: {exc}"}
    return Problem("", None, "", filename, message)


ARCHIVE_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ParseError,
    UnpackedTooLarge,
    RuntimeError,
    NotImplementedError,
)


def _read_archive(stream: IO[bytes], filename: str, book: RawWorkbook) -> None:

    max_unpacked = int(settings.PASSPORT_IMPORT_MAX_UNPACKED_MB) * 1024 * 1024
    budget = _Budget(cells=int(settings.PASSPORT_IMPORT_MAX_CELLS))
    try:
        problem = archive_directory_problem(stream, max_members=int(settings.PASSPORT_IMPORT_MAX_FILES))
        if problem:
            raise WorkbookRefused(Problem("", None, "", filename, problem))
        with zipfile.ZipFile(stream) as archive:
            problem = archive_size_problem(
                archive, max_unpacked=max_unpacked, max_members=int(settings.PASSPORT_IMPORT_MAX_FILES)
            )
            if problem:
                raise WorkbookRefused(Problem("", None, "", filename, problem))
            names = archive.namelist()
            if "[Content_Types].xml" in names:
                _scan_xlsx(archive, filename)
                _read_xlsx(stream, filename, book, budget)
                return
            csv_files = {Path(name).name: name for name in names if name.lower().endswith(".csv")}
            if not csv_files:
                book.problems.append(
                    Problem("", None, "", filename, "The zip holds no CSV files (expected region.csv, staff.csv, …).")
                )
                return
            for short, full in sorted(csv_files.items()):
                info = archive.getinfo(full)
                with archive.open(info) as member:
                    bounded = io.BufferedReader(BoundedReader(member, info.file_size))
                    _read_csv(Path(short).stem, bounded, book, budget)
    except WorkbookRefused:
        raise
    except (*ARCHIVE_ERRORS, DefusedXmlException) as exc:
        raise WorkbookRefused(_zip_problem(filename, exc)) from exc


def _scan_xlsx(archive: zipfile.ZipFile, filename: str) -> None:
    """Before openpyxl sees it, every XML part of the workbook is parsed as it unpacks, in bounded chunks, building
    nothing: no document type declaration (hence no entity), at most PASSPORT_IMPORT_MAX_ROWS rows after the header
    in a sheet and PASSPORT_IMPORT_MAX_CELLS cells in all. (openpyxl itself reads a sheet without a <dimension>
    element to its end before yielding a row: a million rows take it a minute.)"""

    max_rows = int(settings.PASSPORT_IMPORT_MAX_ROWS)
    cells_left = int(settings.PASSPORT_IMPORT_MAX_CELLS)
    sheets: dict[str, str] | None = None
    for info in archive.infolist():
        with archive.open(info) as member:
            bounded = BoundedReader(member, info.file_size)
            head = bounded.read(READ_CHUNK_BYTES) or b""
            if not looks_like_xml(head):
                continue
            counter = XmlCounter({"row": max_rows + 1, "c": cells_left})
            chunks = itertools.chain([head], iter(functools.partial(bounded.read, READ_CHUNK_BYTES), b""))
            try:
                scan_xml(chunks, counter)
            except (ParseError, DefusedXmlException) as exc:
                sheets = _sheet_parts(archive) if sheets is None else sheets
                sheet = sheets.get(info.filename)
                message = _zip_problem(filename, exc).message
                if sheet is None:
                    message = _("%(problem)s (in %(part)s).") % {"problem": message.rstrip("."), "part": info.filename}
                raise WorkbookRefused(Problem(sheet or "", None, "", filename, message)) from exc
            except XmlTooLarge as exc:
                sheets = _sheet_parts(archive) if sheets is None else sheets
                sheet = sheets.get(info.filename, info.filename)
                if exc.local_name == "row":
                    message = _rows_message(max_rows)
                    raise WorkbookRefused(Problem(sheet, max_rows + 2, "", None, message)) from exc
                limit = int(settings.PASSPORT_IMPORT_MAX_CELLS)
                message = _cells_message(limit)
                raise WorkbookRefused(Problem(sheet, None, "", None, message)) from exc
            cells_left -= counter.counts["c"]


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet titles by the part that holds them (for naming the sheet in a problem), as far as they can be found."""

    try:
        workbook = fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
        relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except Exception:  # only for a nicer message: the problem is named by its part instead
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relations}
    parts: dict[str, str] = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet"):
            rid = next((value for key, value in element.attrib.items() if key.endswith("}id")), None)
            target = targets.get(rid, "")
            if target:
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                parts[part] = element.get("name", "").strip().lower()
    return parts


def read_path(path: Path) -> RawWorkbook:
    """Read a file or a folder of CSV files from disk (the command line)."""
    if path.is_dir():
        book = RawWorkbook()
        files = sorted(path.glob("*.csv"))
        if not files:
            book.problems.append(Problem("", None, "", str(path), "The folder holds no CSV files."))
            return book
        budget = _Budget(cells=int(settings.PASSPORT_IMPORT_MAX_CELLS))
        try:
            for file in files:
                with file.open("rb") as handle:
                    _read_csv(file.stem, handle, book, budget)
        except WorkbookRefused as exc:
            book.problems.append(exc.problem)
            book.fatal = True
            return book
        _check_sheets(book)
        return book
    return read_workbook(path, path.name)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


def _add_sheet(
    book: RawWorkbook, name: str, header: list[Any], rows: Iterable[tuple[int, list[Any]]], budget: _Budget
) -> None:
    """Add a sheet, reading its rows one by one: past the row or the cell limit the workbook is refused."""
    clean_name = name.strip().lower()
    header_names = [str(h).strip() if h is not None else "" for h in header]
    while header_names and header_names[-1] == "":
        header_names.pop()
    max_rows = int(settings.PASSPORT_IMPORT_MAX_ROWS)
    budget.cells -= len(header)
    sheet = RawSheet(clean_name, header_names)
    for number, cells in rows:
        budget.cells -= len(cells)
        if number - 1 > max_rows:
            raise WorkbookRefused(Problem(clean_name, number, "", None, _rows_message(max_rows)))
        if budget.cells < 0:
            limit = int(settings.PASSPORT_IMPORT_MAX_CELLS)
            raise WorkbookRefused(Problem(clean_name, number, "", None, _cells_message(limit)))
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


def _read_xlsx(stream: IO[bytes], filename: str, book: RawWorkbook, budget: _Budget) -> None:
    """Read the sheets with openpyxl in read-only mode (streaming, through defusedxml); a damaged part is a problem."""

    if not openpyxl.DEFUSEDXML:  # defusedxml is a declared dependency; OPENPYXL_DEFUSEDXML=False turns it off
        raise ImproperlyConfigured("openpyxl must parse workbooks through defusedxml")
    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
    except (*ARCHIVE_ERRORS, DefusedXmlException) as exc:
        raise WorkbookRefused(_zip_problem(filename, exc)) from exc
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        cause = exc.__cause__
        if isinstance(cause, Exception) and isinstance(cause, (*ARCHIVE_ERRORS, DefusedXmlException)):  # wrapped
            raise WorkbookRefused(_zip_problem(filename, cause)) from exc
        book.problems.append(Problem("", None, "", None, f"The workbook cannot be read: {type(exc).__name__}."))
        return
    title = ""
    try:
        for worksheet in workbook.worksheets:
            title = worksheet.title
            if hasattr(worksheet, "reset_dimensions"):  # a declared size is not trusted: rows are as long as given
                worksheet.reset_dimensions()
            rows = worksheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                _add_sheet(book, worksheet.title, [], [], budget)
                continue
            _add_sheet(book, worksheet.title, list(header), ((n, list(r)) for n, r in enumerate(rows, start=2)), budget)
    except WorkbookRefused:
        raise
    except (*ARCHIVE_ERRORS, DefusedXmlException) as exc:
        problem = _zip_problem(filename, exc)
        raise WorkbookRefused(Problem(title.strip().lower(), None, "", filename, problem.message)) from exc
    except (ValueError, TypeError, KeyError, IndexError) as exc:  # a cell openpyxl cannot make sense of
        book.problems.append(
            Problem(title.strip().lower(), None, "", None, f"The sheet cannot be read: {type(exc).__name__}: {exc}.")
        )
    finally:
        workbook.close()


def _read_csv(name: str, raw: IO[bytes], book: RawWorkbook, budget: _Budget) -> None:
    """Read one CSV file as it streams in (UTF-8, commas); its rows are kept only if the whole file reads."""
    sheet_name = name.strip().lower()
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)  # \r, \r\n or \n end a line
    lines: list[list[str]] = []
    try:
        header = next(reader, [])
        for label, delimiter in (("semicolons", ";"), ("tabs", "\t")):
            if len(header) == 1 and delimiter in header[0]:
                book.problems.append(
                    Problem(sheet_name, 1, "", None, f"The columns are separated by {label}; use commas.")
                )
                return
        nul = any("\x00" in cell for cell in header)
        for cells in reader:
            nul = nul or any("\x00" in cell for cell in cells)
            lines.append(cells)
            if len(lines) > int(settings.PASSPORT_IMPORT_MAX_ROWS):
                break  # _add_sheet refuses it, naming the row
    except UnicodeDecodeError as exc:
        book.problems.append(
            Problem(
                sheet_name,
                None,
                "",
                None,
                _("The file is not UTF-8 encoded (byte 0x%(byte)02x near line %(line)s); save it as 'CSV UTF-8'.")
                % {"byte": exc.object[exc.start], "line": reader.line_num + 1},
            )
        )
        return
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        book.problems.append(Problem(sheet_name, reader.line_num, "", None, f"The file cannot be read as CSV: {exc}."))
        return
    finally:
        text.detach()  # the caller closes the stream
    if nul:  # no database text column stores one (PostgreSQL refuses it outright)
        book.problems.append(Problem(sheet_name, None, "", None, "The file contains a NUL character; it is not text."))
        return
    _add_sheet(book, sheet_name, list(header), enumerate(lines, start=2), budget)


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
