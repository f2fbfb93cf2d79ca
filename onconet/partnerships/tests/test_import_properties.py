"""Properties of the country indicators CSV import (hypothesis):

- a valid generated file, with any line endings and a comma or a dot as the decimal separator, is stored
  exactly (values to the fourth decimal, every source); importing it twice is idempotent (update by country,
  indicator and year);
- random text and random cells never raise anything but InvalidInput, whose problems name the column and the
  line; a refused file changes nothing; whatever is accepted fits the table.
"""

from __future__ import annotations

import csv
import io
import string
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from onconet.core.errors import InvalidInput
from onconet.core.models import AuditEntry, User
from onconet.partnerships.models import CountryIndicator
from onconet.partnerships.services import CSV_COLUMNS, MAX_INDICATOR, country_indicators_import

pytestmark = pytest.mark.django_db

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COUNTRIES = ["FR", "KZ", "RU", "BG", "RS", "UZ", "CZ", "HR", "DE", "JP"]
Indicator = tuple[str, str, int, Decimal, str, str, str]


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: whatever it writes is undone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def stored() -> list[Indicator]:
    return [
        (i.country.code, i.indicator, i.year, i.value, i.unit, i.source, i.source_url)
        for i in CountryIndicator.objects.select_related("country").order_by("country__code", "indicator", "year")
    ]


def database_state() -> tuple[list[Indicator], int]:
    return stored(), AuditEntry.objects.count()


def csv_bytes(rows: list[list[Any]], *, terminator: str = "\n", bom: bool = False) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator=terminator)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + text.getvalue()).encode("utf-8")


def assert_refused_cleanly(exc: InvalidInput, before: tuple[list[Indicator], int]) -> None:
    assert exc.detail
    assert exc.errors, "a refused file says what is wrong"
    for problem in exc.errors:
        assert problem.field in (*CSV_COLUMNS, "file")
        assert problem.message
        assert problem.location.get("line", 1) >= 1
    assert database_state() == before, "a refused file must change nothing"


# text as it stays after the importer strips it; no line breaks, which Python's csv writer leaves unquoted when
# they differ from its line terminator (a spreadsheet quotes them)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), max_size=40).map(
    str.strip
)
# SQLite keeps a decimal as a double: exact to 15 significant digits, one fewer than the column's 16
LARGEST = MAX_INDICATOR if connection.vendor == "postgresql" else MAX_INDICATOR / 10
VALUES = st.decimals(min_value=-LARGEST + 1, max_value=LARGEST - 1, places=4, allow_nan=False)


@st.composite
def valid_files(draw: st.DrawFn) -> list[dict[str, Any]]:
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(COUNTRIES),
                st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=60),
                st.integers(1900, 2100),
            ),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    return [
        {
            "country": country if draw(st.booleans()) else country.lower(),
            "indicator": indicator,
            "year": year,
            "value": draw(VALUES),
            "unit": draw(TEXT),
            "source": draw(TEXT.filter(bool)),
            "source_url": draw(st.just("") | st.just("https://example.org/") | TEXT.map(lambda t: t[:200])),
        }
        for country, indicator, year in keys
    ]


def written(value: Decimal, style: str) -> str:
    if style == "comma":
        return f"{value:f}".replace(".", ",")
    if style == "exponent":
        return f"{value:e}" if value else "0E+2"
    return f"{value:f}"


@PROPERTY
@given(
    rows=valid_files(),
    style=st.sampled_from(["dot", "comma", "exponent"]),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    column_order=st.permutations(CSV_COLUMNS),
)
@example(
    rows=[
        {
            "country": "FR",
            "indicator": "rank",
            "year": 2000,
            "value": Decimal(1),
            "unit": "",
            "source": "WHO",
            "source_url": "",
        }
    ],
    style="dot",
    terminator="\r",  # "CSV (Macintosh)": the csv module refused to split such lines
    bom=False,
    column_order=CSV_COLUMNS,
)
def test_a_valid_file_is_stored_exactly_and_a_second_import_changes_nothing(
    users: dict[str, User],
    rows: list[dict[str, Any]],
    style: str,
    terminator: str,
    bom: bool,
    column_order: tuple[str, ...],
) -> None:
    with rolled_back():
        table = [list(column_order)]
        for row in rows:
            table.append([written(row[c], style) if c == "value" else row[c] for c in column_order])
        data = csv_bytes(table, terminator=terminator, bom=bom)
        assert country_indicators_import(user=users["admin"], data=data) == len(rows)
        expected = sorted(
            (r["country"].upper(), r["indicator"], r["year"], r["value"], r["unit"], r["source"], r["source_url"])
            for r in rows
        )
        assert stored() == expected

        assert country_indicators_import(user=users["admin"], data=data) == len(rows)
        assert stored() == expected


CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["FR", "kz", "XX", "rank", "2000", "1899", "２０００", "٢٠٠٠", "WHO", "", " ", "1,5", "7.4"]),
    st.sampled_from(["NaN", "-Infinity", "1E+999999", "1E-999999", "0E-999999", "9" * 5000, "1e12", "0.00001"]),
    st.sampled_from(["x" * 61, "x" * 501, "A\x00", "a\rb"]),
    st.integers(-(10**20), 10**20),
    st.decimals(allow_nan=False, allow_infinity=False),
)


@PROPERTY
@given(rows=st.lists(st.lists(CELL, max_size=8), max_size=5), terminator=st.sampled_from(["\n", "\r\n", "\r"]))
@example(rows=[["FR", "rank", "2000", "1", "", "WHO\x00", ""]], terminator="\n")
@example(rows=[["FR", "rank", "2000", "1", "", "WHO", ""]], terminator="\r")
def test_random_rows_are_refused_with_problems_or_stored_within_the_table(
    users: dict[str, User], rows: list[list[Any]], terminator: str
) -> None:
    with rolled_back():
        before = database_state()
        try:
            count = country_indicators_import(
                user=users["admin"], data=csv_bytes([list(CSV_COLUMNS), *rows], terminator=terminator)
            )
        except InvalidInput as exc:
            assert_refused_cleanly(exc, before)
        else:
            assert 0 < count <= len(rows)
            for indicator in CountryIndicator.objects.all():
                assert abs(indicator.value) < MAX_INDICATOR
                assert indicator.value == indicator.value.quantize(Decimal("0.0001"))
                assert indicator.source
                for text in (indicator.indicator, indicator.unit, indicator.source, indicator.source_url):
                    assert "\x00" not in text


@PROPERTY
@given(data=st.binary(max_size=500) | st.text(max_size=500).map(lambda t: t.encode("utf-8")))
@example(data=b"country,indicator,year,value,source\r" + b"x" * 140_000)
@example(data=b"country,indicator,year,value,source\n" + b"x" * 140_000)
def test_random_bytes_are_refused_with_problems(users: dict[str, User], data: bytes) -> None:
    with rolled_back():
        before = database_state()
        with pytest.raises(InvalidInput) as err:
            country_indicators_import(user=users["admin"], data=data)
        assert_refused_cleanly(err.value, before)
