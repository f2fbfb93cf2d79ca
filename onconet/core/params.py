"""One parser for the numbers and dates that arrive as text: query parameters and path ids of pages, the API and
FHIR.

Why not `str.isdigit()` and `int()`: `"²".isdigit()` is true and `int("²")` fails; `int("٣")` is 3 (an Arabic-Indic
digit) and `int(" 7 ")`, `int("+7")`, `int("1_000")` all succeed; a number beyond a 64-bit integer makes the
database driver raise; `int()` of 5,000 digits raises too. Here a number is ASCII digits (an optional minus sign
where the range allows it) in a stated range, and a date is ISO `YYYY-MM-DD` in ASCII.

Two kinds of functions:
- `parse_*` (the API and FHIR): a bad value raises `BadParameter`, an `InvalidInput` (HTTP 400) naming the field,
  which the API answers as `{"detail", "errors": [{"field", "message"}]}` and FHIR as an OperationOutcome.
- `*_or_none` (page filters): a bad value is no value, so the page ignores that filter, as the pages do with
  every other bad filter.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from onconet.core.errors import FieldProblem, InvalidInput

BIGINT_MAX = 2**63 - 1  # the largest id a bigint primary key (PostgreSQL, SQLite) holds
PERIOD_MIN, PERIOD_MAX = 1990, 2100  # reporting years (passports, analytics) the network can have
PAGE_MAX = 1_000_000  # far past any real list, and the offset of page × page size still fits a bigint

# ASCII only (re.ASCII, and the classes spell out 0-9): "\d" would also match "٣" or "²".
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
_MAX_DIGITS = 30  # more is out of every range here: int() never works on thousands of digits
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_SPACE = " \t\r\n\f\v"  # what a person may type around a value; Unicode spaces stay and make the value invalid
_SHOWN = 40  # how much of a bad value an error repeats


class BadParameter(InvalidInput):
    """A query parameter (or path id) that is not a value of the expected kind (HTTP 400)."""

    def __init__(self, field: str, message: str, value: str) -> None:
        shown = value if len(value) <= _SHOWN else value[:_SHOWN] + "…"
        super().__init__(f"{field}: {message}", errors=[FieldProblem(message, field, shown)])
        self.field = field

    def summary(self, most: int = 5) -> str:
        return self.detail  # the one problem is the detail already


def _clean(value: str) -> str:
    return value.strip(_SPACE)


def parse_int(value: str, *, field: str, minimum: int, maximum: int) -> int:
    """The whole number `value` (ASCII digits) within minimum..maximum; raises BadParameter otherwise."""
    text = _clean(value)
    if not text:
        raise BadParameter(field, _("is empty; a whole number is expected."), value)
    if _INTEGER.fullmatch(text) is None:
        raise BadParameter(
            field,
            _("must be a whole number written with the digits 0-9, between %(minimum)s and %(maximum)s.")
            % {"minimum": minimum, "maximum": maximum},
            value,
        )
    if len(text.lstrip("-0")) > _MAX_DIGITS or not minimum <= int(text) <= maximum:
        raise BadParameter(
            field,
            _("must be between %(minimum)s and %(maximum)s.") % {"minimum": minimum, "maximum": maximum},
            value,
        )
    return int(text)


def parse_id(value: str, *, field: str) -> int:
    """A record id: 1..2**63-1 (a bigint)."""
    return parse_int(value, field=field, minimum=1, maximum=BIGINT_MAX)


def parse_period(value: str, *, field: str = "period") -> int:
    """A reporting year, PERIOD_MIN..PERIOD_MAX."""
    return parse_int(value, field=field, minimum=PERIOD_MIN, maximum=PERIOD_MAX)


def parse_page(value: str, *, field: str = "page") -> int:
    """A page number, 1..PAGE_MAX."""
    return parse_int(value, field=field, minimum=1, maximum=PAGE_MAX)


def parse_date(value: str, *, field: str) -> dt.date:
    """An ISO date `YYYY-MM-DD` in ASCII digits; raises BadParameter otherwise."""
    text = _clean(value)
    if _DATE.fullmatch(text) is not None:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:  # 2026-02-30
            pass
    raise BadParameter(field, _("must be a date written as YYYY-MM-DD, such as 2026-01-31."), value)


def int_or_none(value: str | None, *, minimum: int, maximum: int) -> int | None:
    """For a page filter: the number, or None when the value is absent, blank or not a number in range."""
    if value is None:
        return None
    try:
        return parse_int(value, field="", minimum=minimum, maximum=maximum)
    except BadParameter:
        return None


def id_or_none(value: str | None) -> int | None:
    """For a page filter or a path id: the record id, or None (no such record)."""
    return int_or_none(value, minimum=1, maximum=BIGINT_MAX)


def period_or_none(value: str | None) -> int | None:
    """For a page filter: the reporting year, or None."""
    return int_or_none(value, minimum=PERIOD_MIN, maximum=PERIOD_MAX)


def date_or_none(value: str | None) -> dt.date | None:
    """For a page filter: the ISO date, or None."""
    if value is None:
        return None
    try:
        return parse_date(value, field="")
    except BadParameter:
        return None


def decimal_or_none(value: object) -> Decimal | None:
    """The number in `value` (typed text or JSON) as a Decimal — NaN and infinities included, for the caller to
    refuse with its own words — or None when it is no number at all (a boolean is none either)."""
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
