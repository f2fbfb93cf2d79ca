"""The referral pipeline as an explicit state machine: which transition leads where, and who may make it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onconet.core.roles import Role
from onconet.core.transitions import Moved, StateMachine, step
from onconet.tourism.models import Referral, ReferralEvent
from onconet.tourism.models import ReferralState as S


def _history(moved: Moved[Referral]) -> None:
    ReferralEvent.objects.create(
        referral=moved.obj,
        actor=moved.actor,
        action=moved.step.name,
        from_state=moved.before,
        to_state=moved.obj.state,
        comment=moved.comment,
    )


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
# What the referral's history shows for each event: the steps, and the two events that are no step
HISTORY_LABELS = {**LABELS, "submit": _("Referral received")}


C, R, F, P = Role.COORDINATOR, Role.MEDICAL_REVIEWER, Role.FINANCE_OFFICER, Role.PARTNER_AGENT
# Nobody schedules a referral by hand: only an approved capacity plan does (`referral_schedule`), so that its start
# holds machine time and keeps the domestic-first guarantee.
REFERRALS = StateMachine(
    Referral,
    field="state",
    noun="referral",
    event=_history,
    stamp="state_changed_at",
    audit_comment=False,  # the comment stays with the referral's history (cleared on anonymisation)
    labels=HISTORY_LABELS,
    steps=(
        step("request_records", {S.INQUIRY}, S.RECORDS_REQUESTED, roles={C}),
        step("start_review", {S.INQUIRY, S.RECORDS_REQUESTED}, S.UNDER_REVIEW, roles={C}),
        step("ask_more_info", {S.UNDER_REVIEW}, S.MORE_INFO, roles={R}),
        step("provide_info", {S.MORE_INFO}, S.UNDER_REVIEW, roles={P, C}),
        step("accept", {S.UNDER_REVIEW}, S.ACCEPTED, roles={R}),
        step("decline", {S.UNDER_REVIEW}, S.DECLINED, roles={R}),
        step("send_quote", {S.ACCEPTED}, S.QUOTE_SENT, roles={C, F}),
        step("accept_quote", {S.QUOTE_SENT}, S.QUOTE_ACCEPTED, roles={P, C}),
        step("confirm_prepayment", {S.QUOTE_ACCEPTED}, S.PREPAID, roles={F}),
        # the plan's step: `referral_schedule` takes it when a plan that books the course is approved
        step("schedule", {S.PREPAID}, S.SCHEDULED, permission="scheduling.plan_schedule", system=True),
        step("arrive", {S.SCHEDULED}, S.ARRIVED, roles={C}),
        step("start_treatment", {S.ARRIVED}, S.IN_TREATMENT, roles={C}),
        step("complete", {S.IN_TREATMENT}, S.COMPLETED, roles={C, R}),
        step("follow_up", {S.COMPLETED}, S.FOLLOW_UP, roles={C}),
    ),
)

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
