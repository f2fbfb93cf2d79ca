"""Password sign-ins: the name django-axes counts failures under, the audit of each attempt, lifting a lock."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from axes.utils import reset
from django.db import transaction
from django.http import HttpRequest

from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.models import AuditAction, User
from onconet.core.scoping import require_permission

# ---------------------------------------------------------------- logins
# django-axes counts failed passwords and enforces the locks (AXES_* settings): a lock holds for one username from
# one address. These services write the audit log and let a national admin (or the operator) lift a lock.


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """The name axes counts failures under: lower-cased, so that "Admin" and "admin" share one counter."""
    if credentials is not None:
        name = credentials.get("username")
    else:
        name = request.POST.get("username") if request is not None else None
    return name.strip().lower()[:150] if isinstance(name, str) else None


def login_failed(*, username: str, request: HttpRequest) -> bool:
    """Audit a failed sign-in that axes has just counted; True when the username is now locked from this address."""

    locked = bool(getattr(request, "axes_locked_out", False))
    attempt = (
        AccessAttempt.objects.filter(username=login_username(None, {"username": username}))
        .filter(ip_address=get_client_ip_address(request))
        .order_by("-attempt_time")
        .first()
    )
    failures = attempt.failures_since_start if attempt is not None else 0
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="core.user",
        object_repr=username[:255],
        message=f"failure {failures}" + (" — locked" if locked else ""),
        request=request,
    )
    return locked


def login_succeeded(*, user: User, request: HttpRequest | None = None) -> None:
    """Audit a sign-in with the password (axes has already cleared this address's failures, AXES_RESET_ON_SUCCESS)."""
    audit_record(actor=user, action=AuditAction.LOGIN, obj=user, request=request)


def login_unlock(*, actor: User | None, username: str, request: HttpRequest | None = None) -> int:
    """Lift every sign-in lock of a username, from whichever address; audited. Returns how many records were removed.

    `actor` is the national admin doing it, or None for the operator at the server's command line (`onconet unlock`),
    who holds every right already."""

    if actor is not None:
        require_permission(actor, "core.change_user", action="lift sign-in locks")
    name = login_username(None, {"username": username}) or ""
    if not name:
        raise InvalidInput("Name the user to unlock.", errors=[FieldProblem("must not be empty", "username")])
    target = User.objects.filter(username__iexact=name).first()
    with transaction.atomic():
        removed = reset(username=name)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="core.user",
            object_id=str(target.pk) if target is not None else "",
            object_repr=target.get_username() if target is not None else name,
            changes={"failed_sign_ins": [removed, 0]} if removed else {},
            message="sign-in lock lifted" + ("" if actor is not None else " from the command line"),
            request=request,
        )
    return removed
