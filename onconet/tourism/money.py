"""Money arithmetic: Decimal amounts rounded half-up to the currency's minor unit, ISO 4217 codes."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency
from django.utils.translation import get_language

from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.reference_data import is_currency_code
from onconet.tourism.models import BASE_CURRENCY, ExchangeRate

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12  # an amount column holds 14 digits, two of them after the point


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_in(value: object, *, field: str = "amount", below: Decimal = MAX_AMOUNT) -> Decimal:
    """`value` (a number or its text) as money, or InvalidInput: not a number, not finite, or too large to store."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if isinstance(value, bool) or not number.is_finite():
        raise InvalidInput(
            f"{field}: {value!s:.40} is not a number.", errors=[FieldProblem("not a number", field, str(value))]
        )
    if abs(number) >= below:
        raise InvalidInput(
            f"{field}: {number} is too large.",
            errors=[FieldProblem(f"must be less than {below:,}", field, str(number))],
        )
    return money(number)


MAX_RATE = Decimal(10) ** 8  # a rate column holds 14 digits, six of them after the point
RATE_PLACES = Decimal("0.000001")


def rate_in(value: object, *, field: str = "rate") -> Decimal:
    """Roubles per unit as the rates table keeps them (six places), or InvalidInput: not a number, not above 0
    once rounded (a rate of 0 would divide by zero), or too large to store."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        if isinstance(value, bool) or not number.is_finite() or not 0 < number < MAX_RATE:
            raise InvalidOperation
        rate = number.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        if rate <= 0:
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidInput(
            "The rate must be a positive number.",
            errors=[FieldProblem(f"must be > 0 and < {MAX_RATE:,}, at least {RATE_PLACES}", field, str(value))],
        ) from None
    return rate


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


def shown(amount: Decimal | int | float | str, currency: str) -> str:
    """An amount in its currency as the reader's language writes it: "32 000,00 €" in Russian, "€32,000.00" in
    English; the currency's own minor unit (ISO 4217) decides the decimals."""
    locale = (get_language() or "en").replace("-", "_")
    return format_currency(Decimal(str(amount)), currency.upper(), locale=locale)
