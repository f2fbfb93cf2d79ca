"""Exchange rates: one a day per currency, typed in or imported from the bank's CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.db import transaction

from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput, raise_problems
from onconet.core.models import AuditAction, User
from onconet.core.reference_data import is_currency_code
from onconet.core.scoping import require_permission
from onconet.tourism.models import (
    ExchangeRate,
)
from onconet.tourism.money import currency_code, rate_in

# ---------------------------------------------------------------- exchange rates


def exchange_rate_set(*, user: User, day: date, currency: str, rate: Decimal | str) -> ExchangeRate:
    """Enter the rate of a currency on a day (roubles per unit)."""
    require_permission(user, "tourism.add_exchangerate", action="enter exchange rates")
    code = currency_code(currency)
    value = rate_in(rate)
    entry, _ = ExchangeRate.objects.update_or_create(date=day, currency=code, defaults={"rate": value})
    audit_record(actor=user, action=AuditAction.UPDATE, obj=entry)
    return entry


def exchange_rates_import_csv(*, user: User, data: bytes) -> int:
    """Import `date,currency,rate` rows; all or nothing, every problem listed with its row."""
    require_permission(user, "tourism.add_exchangerate", action="import exchange rates")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 encoded.", errors=[FieldProblem("not UTF-8", "file")]) from exc
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput("The file is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        header = set(reader.fieldnames or [])
        records = list(reader) if header == {"date", "currency", "rate"} else []
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InvalidInput(
            "The file cannot be read as CSV.",
            errors=[FieldProblem(str(exc), "file", location={"row": reader.line_num})],
        ) from exc
    if header != {"date", "currency", "rate"}:
        raise InvalidInput(
            "The columns must be exactly: date, currency, rate.",
            errors=[FieldProblem("expected date, currency, rate", "file", ", ".join(reader.fieldnames or []))],
        )
    rows, problems = [], []
    for number, row in enumerate(records, start=2):
        where = {"row": number}
        try:
            day = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            problems.append(FieldProblem("must be an ISO date", "date", row["date"], where))
            continue
        code = (row["currency"] or "").strip().upper()
        if not is_currency_code(code):
            problems.append(FieldProblem("unknown currency", "currency", code, where))
            continue
        try:
            value = rate_in(row["rate"] or "")
        except InvalidInput:
            problems.append(FieldProblem("must be a positive number", "rate", row["rate"], where))
            continue
        rows.append((day, code, value))
    raise_problems(problems, f"{len(problems)} problem(s); no rate was imported.")
    with transaction.atomic():
        for day, code, value in rows:
            ExchangeRate.objects.update_or_create(date=day, currency=code, defaults={"rate": value})
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            object_type="tourism.exchangerate",
            message=f"imported {len(rows)} rates",
        )
    return len(rows)
