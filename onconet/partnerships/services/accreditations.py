"""Accreditations and certificates of facilities, with the certificate file."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import FieldProblem, InvalidInput, raise_problems
from onconet.core.models import Facility, User
from onconet.core.scoping import get_visible, require_permission
from onconet.core.uploads import checked_document
from onconet.partnerships.models import Accreditation, Standard
from onconet.partnerships.services.common import check_choice


def accreditation_add(
    *,
    user: User,
    facility: Facility,
    standard: str,
    issuing_body: str,
    valid_from: dt.date,
    valid_until: dt.date,
    scope: str,
    certificate_number: str = "",
    document: tuple[bytes, str] | None = None,
) -> Accreditation:
    """An accreditation or certificate of a facility the user may see, with the certificate as a file
    (`document` = (content, file name); PDF/PNG/JPEG, at most 10 MiB)."""
    require_permission(user, "partnerships.manage_accreditations", action="record accreditations")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    problems: list[FieldProblem] = []
    check_choice(standard, Standard, "standard", problems)
    if not (issuing_body or "").strip():
        problems.append(FieldProblem("name the issuing body", "issuing_body"))
    if not (scope or "").strip():
        problems.append(FieldProblem("describe the scope", "scope"))
    if valid_until < valid_from:
        problems.append(
            FieldProblem(f"it ends on {valid_until}, before it starts on {valid_from}", "valid_until", str(valid_until))
        )
    upload: tuple[str, str] | None = None
    if document is not None:
        try:
            upload = checked_document(document[0], document[1])
        except InvalidInput as exc:
            problems.append(FieldProblem(exc.detail, "document"))
    raise_problems(problems, "The accreditation cannot be recorded.")
    with transaction.atomic():
        accreditation = Accreditation(
            facility=facility,
            standard=standard,
            issuing_body=issuing_body.strip(),
            certificate_number=certificate_number.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            scope=scope.strip(),
            created_by=user,
        )
        if document is not None and upload is not None:
            accreditation.document_type = upload[0]
            accreditation.document.save(upload[1], ContentFile(document[0]), save=False)
        accreditation.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=accreditation)
    return accreditation
