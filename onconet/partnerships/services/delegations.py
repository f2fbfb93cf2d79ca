"""Delegations and study tours: their state machine (planned → confirmed → under way → completed, or cancelled),
participants and their visas, the programme of visits, and costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, FieldProblem, raise_problems
from onconet.core.models import User
from onconet.core.transitions import StateMachine, Step, step
from onconet.partnerships.models import (
    City,
    Cost,
    CostCategory,
    Delegation,
    DelegationStatus,
    Direction,
    Organisation,
    Participant,
    ParticipantRole,
    Topic,
    VisaStatus,
    Visit,
)
from onconet.partnerships.services.common import (
    MANAGE,
    check_choice,
    check_country,
    check_currency,
    check_decimal,
    require_manage,
)


def _cannot_become(machine: StateMachine[Delegation], taken: Step, state: str, allowed: list[str]) -> str:
    return _cannot_become_text(state, taken.target)


def _cannot_become_text(state: str, target: str) -> str:
    label = DelegationStatus(state).label if state in DelegationStatus.values else state
    targets = DELEGATIONS.targets(state)
    return f"A {label} delegation cannot become {target}; it can become {', '.join(targets) or 'nothing else'}."


DELEGATIONS = StateMachine(
    Delegation,
    noun="delegation",
    wrong_state=_cannot_become,
    labels={
        "confirm": _("Confirmed"),
        "start": _("Started"),
        "complete": _("Completed"),
        "cancel": _("Cancelled"),
        "replan": _("Planned again"),
    },
    forbidden=lambda machine, taken: "You are not allowed to change delegations.",
    steps=(
        step("confirm", {DelegationStatus.PLANNED}, DelegationStatus.CONFIRMED, permission=MANAGE),
        step("start", {DelegationStatus.CONFIRMED}, DelegationStatus.UNDER_WAY, permission=MANAGE),
        step("complete", {DelegationStatus.UNDER_WAY}, DelegationStatus.COMPLETED, permission=MANAGE),
        step(
            "cancel",
            {DelegationStatus.PLANNED, DelegationStatus.CONFIRMED},
            DelegationStatus.CANCELLED,
            permission=MANAGE,
        ),
        step(
            "replan",
            {DelegationStatus.CONFIRMED, DelegationStatus.CANCELLED},
            DelegationStatus.PLANNED,
            permission=MANAGE,
        ),
    ),
)


def delegation_create(
    *,
    user: User,
    title: str,
    direction: str,
    purpose: str,
    start_date: dt.date,
    end_date: dt.date,
    origin: City,
    destination: City,
    organisers: Iterable[Organisation] = (),
    budget: Any = None,
    budget_currency: str = "",
    notes: str = "",
) -> Delegation:
    """A delegation or study tour in the *planned* state."""
    require_manage(user, "organise delegations")
    problems: list[FieldProblem] = []
    if not (title or "").strip():
        problems.append(FieldProblem("a delegation needs a title", "title"))
    if not (purpose or "").strip():
        problems.append(FieldProblem("say what the delegation is for", "purpose"))
    check_choice(direction, Direction, "direction", problems)
    if end_date < start_date:
        problems.append(
            FieldProblem(f"the last day {end_date} is before the first day {start_date}", "end_date", str(end_date))
        )
    if origin.pk == destination.pk:
        problems.append(FieldProblem("the origin and the destination are the same city", "destination"))
    amount = None
    currency = ""
    if budget not in (None, ""):
        amount = check_decimal(budget, "budget", problems)
        if amount is not None and amount < 0:
            problems.append(FieldProblem("the budget cannot be negative", "budget", str(amount)))
        currency = check_currency(budget_currency, "budget_currency", problems)
    raise_problems(problems, "The delegation cannot be recorded.")
    with transaction.atomic():
        delegation = Delegation.objects.create(
            title=title.strip(),
            direction=direction,
            purpose=purpose.strip(),
            start_date=start_date,
            end_date=end_date,
            origin=origin,
            destination=destination,
            budget=amount,
            budget_currency=currency,
            notes=notes,
            created_by=user,
        )
        delegation.organisers.set(list(organisers))
        audit_record(actor=user, action=AuditAction.CREATE, obj=delegation)
    return delegation


def delegation_transition(*, user: User, delegation: Delegation, status: str) -> Delegation:
    """Move a delegation along planned → confirmed → under way → completed (or cancelled), by its target state."""
    require_manage(user, "change delegations")
    taken = DELEGATIONS.step_to(delegation.status, status)
    if taken is None:
        raise DomainError(_cannot_become_text(delegation.status, status))
    return DELEGATIONS.move(delegation, name=taken.name, actor=user)


def participant_add(
    *,
    user: User,
    delegation: Delegation,
    full_name: str,
    role: str,
    organisation: str,
    country: str,
    email: str = "",
    phone: str = "",
    visa_status: str = VisaStatus.NOT_NEEDED,
) -> Participant:
    """A participant; the same person of the same organisation cannot be added twice."""
    require_manage(user, "add participants")
    problems: list[FieldProblem] = []
    full_name, organisation = (full_name or "").strip(), (organisation or "").strip()
    if not full_name:
        problems.append(FieldProblem("a participant needs a name", "full_name"))
    if not organisation:
        problems.append(FieldProblem("say which organisation the participant is from", "organisation"))
    check_choice(role, ParticipantRole, "role", problems)
    check_choice(visa_status, VisaStatus, "visa_status", problems)
    where = check_country(country, "country", problems)
    # Compared in Python: SQLite's case-insensitive matching only folds ASCII (Cyrillic names are the rule here).
    same = (full_name.casefold(), organisation.casefold())
    if full_name and any(
        (p.full_name.casefold(), p.organisation.casefold()) == same
        for p in Participant.objects.filter(delegation=delegation).only("full_name", "organisation")
    ):
        problems.append(
            FieldProblem(f"{full_name} of {organisation} is already a participant of this delegation", "full_name")
        )
    raise_problems(problems, "The participant cannot be added.")
    assert where is not None
    participant = Participant.objects.create(
        delegation=delegation,
        full_name=full_name,
        role=role,
        organisation=organisation,
        country=where,
        email=email.strip(),
        phone=phone.strip(),
        visa_status=visa_status,
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=participant)
    return participant


def participant_set_visa(*, user: User, participant: Participant, visa_status: str) -> Participant:
    require_manage(user, "change participants")
    problems: list[FieldProblem] = []
    check_choice(visa_status, VisaStatus, "visa_status", problems)
    raise_problems(problems, "The visa status cannot be changed.")
    before = participant.visa_status
    participant.visa_status = visa_status
    participant.save(update_fields=["visa_status"])
    audit_record(actor=user, action=AuditAction.UPDATE, obj=participant, changes={"visa_status": [before, visa_status]})
    return participant


def participant_remove(*, user: User, participant: Participant) -> None:
    require_manage(user, "remove participants")
    audit_record(actor=user, action=AuditAction.DELETE, obj=participant)
    participant.delete()


def visit_add(
    *,
    user: User,
    delegation: Delegation,
    date: dt.date,
    institution: str,
    topic: str,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    address: str = "",
    host: str = "",
    description: str = "",
) -> Visit:
    """A visit on one of the delegation's days."""
    require_manage(user, "plan itineraries")
    problems: list[FieldProblem] = []
    if not delegation.start_date <= date <= delegation.end_date:
        problems.append(
            FieldProblem(
                f"{date} is outside the delegation's dates ({delegation.start_date} to {delegation.end_date})",
                "date",
                str(date),
            )
        )
    if not (institution or "").strip():
        problems.append(FieldProblem("name the institution visited", "institution"))
    check_choice(topic, Topic, "topic", problems)
    if start_time and end_time and end_time <= start_time:
        problems.append(FieldProblem(f"the visit ends at {end_time}, not after it starts at {start_time}", "end_time"))
    raise_problems(problems, "The visit cannot be added.")
    visit = Visit.objects.create(
        delegation=delegation,
        date=date,
        start_time=start_time,
        end_time=end_time,
        institution=institution.strip(),
        address=address.strip(),
        host=host.strip(),
        topic=topic,
        description=description.strip(),
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=visit)
    return visit


def cost_add(*, user: User, delegation: Delegation, category: str, amount: Any, currency: str, note: str = "") -> Cost:
    require_manage(user, "record costs")
    problems: list[FieldProblem] = []
    check_choice(category, CostCategory, "category", problems)
    value = check_decimal(amount, "amount", problems)
    if value is not None and value < 0:
        problems.append(FieldProblem("a cost cannot be negative", "amount", str(value)))
    code = check_currency(currency, "currency", problems)
    raise_problems(problems, "The cost cannot be recorded.")
    assert value is not None
    cost = Cost.objects.create(delegation=delegation, category=category, amount=value, currency=code, note=note.strip())
    audit_record(actor=user, action=AuditAction.CREATE, obj=cost)
    return cost
