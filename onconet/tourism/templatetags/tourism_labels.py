"""The office's codes as people read them: a step's label, a state's name and its badge, money by locale."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.utils.translation import get_language

from onconet.tourism.models import ReferralState
from onconet.tourism.money import shown
from onconet.tourism.workflow import HISTORY_LABELS

register = template.Library()

S = ReferralState
STAGES: dict[str, str] = {
    S.INQUIRY: "intake",
    S.RECORDS_REQUESTED: "intake",
    S.MORE_INFO: "intake",
    S.UNDER_REVIEW: "review",
    S.ACCEPTED: "review",
    S.QUOTE_SENT: "money",
    S.QUOTE_ACCEPTED: "money",
    S.PREPAID: "money",
    S.SCHEDULED: "care",
    S.ARRIVED: "care",
    S.IN_TREATMENT: "care",
    S.COMPLETED: "done",
    S.FOLLOW_UP: "done",
    S.DECLINED: "stopped",
}


def _locale() -> str:
    return (get_language() or "en").replace("-", "_")


@register.filter
def step_label(name: str) -> str:
    """A step of the referral's history or of the next steps, in words ("start_review" → "Start the medical review")."""
    label = HISTORY_LABELS.get(name)
    return str(label) if label is not None else name


@register.filter
def state_label(state: str) -> str:
    """A referral state's name ("under_review" → "under medical review")."""
    return str(ReferralState(state).label) if state in ReferralState.values else state


@register.filter
def state_class(state: str) -> str:
    """The badge class of the state's stage: intake, review, money, care, done or stopped."""
    return f"state-{STAGES.get(state, 'intake')}"


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str) -> str:
    """An amount in its currency as the reader's language writes it: "32 000,00 €" in Russian, "€32,000.00" in
    English; the currency's own minor unit (ISO 4217) decides the decimals."""
    if amount is None or amount == "":
        return "—"
    return shown(amount, currency)


@register.filter
def rate(value: Decimal | float | str | None) -> str:
    """An exchange rate (roubles per unit) with four decimals, written by the reader's language."""
    if value is None or value == "":
        return "—"
    return format_decimal(Decimal(str(value)), format="#,##0.0000", locale=_locale())
