"""The referral pipeline as an explicit state machine: which transition leads where, and who may make it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from onconet.core.roles import Role
from onconet.tourism.models import ReferralState as S


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


def _t(name: str, sources: set[str], target: str, roles: set[str]) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(roles))


C, R, F, P = Role.COORDINATOR, Role.MEDICAL_REVIEWER, Role.FINANCE_OFFICER, Role.PARTNER_AGENT
TRANSITIONS = {
    t.name: t
    for t in (
        _t("request_records", {S.INQUIRY}, S.RECORDS_REQUESTED, {C}),
        _t("start_review", {S.INQUIRY, S.RECORDS_REQUESTED}, S.UNDER_REVIEW, {C}),
        _t("ask_more_info", {S.UNDER_REVIEW}, S.MORE_INFO, {R}),
        _t("provide_info", {S.MORE_INFO}, S.UNDER_REVIEW, {P, C}),
        _t("accept", {S.UNDER_REVIEW}, S.ACCEPTED, {R}),
        _t("decline", {S.UNDER_REVIEW}, S.DECLINED, {R}),
        _t("send_quote", {S.ACCEPTED}, S.QUOTE_SENT, {C, F}),
        _t("accept_quote", {S.QUOTE_SENT}, S.QUOTE_ACCEPTED, {P, C}),
        _t("confirm_prepayment", {S.QUOTE_ACCEPTED}, S.PREPAID, {F}),
        _t("arrive", {S.SCHEDULED}, S.ARRIVED, {C}),
        _t("start_treatment", {S.ARRIVED}, S.IN_TREATMENT, {C}),
        _t("complete", {S.IN_TREATMENT}, S.COMPLETED, {C, R}),
        _t("follow_up", {S.COMPLETED}, S.FOLLOW_UP, {C}),
    )
}

# Service-level targets: working days a referral may stay in a state before it is overdue.
SLA_WORKING_DAYS = {
    S.INQUIRY: 2,
    S.RECORDS_REQUESTED: 10,
    S.UNDER_REVIEW: 5,
    S.MORE_INFO: 10,
    S.ACCEPTED: 3,
    S.QUOTE_SENT: 14,
    S.QUOTE_ACCEPTED: 10,
    S.PREPAID: 5,
}


LABELS = {
    "request_records": _("Request records"),
    "start_review": _("Start the medical review"),
    "ask_more_info": _("Ask for more information"),
    "provide_info": _("Provide the information"),
    "accept": _("Accept"),
    "decline": _("Decline"),
    "send_quote": _("Send the quote"),
    "accept_quote": _("Accept the quote"),
    "confirm_prepayment": _("Confirm the prepayment"),
    "schedule": _("Scheduled by the capacity plan"),  # no one's step: only an approved plan schedules
    "reschedule": _("Start moved by the capacity plan"),
    "arrive": _("Patient arrived"),
    "start_treatment": _("Start treatment"),
    "complete": _("Treatment completed"),
    "follow_up": _("Start follow-up"),
}


def allowed_next(state: str) -> list[str]:
    return [t.name for t in TRANSITIONS.values() if state in t.sources]
