"""Money arithmetic: Decimal amounts rounded half-up to the currency's minor unit, ISO 4217 codes."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.reference_data import is_currency_code

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_code(code: str, *, field: str = "currency") -> str:
    """An upper-case ISO 4217 code, or InvalidInput."""
    code = (code or "").strip().upper()
    if not is_currency_code(code):
        raise InvalidInput(
            f'"{code}" is not an ISO 4217 currency code.', errors=[FieldProblem("unknown currency", field, code)]
        )
    return code


def rate_on(currency: str, day: date) -> Decimal:
    """Roubles per unit of `currency` on `day`: the latest rate on or before it (1 for roubles)."""
    from onconet.tourism.models import BASE_CURRENCY, ExchangeRate

    if currency == BASE_CURRENCY:
        return Decimal(1)
    rate = ExchangeRate.objects.filter(currency=currency, date__lte=day).order_by("-date").first()
    if rate is None:
        raise InvalidInput(
            f"No exchange rate for {currency} on or before {day.isoformat()}; enter or import one first.",
            errors=[FieldProblem("no exchange rate", "currency", currency)],
        )
    return rate.rate


def convert(amount: Decimal, *, rate_from: Decimal, rate_to: Decimal) -> Decimal:
    """Convert between currencies through roubles, at the given (pinned) rates."""
    return money(amount * rate_from / rate_to)
