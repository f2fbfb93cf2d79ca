"""Referrals: submission, the named steps of the pipeline (core.transitions) and scheduling by an approved plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, NotFound, raise_problems
from onconet.core.models import AuditAction, User
from onconet.core.scoping import get_visible, require_permission
from onconet.core.transitions import System

# ---------------------------------------------------------------- referrals
from onconet.tourism.balances import prepayment
from onconet.tourism.models import (
    Contract,
    ContractService,
    ContractStatus,
    ForeignPatient,
    QuoteStatus,
    Referral,
    ReferralEvent,
    ReferralState,
    Service,
)
from onconet.tourism.selectors import referring_partner
from onconet.tourism.services.billing import _invoice_from_quote
from onconet.tourism.services.registry import patient_register, validate_icd10
from onconet.tourism.workflow import REFERRALS


def referral_submit(
    *,
    user: User,
    patient: ForeignPatient,
    service_code: str,
    icd10_codes: list[str],
    stage: str = "",
    clinical_summary: str = "",
    latest_start: date | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """A partner (or the office on its behalf) refers a registered patient: the pipeline starts at inquiry."""
    require_permission(user, "tourism.add_referral", action="submit referrals")
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient.pk)
    service = Service.objects.filter(code=service_code).first()
    problems = []
    if service is None:
        problems.append(FieldProblem("unknown service", "service", service_code))
    codes: list[str] = []
    try:
        codes = validate_icd10(icd10_codes)
    except InvalidInput as exc:
        problems.extend(exc.errors)
    if not icd10_codes:
        problems.append(FieldProblem("give at least one ICD-10 diagnosis", "icd10_codes", None))
    raise_problems(problems, "The referral is not valid.")
    assert service is not None
    contract = (
        Contract.objects.filter(partner=patient.partner, status=ContractStatus.ACTIVE, services__service=service)
        .order_by("-valid_until")
        .first()
    )
    with transaction.atomic():
        referral = Referral.objects.create(
            patient=patient,
            partner=patient.partner,
            contract=contract,
            service=service,
            icd10_codes=codes,
            stage=stage,
            clinical_summary=clinical_summary,
            latest_start=latest_start,
        )
        ReferralEvent.objects.create(referral=referral, actor=user, action="submit", to_state=referral.state)
        audit_record(actor=user, action=AuditAction.CREATE, obj=referral, request=request)
    return referral


def referral_register_and_submit(
    *,
    user: User,
    partner_id: int | None,
    patient: Mapping[str, Any],
    service_code: str,
    icd10_codes: list[str],
    stage: str = "",
    clinical_summary: str = "",
    latest_start: date | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """Register a new patient and refer them, all or nothing: the partner portal's form and `POST /referrals`.
    `patient` holds `patient_register`'s fields; a partner agent always refers for its own organisation."""
    partner = referring_partner(user, partner_id)
    with transaction.atomic():
        registered = patient_register(user=user, partner=partner, request=request, **patient)
        return referral_submit(
            user=user,
            patient=registered,
            service_code=service_code,
            icd10_codes=icd10_codes,
            stage=stage,
            clinical_summary=clinical_summary,
            latest_start=latest_start,
            request=request,
        )


def referral_transition(
    *,
    user: User,
    referral: Referral,
    name: str,
    comment: str = "",
    protocol: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Take the referral step `name` (the API's and the pages' way in): each step is a named service below."""
    if name == "schedule":
        raise DomainError(
            "A referral is scheduled only by an approved capacity plan: send it to planning (Scheduling › Foreign "
            "patients), then the centre's plan books its start."
        )
    REFERRALS[name]  # an unknown step is a 400 naming the known ones
    if name == "accept":
        return referral_accept(referral=referral, user=user, protocol=protocol, comment=comment, request=request)
    return _REFERRAL_STEPS[name](referral=referral, user=user, comment=comment, request=request)


def _step(
    name: str, referral: Referral, user: User, comment: str, request: HttpRequest | None, guard: Any = None
) -> Referral:
    return REFERRALS.move(referral, name=name, actor=user, guard=guard, comment=comment, request=request)


def _required(text: str, detail: str, field: str = "comment") -> str:
    if not text.strip():
        raise InvalidInput(detail, errors=[FieldProblem("required", field)])
    return text.strip()


def referral_request_records(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Ask the partner for the medical records (coordinator)."""
    return _step("request_records", referral, user, comment, request)


def referral_start_review(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Hand the referral to the medical review (coordinator)."""
    return _step("start_review", referral, user, comment, request)


def referral_ask_more_info(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Ask the partner what the review still needs (medical reviewer); the question is required."""

    def guard(row: Referral) -> None:
        _required(comment, "Say what is needed.")

    return _step("ask_more_info", referral, user, comment, request, guard)


def referral_provide_info(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Answer the reviewer's question (partner agent or coordinator); the answer is required."""

    def guard(row: Referral) -> None:
        _required(comment, "Say what is needed.")

    return _step("provide_info", referral, user, comment, request, guard)


def referral_accept(
    *, referral: Referral, user: User, protocol: str, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Accept the referral for treatment with a proposed protocol (medical reviewer)."""

    def guard(row: Referral) -> None:
        row.proposed_protocol = _required(protocol, "Name the proposed protocol.", "protocol")

    return _step("accept", referral, user, comment, request, guard)


def referral_decline(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Decline the referral, saying why (medical reviewer)."""

    def guard(row: Referral) -> None:
        row.decline_reason = _required(comment, "Say why the referral is declined.")

    return _step("decline", referral, user, comment, request, guard)


def referral_send_quote(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Send the prepared quote to the partner (coordinator or finance)."""

    def guard(row: Referral) -> None:
        quote = row.quotes.filter(status=QuoteStatus.DRAFT).order_by("-id").first()
        if quote is None:
            raise DomainError("Prepare a quote first.")
        quote.status = QuoteStatus.SENT
        quote.save(update_fields=["status"])

    return _step("send_quote", referral, user, comment, request, guard)


def referral_accept_quote(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Accept the sent quote (partner agent or coordinator); its invoice is issued."""

    def guard(row: Referral) -> None:
        quote = row.quotes.filter(status=QuoteStatus.SENT).order_by("-id").first()
        if quote is None:
            raise DomainError("There is no sent quote to accept.")
        _invoice_from_quote(quote)

    return _step("accept_quote", referral, user, comment, request, guard)


def referral_confirm_prepayment(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """Confirm that the contract's prepayment is received (finance)."""

    def guard(row: Referral) -> None:
        status = prepayment(row, lock=True)
        if status is None:
            raise DomainError(_("There is no invoice yet: the partner accepts the quote first."))
        if not status.enough:
            raise DomainError(status.refusal())

    return _step("confirm_prepayment", referral, user, comment, request, guard)


def referral_arrive(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    """The patient has arrived (coordinator)."""
    return _step("arrive", referral, user, comment, request)


def referral_start_treatment(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    return _step("start_treatment", referral, user, comment, request)


def referral_complete(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    return _step("complete", referral, user, comment, request)


def referral_follow_up(
    *, referral: Referral, user: User, comment: str = "", request: HttpRequest | None = None
) -> Referral:
    return _step("follow_up", referral, user, comment, request)


_REFERRAL_STEPS = {
    "request_records": referral_request_records,
    "start_review": referral_start_review,
    "ask_more_info": referral_ask_more_info,
    "provide_info": referral_provide_info,
    "decline": referral_decline,
    "send_quote": referral_send_quote,
    "accept_quote": referral_accept_quote,
    "confirm_prepayment": referral_confirm_prepayment,
    "arrive": referral_arrive,
    "start_treatment": referral_start_treatment,
    "complete": referral_complete,
    "follow_up": referral_follow_up,
}


# Where a referral may be when the planner books (or re-books) its course: prepaid ones become scheduled; those
# already scheduled or under way keep their state and take the plan's start.
_PLANNER_STATES = frozenset(
    {ReferralState.PREPAID, ReferralState.SCHEDULED, ReferralState.ARRIVED, ReferralState.IN_TREATMENT}
)


def referral_schedule(*, referral: Referral, planner: User, start_date: date) -> Referral:
    """Book a prepaid referral's treatment start from an approved capacity plan, or move the start of one already
    scheduled or under way; the planner's right is `scheduling.plan_schedule` (the plan's facility is the caller's
    scope). Audited and written to the referral's history like every transition."""
    require_permission(planner, "scheduling.plan_schedule", action="schedule referrals from a plan")
    with transaction.atomic():
        try:
            current = Referral.objects.select_for_update().get(pk=referral.pk)
        except Referral.DoesNotExist as exc:
            raise NotFound("No referral matches the given id.") from exc
        if current.state not in _PLANNER_STATES:
            raise DomainError(
                f"Cannot schedule a referral that is {current.state}; the planner books prepaid or scheduled ones.",
                errors=[FieldProblem("allowed: prepaid, scheduled, arrived, in treatment", "state", current.state)],
            )
        status = prepayment(current, lock=True)
        if status is None or not status.enough:
            raise DomainError(status.refusal() if status else _("There is no invoice yet: nothing is prepaid."))
        before_start = current.start_date
        change = {"start_date": [_iso(before_start), start_date.isoformat()]}
        if current.state == ReferralState.PREPAID:
            _check_schedule(current, start_date)

            def guard(row: Referral) -> None:
                row.start_date = start_date

            # The approver's right is the plan's (`scheduling.plan_schedule`, checked above), over a referral of the
            # office it may not see: the approved plan takes the step, and the audit entry names the approver.
            return REFERRALS.move(
                current,
                name="schedule",
                actor=System("booked by an approved plan", by=planner),
                guard=guard,
                changes=change,
            )
        if before_start == start_date:
            return current
        current.start_date = start_date
        current.save(update_fields=["start_date"])
        ReferralEvent.objects.create(
            referral=current,
            actor=planner,
            action="reschedule",
            from_state=current.state,
            to_state=current.state,
            comment="",
        )
        audit_record(
            actor=planner,
            action=AuditAction.STATE_CHANGE,
            obj=current,
            changes={"state": [current.state, current.state], **change},
            message="reschedule",
        )
    return current


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _check_schedule(referral: Referral, start_date: date | None) -> None:
    if start_date is None:
        raise InvalidInput("Give the start date of treatment.", errors=[FieldProblem("required", "start_date")])
    if referral.latest_start and start_date > referral.latest_start:
        raise InvalidInput(
            f"The start {start_date.isoformat()} is after the patient's latest start "
            f"{referral.latest_start.isoformat()}.",
            errors=[FieldProblem("after the latest start", "start_date", start_date.isoformat())],
        )
    if referral.contract is None:
        return
    line = ContractService.objects.filter(contract=referral.contract, service=referral.service).first()
    if line and line.monthly_quota is not None:
        booked = (
            Referral.objects.filter(
                contract=referral.contract,
                service=referral.service,
                start_date__year=start_date.year,
                start_date__month=start_date.month,
            )
            .exclude(pk=referral.pk)
            .count()
        )
        if booked >= line.monthly_quota:
            raise DomainError(
                f"The contract's quota of {line.monthly_quota} {referral.service.code} course(s) in "
                f"{start_date:%Y-%m} is used up.",
            )
