"""Partner organisations, their contacts and their agents."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.models import AuditAction, Country, User
from onconet.core.reference_data import is_language_code
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.services import user_create
from onconet.tourism.models import (
    Partner,
    PartnerAgent,
    PartnerContact,
    PartnerKind,
)


def partner_create(
    *, user: User, name: str, kind: str, country_code: str, city: str = "", email: str = "", website: str = ""
) -> Partner:
    """Register a partner organisation."""
    require_permission(user, "tourism.add_partner", action="add partner organisations")
    country = Country.objects.filter(code__iexact=country_code).first()
    problems = []
    if country is None:
        problems.append(FieldProblem("not an ISO 3166-1 alpha-2 country code", "country", country_code))
    if kind not in PartnerKind.values:
        problems.append(FieldProblem(f"must be one of {', '.join(PartnerKind.values)}", "kind", kind))
    if problems:
        raise InvalidInput("The partner is not valid.", errors=problems)
    partner = Partner(name=name.strip(), kind=kind, country=country, city=city, email=email, website=website)
    try:
        partner.full_clean()
    except ValidationError as exc:
        raise InvalidInput(
            "The partner is not valid.",
            errors=[FieldProblem(" ".join(m), f) for f, m in exc.message_dict.items()],
        ) from exc
    with transaction.atomic():
        partner.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=partner)
    return partner


def partner_contact_add(
    *,
    user: User,
    partner: Partner,
    name: str,
    position: str = "",
    email: str = "",
    phone: str = "",
    language: str = "",
    request: HttpRequest | None = None,
) -> PartnerContact:
    """Add a contact person to a partner the user may see and edit."""
    partner = get_visible(user, Partner.objects.all(), pk=partner.pk)
    require_permission(user, "tourism.add_partnercontact", action="add partner contacts")
    problems = []
    if language and not is_language_code(language):
        problems.append(FieldProblem("not an ISO 639 language code", "language", language))
    contact = PartnerContact(
        partner=partner,
        name=name.strip(),
        position=position,
        email=email,
        phone=phone,
        language=language.lower(),
    )
    try:
        contact.full_clean()
    except ValidationError as exc:
        problems.extend(FieldProblem(" ".join(m), f) for f, m in exc.message_dict.items())
    if problems:
        raise InvalidInput("The contact is not valid.", errors=problems)
    with transaction.atomic():
        contact.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=contact, request=request)
    return contact


def partner_agent_link(
    *, actor: User | None, user: User, partner: Partner, request: HttpRequest | None = None
) -> PartnerAgent:
    """Say which partner organisation a partner agent works for (or move it to another): only users in the
    partner-agent role, by those who may change users (None: set-up and the demo). Locked and audited."""
    if actor is not None:
        require_permission(actor, "core.change_user", action="change users")
    if user.role != Role.PARTNER_AGENT:
        raise InvalidInput(
            "Only a partner agent works for a partner organisation.",
            errors=[FieldProblem("not a partner agent", "role", user.role)],
        )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        link = PartnerAgent.objects.filter(user=user).first()
        before = link.partner_id if link else None
        if link is None:
            link = PartnerAgent.objects.create(user=user, partner=partner)
        elif link.partner_id != partner.pk:
            link.partner = partner
            link.save(update_fields=["partner"])
        if before != partner.pk and actor is not None:  # set-up, like user_create, is not a change to log
            audit_record(
                actor=actor,
                action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
                obj=link,
                changes={"partner": [before, partner.pk]},
                request=request,
            )
    user.agency = link  # the caller's user object knows its partner from now on
    return link


def partner_agent_create(*, partner: Partner, **user_fields: Any) -> User:
    """A user in the partner-agent role working for `partner` (set-up, the demo and tests): one transaction."""
    with transaction.atomic():
        user = user_create(role=Role.PARTNER_AGENT, linked=True, **user_fields)
        partner_agent_link(actor=None, user=user, partner=partner)
    return user
