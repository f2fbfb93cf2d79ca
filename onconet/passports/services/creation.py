"""Starting a region's passport for a year: empty, or as a copy of the previous year's rows."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError
from onconet.core.models import AuditAction, Region, User
from onconet.passports.models import (
    BedGroup,
    ComplianceRecord,
    Equipment,
    Passport,
    PassportEvent,
    PassportFacility,
    StaffMember,
)
from onconet.passports.services.access import _require_region_access
from onconet.passports.services.history import _event

# ---------------------------------------------------------------- creating and copying forward


def passport_create(
    *,
    user: User | None,
    region: Region,
    period: int,
    copy_forward: bool = False,
    request: HttpRequest | None = None,
) -> Passport:
    """Start a region's passport for a year, empty or as a copy of the previous year's."""
    _require_region_access(
        user, region, permission="passports.add_passport", action=f"start passports of {region.code}"
    )
    if Passport.objects.filter(region=region, period=period).exists():
        raise DomainError(f"{region.code} already has a passport for {period}.")
    previous = Passport.objects.filter(region=region, period__lt=period).order_by("-period").first()
    if copy_forward and previous is None:
        raise DomainError(f"{region.code} has no earlier passport to copy from.")
    with transaction.atomic():
        passport = Passport.objects.create(
            region=region,
            period=period,
            population=previous.population if previous else (region.population or 1),
            cancer_incidence=previous.cancer_incidence if previous else None,
            dispensary=previous.dispensary if previous else None,
        )
        if copy_forward and previous is not None:
            _copy_children(previous, passport)
            _event(passport, user, PassportEvent.Action.COPY_FORWARD, comment=f"from {previous.period}")
        else:
            _event(passport, user, PassportEvent.Action.CREATE)
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=passport,
            request=request,
            message=f"copied from {previous.period}" if copy_forward and previous else "",
        )
    return passport


def _copy_children(source: Passport, target: Passport) -> None:
    """Copy last year's rows; the staff get a year older by themselves (birth years do not change)."""
    models_: tuple[type[Any], ...] = (PassportFacility, StaffMember, Equipment, BedGroup, ComplianceRecord)
    for model in models_:
        copies = []
        for row in model.objects.filter(passport=source):
            row.pk = None
            row.passport = target
            copies.append(row)
        model.objects.bulk_create(copies, batch_size=1000)
