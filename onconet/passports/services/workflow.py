"""The approval state machine: submit, approve, return with a comment, re-open with a reason."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.errors import DomainError, FieldProblem, InvalidInput
from onconet.core.models import User
from onconet.core.transitions import Moved, StateMachine, step
from onconet.passports.models import Passport, PassportStatus
from onconet.passports.rules import passport_check
from onconet.passports.services.history import _event

# ---------------------------------------------------------------- the approval state machine
# draft → submitted → approved; submitted → draft (returned, with a comment); approved → draft (re-opened,
# with a reason). Each transition checks the state and the actor, and is written to the history and the audit log.


def _history(moved: Moved[Passport]) -> None:
    _event(moved.obj, moved.actor, moved.step.name, before=moved.before, comment=moved.comment)


PASSPORTS = StateMachine(
    Passport,
    noun="passport",
    event=_history,
    labels={"submit": _("Submitted"), "approve": _("Approved"), "return": _("Returned"), "reopen": _("Reopened")},
    steps=(
        step("submit", {PassportStatus.DRAFT}, PassportStatus.SUBMITTED, permission="passports.submit_passport"),
        step("approve", {PassportStatus.SUBMITTED}, PassportStatus.APPROVED, permission="passports.approve_passport"),
        step("return", {PassportStatus.SUBMITTED}, PassportStatus.DRAFT, permission="passports.approve_passport"),
        step("reopen", {PassportStatus.APPROVED}, PassportStatus.DRAFT, permission="passports.reopen_passport"),
    ),
)


def _move(
    passport: Passport,
    user: User,
    name: str,
    *,
    comment: str = "",
    request: HttpRequest | None = None,
    guard: Callable[[Passport], None] | None = None,
) -> Passport:
    def stamp(row: Passport) -> None:
        if guard is not None:
            guard(row)
        now = timezone.now()
        if PASSPORTS[name].target == PassportStatus.SUBMITTED:
            row.submitted_at = now
        if PASSPORTS[name].target == PassportStatus.APPROVED:
            row.approved_at = now

    return PASSPORTS.move(
        passport,
        name=name,
        actor=user,
        queryset=Passport.objects.select_related("region"),
        guard=stamp,
        comment=comment,
        request=request,
    )


def passport_submit(*, passport: Passport, user: User, request: HttpRequest | None = None) -> Passport:
    """Send a draft for approval; refused while any error-level rule fails."""

    def no_errors(row: Passport) -> None:
        errors = [finding for finding in passport_check(passport=row) if finding.severity == "error"]
        if errors:
            raise DomainError(
                f"The passport has {len(errors)} error(s) to fix before it can be submitted.",
                errors=errors,
            )

    return _move(passport, user, "submit", request=request, guard=no_errors)


def passport_approve(
    *, passport: Passport, user: User, comment: str = "", request: HttpRequest | None = None
) -> Passport:
    return _move(passport, user, "approve", comment=comment, request=request)


def _require_comment(comment: str, what: str) -> str:
    comment = comment.strip()
    if not comment:
        raise InvalidInput(f"Say {what}.", errors=[FieldProblem("must not be empty", "comment")])
    return comment


def passport_return(*, passport: Passport, user: User, comment: str, request: HttpRequest | None = None) -> Passport:
    """Send a submitted passport back to its reporter with a comment saying what to fix."""
    comment = _require_comment(comment, "what the reporter should correct")
    return _move(passport, user, "return", comment=comment, request=request)


def passport_reopen(*, passport: Passport, user: User, reason: str, request: HttpRequest | None = None) -> Passport:
    """Unlock an approved passport (national admins, with a reason)."""
    reason = _require_comment(reason, "why the approved passport is re-opened")
    return _move(passport, user, "reopen", comment=reason, request=request)
