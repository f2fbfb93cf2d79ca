"""Properties of the domestic courses CSV import (hypothesis):

- a valid generated file, with any of the line endings spreadsheets write, is stored row for row (codes left
  empty get fresh ones); a second import of a file whose rows carry codes is refused and changes nothing;
- random text and random cells never raise anything but InvalidInput, whose problems name the column and the
  line; a refused file changes nothing; whatever is accepted fits the Course table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import string
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from onconet.core.errors import InvalidInput
from onconet.core.models import AuditEntry, User
from onconet.scheduling.models import Course
from onconet.scheduling.services import CSV_COLUMNS, courses_import_csv

pytestmark = pytest.mark.django_db

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CODE_LENGTH = Course._meta.get_field("code").max_length  # type: ignore[union-attr]


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: whatever it writes is undone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def database_state() -> tuple[list[tuple[Any, ...]], int]:
    courses = Course.objects.values_list("code", "facility_id", "protocol_id", "ready_date", "urgency", "origin")
    return sorted(courses), AuditEntry.objects.count()


def csv_bytes(rows: list[list[Any]], *, terminator: str = "\n", bom: bool = False) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator=terminator)
    for row in rows:
        writer.writerow(row)
    return (("\ufeff" if bom else "") + text.getvalue()).encode("utf-8")


def assert_refused_cleanly(exc: InvalidInput, before: tuple[list[tuple[Any, ...]], int]) -> None:
    assert exc.detail
    assert exc.errors, "a refused file says what is wrong"
    for problem in exc.errors:
        assert problem.field in (*CSV_COLUMNS, "file")
        assert problem.message
    assert database_state() == before, "a refused file must change nothing"


CODES = st.text(alphabet=string.ascii_letters + string.digits + "-_/.", min_size=1, max_size=CODE_LENGTH)


@st.composite
def valid_files(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rows a Kaluga reporter may import: Kaluga's proton centre, a protocol it has a machine for."""
    codes = draw(st.lists(CODES, min_size=1, max_size=6, unique=True))
    return [
        {
            "code": code if draw(st.integers(0, 4)) else "",  # now and then left to the importer
            "facility": "KLU-PC",
            "protocol": draw(st.sampled_from(["PROTON-5", "LINAC-3"])),
            "ready_date": draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))),
            "urgency": draw(st.integers(1, 3)),
        }
        for code in codes
    ]


@PROPERTY
@given(
    rows=valid_files(),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    column_order=st.permutations(CSV_COLUMNS),
)
@example(
    rows=[
        {"code": "A-1", "facility": "KLU-PC", "protocol": "PROTON-5", "ready_date": dt.date(2031, 3, 3), "urgency": 1}
    ],
    terminator="\r",  # "CSV (Macintosh)": the csv module refused to split such lines
    bom=False,
    column_order=CSV_COLUMNS,
)
def test_a_valid_file_is_stored_row_for_row_and_not_twice(
    sched: dict[str, Any],
    users: dict[str, User],
    rows: list[dict[str, Any]],
    terminator: str,
    bom: bool,
    column_order: tuple[str, ...],
) -> None:
    with rolled_back():
        data = csv_bytes(
            [list(column_order), *[[row[c] for c in column_order] for row in rows]], terminator=terminator, bom=bom
        )
        created = courses_import_csv(user=users["reporter"], data=data)
        assert len(created) == len(rows)
        stored = {c.pk: c for c in Course.objects.filter(pk__in=[c.pk for c in created]).select_related("protocol")}
        assert len(stored) == len(rows)
        for row, course in zip(rows, created, strict=True):
            course = stored[course.pk]
            assert (course.facility.code, course.protocol.code, course.ready_date, course.urgency) == (
                row["facility"],
                row["protocol"],
                row["ready_date"],
                row["urgency"],
            )
            assert course.origin == "domestic"
            assert course.code == row["code"] or (not row["code"] and course.code.startswith("D-"))
        assert len({c.code for c in created}) == len(created)

        if any(row["code"] for row in rows):
            before = database_state()
            with pytest.raises(InvalidInput) as err:
                courses_import_csv(user=users["reporter"], data=data)
            assert {p.message.split(": ", 1)[1] for p in err.value.errors} == {"already used"}
            assert database_state() == before


CELL = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["KLU-PC", "MOW-PC", "PROTON-5", "LINAC-3", "PET-1", "1", "2", "3", "2031-03-03", "", " "]),
    st.sampled_from(["²", "9" * 5000, "٣", "0", "-1", "2031-02-30", "x" * 41, "A\x00", "20310303", "2031-W01-1"]),
    st.integers(-(10**30), 10**30),
)


@PROPERTY
@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=5),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
)
@example(rows=[["A-1", "KLU-PC", "PROTON-5", "2031-03-03", "²"]], terminator="\n")
@example(rows=[["x" * 41, "KLU-PC", "PROTON-5", "2031-03-03", "1"]], terminator="\n")
@example(rows=[["A\x00", "KLU-PC", "PROTON-5", "2031-03-03", "1"]], terminator="\n")
def test_random_rows_are_refused_with_problems_or_stored_as_given(
    sched: dict[str, Any], users: dict[str, User], rows: list[list[Any]], terminator: str
) -> None:
    with rolled_back():
        data = csv_bytes([list(CSV_COLUMNS), *rows], terminator=terminator)
        before = database_state()
        try:
            created = courses_import_csv(user=users["reporter"], data=data)
        except InvalidInput as exc:
            assert_refused_cleanly(exc, before)
        else:
            assert len(created) == len([row for row in rows if row])  # csv skips blank lines
            for course in Course.objects.filter(pk__in=[c.pk for c in created]):
                assert 0 < len(course.code) <= CODE_LENGTH
                assert "\x00" not in course.code
                assert course.urgency in (1, 2, 3)
                assert course.facility.code == "KLU-PC"


@PROPERTY
@given(data=st.binary(max_size=500) | st.text(max_size=500).map(lambda t: t.encode("utf-8")))
@example(data=b"code,facility,protocol,ready_date,urgency\r" + b"x" * 140_000)
def test_random_bytes_are_refused_with_problems(sched: dict[str, Any], users: dict[str, User], data: bytes) -> None:
    with rolled_back():
        before = database_state()
        with pytest.raises(InvalidInput) as err:
            courses_import_csv(user=users["reporter"], data=data)
        assert_refused_cleanly(err.value, before)
