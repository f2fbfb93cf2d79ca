"""Hostile workbooks for tests, small on disk and built in a moment: a zip bomb, a million-row XLSX, XML with
entities. Each is built once per test run (they are immutable bytes)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STAFF_HEADER = ("region_code", "facility_code", "staff_id", "specialty", "birth_year", "fte", "sex", "hired_year")
STAFF_ROW = ("RU-KLU", "DISP", "S1", "radiologist", "1963", "1", "male", "1990")


def _text_cell(value: str) -> str:
    return f'<c t="inlineStr"><is><t>{value}</t></is></c>'


def _row(values: tuple[str, ...]) -> str:
    return "<row>" + "".join(_text_cell(v) for v in values) + "</row>"


def xlsx(rows: Callable[[], Iterator[str]], *, sheet: str = "staff", prolog: str = "", dimension: str = "") -> bytes:
    """A minimal XLSX of one sheet whose <sheetData> is the streamed `rows`, written straight with zipfile
    (openpyxl would take minutes for a million rows); `prolog` goes before the worksheet's root element, and
    `dimension` (e.g. "A1:H2") is the sheet's declared size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            declared = f'<dimension ref="{dimension}"/>' if dimension else ""
            head = f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{declared}<sheetData>'
            part.write(head.encode())
            chunk: list[str] = []
            for row in rows():
                chunk.append(row)
                if len(chunk) == 10_000:
                    part.write("".join(chunk).encode())
                    chunk = []
            part.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return buffer.getvalue()


@cache
def million_row_xlsx() -> bytes:
    """The reported file: a staff sheet of a million identical rows (about 200 MB of XML, 0.4 MB on disk)."""

    def rows() -> Iterator[str]:
        yield _row(STAFF_HEADER)
        row = _row(STAFF_ROW)
        for _ in range(1_000_000):
            yield row

    return xlsx(rows)


@cache
def million_short_rows_xlsx() -> bytes:
    """A million one-cell rows: small enough unpacked (26 MB) that only the row limit stops it."""

    def rows() -> Iterator[str]:
        yield _row(STAFF_HEADER)
        for _ in range(1_000_000):
            yield "<row><c><v>1</v></c></row>"

    return xlsx(rows)


def entity_xlsx(prolog: str, cell: str) -> bytes:
    """A staff sheet whose one data row's first cell is `cell` (raw XML text), after `prolog`. The sheet declares
    its size, so openpyxl meets the cell only while it yields rows (where an error used to escape as a 500)."""

    def rows() -> Iterator[str]:
        yield _row(STAFF_HEADER)
        yield "<row>" + _text_cell(cell) + "".join(_text_cell(v) for v in STAFF_ROW[1:]) + "</row>"

    return xlsx(rows, prolog=prolog, dimension="A1:H2")


BILLION_LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


@cache
def zip_bomb() -> bytes:
    """The reported file: a 0.2 MB zip whose staff.csv unpacks to 200 MB."""
    buffer = io.BytesIO()
    line = (",".join(STAFF_ROW) + "\n").encode()
    block = line * (1024 * 1024 // len(line))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("region.csv", "region_code,period,population\nRU-KLU,2025,1000000\n")
        with archive.open("staff.csv", "w") as part:
            part.write((",".join(STAFF_HEADER) + "\n").encode())
            for _ in range(200):
                part.write(block)
    return buffer.getvalue()


@cache
def many_entries_zip(entries: int = 100_000, *, declared: int | None = None) -> bytes:
    """A zip whose central directory lists `entries` empty files, all pointing at one local header (4.7 MB for
    100 000): zipfile would build an object for each. `declared` is the count its end record claims (a liar's)."""
    import struct

    name = b"a.csv"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
    entry = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0)
    directory = (entry + name) * entries
    count = min(entries if declared is None else declared, 0xFFFE)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(local), 0)
    return local + directory + end


@contextmanager
def peak_memory() -> Iterator[dict[str, Any]]:
    """Measure the peak of Python allocations inside the block: `{"peak": bytes}` once it ends."""
    measured: dict[str, Any] = {}
    tracemalloc.start()
    try:
        yield measured
    finally:
        measured["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


MB = 1024 * 1024
