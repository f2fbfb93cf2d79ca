"""What a delegation brought back: insights by topic, partnership proposals, and follow-up actions with an owner
and a due date (which the owner or an organiser closes)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, raise_problems
from onconet.core.models import User
from onconet.partnerships.models import (
    ActionStatus,
    Agreement,
    Delegation,
    FollowUp,
    Insight,
    Organisation,
    Proposal,
    ProposalStatus,
    Topic,
    Visit,
)
from onconet.partnerships.services.common import check_choice, require_manage


def insight_add(*, user: User, delegation: Delegation, topic: str, text: str, visit: Visit | None = None) -> Insight:
    require_manage(user, "record insights")
    problems: list[FieldProblem] = []
    check_choice(topic, Topic, "topic", problems)
    if not (text or "").strip():
        problems.append(FieldProblem("write down the insight", "text"))
    if visit is not None and visit.delegation_id != delegation.pk:
        problems.append(FieldProblem("that visit belongs to another delegation", "visit"))
    raise_problems(problems, "The insight cannot be recorded.")
    insight = Insight.objects.create(
        delegation=delegation, visit=visit, topic=topic, text=text.strip(), recorded_by=user
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=insight)
    return insight


def proposal_add(
    *, user: User, delegation: Delegation, title: str, description: str = "", partner: Organisation | None = None
) -> Proposal:
    require_manage(user, "record partnership proposals")
    if not (title or "").strip():
        raise InvalidInput(
            "The proposal cannot be recorded.", errors=[FieldProblem("a proposal needs a title", "title")]
        )
    proposal = Proposal.objects.create(
        delegation=delegation, title=title.strip(), description=description.strip(), partner=partner
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=proposal)
    return proposal


def proposal_set_status(*, user: User, proposal: Proposal, status: str, agreement: Agreement | None = None) -> Proposal:
    require_manage(user, "change partnership proposals")
    problems: list[FieldProblem] = []
    check_choice(status, ProposalStatus, "status", problems)
    raise_problems(problems, "The proposal cannot be changed.")
    before = proposal.status
    proposal.status = status
    if agreement is not None:
        proposal.agreement = agreement
    proposal.save(update_fields=["status", "agreement"])
    audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=proposal, changes={"status": [before, status]})
    return proposal


def follow_up_add(
    *,
    user: User,
    delegation: Delegation,
    title: str,
    owner: User,
    due_date: dt.date,
    proposal: Proposal | None = None,
    note: str = "",
) -> FollowUp:
    """A follow-up action with an owner and a due date."""
    require_manage(user, "assign follow-up actions")
    problems: list[FieldProblem] = []
    if not (title or "").strip():
        problems.append(FieldProblem("say what is to be done", "title"))
    if not owner.is_active:
        problems.append(FieldProblem(f"{owner.username} is not an active user", "owner"))
    elif not owner.has_perm("partnerships.view_delegation"):
        problems.append(FieldProblem(f"{owner.username} cannot see delegations, so cannot own an action", "owner"))
    if proposal is not None and proposal.delegation_id != delegation.pk:
        problems.append(FieldProblem("that proposal belongs to another delegation", "proposal"))
    raise_problems(problems, "The follow-up action cannot be recorded.")
    action = FollowUp.objects.create(
        delegation=delegation, proposal=proposal, title=title.strip(), owner=owner, due_date=due_date, note=note
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=action)
    return action


def follow_up_close(*, user: User, action: FollowUp, status: str, on: dt.date | None = None) -> FollowUp:
    """Mark an open action done or cancelled: its owner or an organiser may."""
    if action.owner_id != user.pk:
        require_manage(user, "close other people's follow-up actions")
    if action.status != ActionStatus.OPEN:
        raise DomainError(f"This action is already {action.get_status_display()}.")
    if status not in (ActionStatus.DONE, ActionStatus.CANCELLED):
        raise InvalidInput(
            "The action cannot be closed.", errors=[FieldProblem('status must be "done" or "cancelled"', "status")]
        )
    action.status = status
    action.done_on = on or timezone.localdate()
    action.save(update_fields=["status", "done_on"])
    audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=action, changes={"status": ["open", status]})
    return action
