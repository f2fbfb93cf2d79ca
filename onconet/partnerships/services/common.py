"""What the partnerships services share: the organisers' permission and the checks of choices, countries,
numbers and currencies, each adding a FieldProblem to the caller's list rather than raising."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from onconet.core.errors import FieldProblem
from onconet.core.models import Country, User
from onconet.core.params import decimal_or_none
from onconet.core.reference_data import is_currency_code
from onconet.core.scoping import require_permission

MANAGE = "partnerships.manage_partnerships"


def require_manage(user: User, action: str) -> None:
    require_permission(user, MANAGE, action=action)


def check_choice(value: str, choices: Any, field: str, problems: list[FieldProblem]) -> None:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        problems.append(FieldProblem(f'"{value}" is not one of {allowed}', field, value))


def check_country(code: str, field: str, problems: list[FieldProblem]) -> Country | None:
    country = Country.objects.filter(code=(code or "").strip().upper()).first()
    if country is None:
        problems.append(FieldProblem(f'"{code}" is not an ISO 3166-1 alpha-2 country code', field, code))
    return country


def check_decimal(value: Any, field: str, problems: list[FieldProblem]) -> Decimal | None:
    number = decimal_or_none(value)
    if number is None:
        problems.append(FieldProblem(f'"{value}" is not a number', field, str(value)))
        return None
    if not number.is_finite():
        problems.append(FieldProblem(f'"{value}" is not a finite number', field, str(value)))
        return None
    return number


def check_currency(code: str, field: str, problems: list[FieldProblem]) -> str:
    code = (code or "").strip().upper()
    if not is_currency_code(code):
        problems.append(FieldProblem(f'"{code}" is not an ISO 4217 currency code', field, code))
    return code
