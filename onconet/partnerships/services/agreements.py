"""Agreements between organisations: recording them, linking them to the international office's contracts, their
milestones and their attached documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import FieldProblem, InvalidInput, raise_problems
from onconet.core.models import User
from onconet.core.uploads import checked_document
from onconet.partnerships.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementStatus,
    Delegation,
    Milestone,
    Organisation,
)
from onconet.partnerships.services.common import check_choice, require_manage


def agreement_create(
    *,
    user: User,
    title: str,
    kind: str,
    parties: Iterable[Organisation],
    status: str = AgreementStatus.DRAFT,
    signed_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    summary: str = "",
    delegation: Delegation | None = None,
) -> Agreement:
    require_manage(user, "record agreements")
    problems: list[FieldProblem] = []
    parties = list(dict.fromkeys(parties))  # the same organisation twice is one party
    if not (title or "").strip():
        problems.append(FieldProblem("an agreement needs a title", "title"))
    check_choice(kind, AgreementKind, "kind", problems)
    check_choice(status, AgreementStatus, "status", problems)
    if len(parties) < 2:
        problems.append(FieldProblem("an agreement has at least two parties", "parties"))
    if valid_from and valid_until and valid_until < valid_from:
        problems.append(FieldProblem(f"it ends on {valid_until}, before it starts on {valid_from}", "valid_until"))
    raise_problems(problems, "The agreement cannot be recorded.")
    with transaction.atomic():
        agreement = Agreement.objects.create(
            title=title.strip(),
            kind=kind,
            status=status,
            signed_on=signed_on,
            valid_from=valid_from,
            valid_until=valid_until,
            summary=summary,
            delegation=delegation,
            created_by=user,
        )
        agreement.parties.set(parties)
        audit_record(actor=user, action=AuditAction.CREATE, obj=agreement)
    return agreement


def agreement_link_contract(*, user: User, agreement: Agreement, contract: Any) -> Agreement:
    """Record that an agreement led to a contract of the international office."""
    require_manage(user, "link agreements to contracts")
    if agreement.contracts.filter(pk=contract.pk).exists():
        return agreement
    agreement.contracts.add(contract)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=agreement, message=f"led to contract {contract.number}")
    return agreement


def milestone_add(
    *, user: User, agreement: Agreement, title: str, planned_date: dt.date, responsible: str
) -> Milestone:
    require_manage(user, "plan milestones")
    problems: list[FieldProblem] = []
    if not (title or "").strip():
        problems.append(FieldProblem("a milestone needs a title", "title"))
    if not (responsible or "").strip():
        problems.append(FieldProblem("name who is responsible", "responsible"))
    raise_problems(problems, "The milestone cannot be added.")
    milestone = Milestone.objects.create(
        agreement=agreement, title=title.strip(), planned_date=planned_date, responsible=responsible.strip()
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=milestone)
    return milestone


def milestone_reach(*, user: User, milestone: Milestone, actual_date: dt.date) -> Milestone:
    """Record the day a milestone was reached (not a day still to come)."""
    require_manage(user, "record milestones")
    if actual_date > timezone.localdate():
        problem = FieldProblem(f"{actual_date} is still to come: record a milestone once it is reached", "actual_date")
        raise InvalidInput("The milestone cannot be recorded.", errors=[problem])
    before = milestone.actual_date
    milestone.actual_date = actual_date
    milestone.save(update_fields=["actual_date"])
    changes = {"actual_date": [str(before) if before else None, str(actual_date)]}
    audit_record(actor=user, action=AuditAction.UPDATE, obj=milestone, changes=changes)
    return milestone


def agreement_document_add(*, user: User, agreement: Agreement, title: str, data: bytes, filename: str) -> Any:
    """Attach a signed text, an annex or minutes (PDF/PNG/JPEG, at most 10 MiB, judged by content)."""

    require_manage(user, "attach agreement documents")
    if not (title or "").strip():
        raise InvalidInput("Give the document a title.", errors=[FieldProblem("a document needs a title", "title")])
    content_type, safe = checked_document(data, filename)
    with transaction.atomic():
        document = AgreementDocument(
            agreement=agreement, title=title.strip(), content_type=content_type, size=len(data), uploaded_by=user
        )
        document.file.save(safe, ContentFile(data), save=False)
        document.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=document)
    return document
