"""The support desk: coordinators, interpreters, tasks, message templates and letters."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from onconet.core.models import AuditAction, User
from onconet.core.roles import Role
from onconet.core.scoping import get_visible
from onconet.tourism.letters import letter_languages, letter_pdf, render_letter
from onconet.tourism.models import (
    InterpreterBooking,
    MessageTemplate,
    Referral,
    ReferralState,
    SupportTask,
    TaskKind,
)
from onconet.tourism.selectors import interpreters_speaking

# ---------------------------------------------------------------- the support desk
from onconet.tourism.services.access import require_step


def coordinator_assign(*, user: User, referral: Referral, coordinator: User) -> Referral:
    """Give a referral its coordinator (an international office coordinator)."""
    require_step(user, "assign")
    referral = get_visible(user, Referral.objects.all(), pk=referral.pk)
    if coordinator.role != Role.COORDINATOR or not coordinator.is_active:
        raise InvalidInput("Choose an active international office coordinator.")
    referral.coordinator = coordinator
    referral.save(update_fields=["coordinator"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=referral, changes={"coordinator": [None, coordinator.username]}
    )
    return referral


def interpreter_book(
    *,
    user: User,
    referral: Referral,
    interpreter: User,
    starts_at: datetime,
    ends_at: datetime,
    language: str = "",
    note: str = "",
) -> InterpreterBooking:
    """Book an interpreter who speaks the patient's language and is free then (never twice at once)."""
    require_step(user, "book_interpreter")
    referral = get_visible(user, Referral.objects.select_related("patient"), pk=referral.pk)
    language = (language or referral.patient.preferred_language).lower()
    if interpreter.role != Role.INTERPRETER or not interpreter.is_active:
        raise InvalidInput("Choose an active interpreter.")
    if language not in interpreter.languages:
        raise InvalidInput(
            f"{interpreter} does not speak {language}; they speak {', '.join(interpreter.languages)}.",
            errors=[FieldProblem("language not spoken", "language", language)],
        )
    if ends_at <= starts_at:
        raise InvalidInput(
            "The booking must end after it starts.", errors=[FieldProblem("before the start", "ends_at")]
        )
    with transaction.atomic():
        # lock the interpreter so that two coordinators cannot book the same hour at once
        User.objects.select_for_update().get(pk=interpreter.pk)
        clash = InterpreterBooking.objects.filter(
            interpreter=interpreter, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).first()
        if clash is not None:
            raise DomainError(
                f"{interpreter} is already booked {timezone.localtime(clash.starts_at):%Y-%m-%d %H:%M}–"
                f"{timezone.localtime(clash.ends_at):%H:%M}.",
            )
        booking = InterpreterBooking.objects.create(
            referral=referral,
            interpreter=interpreter,
            language=language,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note,
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=booking)
    return booking


def interpreters_available(*, language: str, starts_at: datetime, ends_at: datetime) -> list[User]:
    """Active interpreters who speak `language` and have no booking overlapping the time."""
    busy = InterpreterBooking.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).values("interpreter")
    return interpreters_speaking(language, exclude=busy)


def task_create(
    *, user: User, referral: Referral, kind: str, title: str, due_on: date, assignee: User | None = None
) -> SupportTask:
    require_step(user, "task")
    referral = get_visible(user, Referral.objects.all(), pk=referral.pk)
    if kind not in TaskKind.values:
        raise InvalidInput(f"Unknown task kind {kind!r}.", errors=[FieldProblem("unknown", "kind", kind)])
    if not title.strip():
        raise InvalidInput("Say what the task is.", errors=[FieldProblem("required", "title")])
    task = SupportTask.objects.create(
        referral=referral, kind=kind, title=title.strip(), due_on=due_on, assignee=assignee or user
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=task)
    return task


def task_done(*, user: User, task: SupportTask) -> SupportTask:
    require_step(user, "task_done")
    task = get_visible(user, SupportTask.objects.all(), pk=task.pk)
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=task, message="done")
    return task


def message_templates_load(*, path: Path | None = None) -> int:
    """Load the bundled letter templates (or a file shaped like reference/message_templates.json)."""

    path = path or Path(__file__).resolve().parent.parent / "reference" / "message_templates.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    for item in items:
        MessageTemplate.objects.update_or_create(
            code=item["code"], language=item["language"], defaults={"subject": item["subject"], "body": item["body"]}
        )
    return len(items)


def letter_generate(
    *, user: User, referral: Referral, code: str, language: str, request: HttpRequest | None = None
) -> tuple[str, bytes, bool]:
    """A letter as PDF: (file name, bytes, whether it fell back to English). The patient's data is in it: audited."""

    referral = get_visible(
        user, Referral.objects.select_related("patient__citizenship", "service", "coordinator"), pk=referral.pk
    )
    if code not in ("visa_invitation", "treatment_invitation", "arrival_instructions"):
        raise NotFound("No such letter.")
    if language not in letter_languages(referral):
        raise InvalidInput(f"Letters of this referral are in {', '.join(letter_languages(referral))}.")
    if (
        code == "visa_invitation"
        and user.role == Role.PARTNER_AGENT
        and referral.state
        in (
            ReferralState.INQUIRY,
            ReferralState.RECORDS_REQUESTED,
            ReferralState.UNDER_REVIEW,
            ReferralState.MORE_INFO,
            ReferralState.DECLINED,
        )
    ):
        raise DomainError("The visa invitation is issued once the referral is accepted.")
    letter = render_letter(referral, code, language)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        obj=referral,
        message=f"letter {code} [{letter.language}]",
        request=request,
    )
    return f"{code}-R{referral.pk}-{letter.language}.pdf", letter_pdf(letter), letter.fell_back
