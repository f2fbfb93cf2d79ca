"""The catalogue of standards that compliance rows are assessed against."""

from __future__ import annotations

from django.db import transaction

from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.models import AuditAction, User
from onconet.core.scoping import require_permission
from onconet.passports.models import Standard

# ---------------------------------------------------------------- the standards catalogue


def standard_save(*, user: User, code: str, title: str, description: str = "", is_active: bool = True) -> Standard:
    """Create or change a standard of the catalogue (national admins)."""
    require_permission(user, "passports.change_standard", action="edit the standards catalogue")
    code = code.strip().upper()
    problems = []
    if not code or len(code) > 40:
        problems.append(FieldProblem("1 to 40 characters", "code", code))
    if not title.strip():
        problems.append(FieldProblem("must not be empty", "title", title))
    if problems:
        raise InvalidInput("The standard is not valid.", errors=problems)
    with transaction.atomic():
        standard, created = Standard.objects.update_or_create(
            code=code, defaults={"title": title.strip(), "description": description, "is_active": is_active}
        )
        audit_record(actor=user, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=standard)
    return standard
