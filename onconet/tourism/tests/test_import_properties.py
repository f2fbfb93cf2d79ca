"""Properties of the exchange rates CSV import (hypothesis):

- a valid generated file (any line endings, with or without a byte order mark, columns in any order) is stored
  exactly, rates to the sixth decimal; importing it twice is idempotent (one rate per currency and day);
- random text, random cells and random bytes never raise anything but InvalidInput, whose problems say where; a
  refused file changes nothing; every rate accepted is above 0 as stored, so a conversion never divides by zero.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pycountry
import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from onconet.core.errors import InvalidInput
from onconet.core.models import AuditEntry, User
from onconet.tourism.models import ExchangeRate
from onconet.tourism.money import MAX_RATE, convert
from onconet.tourism.services import exchange_rate_set, exchange_rates_import_csv

pytestmark = pytest.mark.django_db

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COLUMNS = ("date", "currency", "rate")
CURRENCIES = sorted(c.alpha_3 for c in pycountry.currencies)
Rate = tuple[date, str, Decimal]


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: whatever it writes is undone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def rates() -> list[Rate]:
    return sorted(ExchangeRate.objects.values_list("date", "currency", "rate"))


def database_state() -> tuple[list[Rate], int]:
    return rates(), AuditEntry.objects.count()


def csv_bytes(rows: list[list[Any]], *, terminator: str = "\n", bom: bool = False) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator=terminator).writerows(rows)
    return (("\ufeff" if bom else "") + text.getvalue()).encode("utf-8")


def assert_refused_cleanly(exc: InvalidInput, before: tuple[list[Rate], int]) -> None:
    assert exc.detail
    assert exc.errors, "a refused file says what is wrong"
    for problem in exc.errors:
        assert problem.field in (*COLUMNS, "file")
        assert problem.message
    assert database_state() == before, "a refused file must change nothing"


RATES = st.integers(1, 10**14 - 1).map(lambda micro: Decimal(micro) / 10**6)


@PROPERTY
@given(
    rows=st.lists(
        st.tuples(st.dates(date(1992, 7, 1), date(2100, 1, 1)), st.sampled_from(CURRENCIES), RATES),
        min_size=1,
        max_size=8,
        unique_by=lambda row: (row[0], row[1]),
    ),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    column_order=st.permutations(COLUMNS),
    lower=st.booleans(),
)
@example(
    rows=[(date(2026, 11, 1), "EUR", Decimal("101.5"))],
    terminator="\r",  # "CSV (Macintosh)": the csv module refused to split such lines
    bom=False,
    column_order=COLUMNS,
    lower=False,
)
def test_a_valid_file_is_stored_exactly_and_twice_is_once(
    users: dict[str, User],
    rows: list[Rate],
    terminator: str,
    bom: bool,
    column_order: tuple[str, ...],
    lower: bool,
) -> None:
    with rolled_back():
        ExchangeRate.objects.all().delete()
        table: list[list[Any]] = [list(column_order)]
        for day, currency, rate in rows:
            cells = {"date": day.isoformat(), "currency": currency.lower() if lower else currency, "rate": rate}
            table.append([cells[c] for c in column_order])
        data = csv_bytes(table, terminator=terminator, bom=bom)
        assert exchange_rates_import_csv(user=users["finance"], data=data) == len(rows)
        assert rates() == sorted(rows)
        assert exchange_rates_import_csv(user=users["finance"], data=data) == len(rows)
        assert rates() == sorted(rows)


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2026-11-01", "20261101", "2026-02-30", "EUR", "eur", "ABC", "101.5", "1", "", " "]),
    st.sampled_from(["0", "-1", "NaN", "Infinity", "1e-7", "0.0000004", "0.0000005", "1e8", "99999999.9999999"]),
    st.sampled_from(["1e999999", "9" * 5000, "1,5", "A\x00", "a\rb"]),
    st.decimals(allow_nan=False, allow_infinity=False),
)


@PROPERTY
@given(rows=st.lists(st.lists(CELL, max_size=4), max_size=5), terminator=st.sampled_from(["\n", "\r\n", "\r"]))
@example(rows=[["2026-11-01", "EUR", "0.0000001"]], terminator="\n")  # stored as 0.000000: a division by zero
@example(rows=[["2026-11-01", "EUR", "1e9"]], terminator="\n")  # more digits than the column holds
@example(rows=[["2026-11-01", "EUR", "101.5"]], terminator="\r")
def test_random_rows_are_refused_with_problems_or_stored_as_usable_rates(
    users: dict[str, User], office: dict[str, Any], rows: list[list[Any]], terminator: str
) -> None:
    with rolled_back():
        before = database_state()
        try:
            exchange_rates_import_csv(
                user=users["finance"], data=csv_bytes([list(COLUMNS), *rows], terminator=terminator)
            )
        except InvalidInput as exc:
            assert_refused_cleanly(exc, before)
        else:
            for _, currency, rate in rates():
                assert 0 < rate < MAX_RATE
                assert len(currency) == 3
                convert(Decimal("100"), rate_from=Decimal(1), rate_to=rate)  # never a division by zero


@PROPERTY
@given(data=st.binary(max_size=500) | st.text(max_size=500).map(lambda t: t.encode("utf-8")))
@example(data=b"date,currency,rate\n" + b"x" * 140_000)
def test_random_bytes_are_refused_with_problems(users: dict[str, User], data: bytes) -> None:
    with rolled_back():
        before = database_state()
        with pytest.raises(InvalidInput) as err:
            exchange_rates_import_csv(user=users["finance"], data=data)
        assert_refused_cleanly(err.value, before)


@PROPERTY
@given(rate=st.one_of(st.decimals(), st.text(max_size=20), st.integers(), st.floats(), st.booleans()))
@example(rate="0.0000004")
@example(rate=Decimal("1e8"))
def test_a_rate_entered_by_hand_is_usable_or_refused(users: dict[str, User], rate: Any) -> None:
    with rolled_back():
        before = database_state()
        try:
            entry = exchange_rate_set(user=users["finance"], day=date(2026, 11, 1), currency="EUR", rate=rate)
        except InvalidInput as exc:
            assert_refused_cleanly(exc, before)
        else:
            entry.refresh_from_db()
            assert 0 < entry.rate < MAX_RATE
            assert entry.rate == Decimal(str(rate)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
