"""Reads of the passports app; every list is filtered to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onconet.core.errors import NotFound
from onconet.core.scoping import AnyUser, get_visible, visible
from onconet.passports.models import (
    BedGroup,
    ComplianceRecord,
    ComplianceStatus,
    Equipment,
    Passport,
    PassportEvent,
    PassportFacility,
    StaffMember,
)
from onconet.passports.rules import passport_check

PASSPORT_SORTS = {
    "region": "region__code",
    "-region": "-region__code",
    "period": "period",
    "-period": "-period",
    "status": "status",
    "-status": "-status",
    "updated": "updated_at",
    "-updated": "-updated_at",
}


def passports_list(
    *,
    user: AnyUser,
    period: int | None = None,
    status: str | None = None,
    region_code: str | None = None,
    federal_district: str | None = None,
    sort: str = "-period",
) -> QuerySet[Passport]:
    if not user.is_authenticated or not user.has_perm("passports.view_passport"):
        return Passport.objects.none()
    qs = visible(user, Passport.objects.select_related("region", "region__federal_district"))
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(region__code__iexact=region_code)
    if federal_district:
        qs = qs.filter(region__federal_district__code=federal_district)
    return qs.order_by(PASSPORT_SORTS.get(sort, "-period"), "region__code")


def passport_get(*, user: AnyUser, passport_id: int) -> Passport:
    if not user.is_authenticated or not user.has_perm("passports.view_passport"):
        raise NotFound("No passport matches the given id.")
    return get_visible(user, Passport.objects.select_related("region", "dispensary"), pk=passport_id)


def passport_counts(passport: Passport) -> dict[str, int]:
    return {
        "facilities": PassportFacility.objects.filter(passport=passport).count(),
        "staff": StaffMember.objects.filter(passport=passport).count(),
        "equipment": Equipment.objects.filter(passport=passport).count(),
        "beds": sum(BedGroup.objects.filter(passport=passport).values_list("beds", flat=True)),
        "compliance": ComplianceRecord.objects.filter(passport=passport).count(),
    }


def compliance_score(passport: Passport) -> float | None:
    """Per cent of standards met, a partial counting half; None without any assessment."""
    counts = dict(
        ComplianceRecord.objects.filter(passport=passport)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    if not total:
        return None
    return 100 * (counts.get(ComplianceStatus.MET, 0) + 0.5 * counts.get(ComplianceStatus.PARTIAL, 0)) / total


def passport_history(passport: Passport) -> QuerySet[PassportEvent]:
    return PassportEvent.objects.filter(passport=passport).select_related("actor")


def section_rows(passport: Passport, section: str, *, query: str = "", filter_value: str = "") -> QuerySet[Any]:
    """The rows of one section, with the related records the tables show."""
    if section == "facilities":
        qs: QuerySet[Any] = PassportFacility.objects.filter(passport=passport).select_related(
            "facility", "facility__parent", "facility__located_in"
        )
        if query:
            qs = qs.filter(Q(facility__code__icontains=query) | Q(facility__name__icontains=query))
        if filter_value:
            qs = qs.filter(facility__kind=filter_value)
        return qs
    if section == "staff":
        qs = StaffMember.objects.filter(passport=passport).select_related("facility")
        if query:
            qs = qs.filter(Q(staff_id__icontains=query) | Q(facility__code__icontains=query))
        if filter_value:
            qs = qs.filter(specialty=filter_value)
        return qs
    if section == "equipment":
        qs = Equipment.objects.filter(passport=passport).select_related("facility")
        if query:
            qs = qs.filter(
                Q(equipment_id__icontains=query) | Q(manufacturer__icontains=query) | Q(model__icontains=query)
            )
        if filter_value:
            qs = qs.filter(kind=filter_value)
        return qs
    if section == "beds":
        qs = BedGroup.objects.filter(passport=passport).select_related("facility", "located_in")
        if filter_value:
            qs = qs.filter(profile=filter_value)
        return qs
    qs = ComplianceRecord.objects.filter(passport=passport).select_related("facility", "standard")
    if query:
        qs = qs.filter(Q(standard__code__icontains=query) | Q(facility__code__icontains=query))
    if filter_value:
        qs = qs.filter(status=filter_value)
    return qs


def reporting_period(today: date | None = None) -> tuple[int, date]:
    """The year being reported and its due date: a year's passport is due on PASSPORT_DUE (month, day) of the year
    after; until then the year before is still the one being reported."""
    today = today or timezone.localdate()
    month, day = settings.PASSPORT_DUE
    period = today.year - 1 if (today.month, today.day) < (month, day) else today.year
    return period, date(period + 1, month, day)


@dataclass
class PassportStatusCard:
    """A regional reporter's passport at a glance: the year being reported, its due date and the passport of that
    year (None: not started), its check's errors and warnings, and the last passport before it."""

    period: int
    due: date
    passport: Passport | None
    errors: int
    warnings: int
    previous: Passport | None


def passport_status_card(*, user: AnyUser, today: date | None = None) -> PassportStatusCard | None:
    """For a user who reports for one region: where its passport stands. None for anyone else."""
    if not user.is_authenticated or not user.has_perm("passports.change_passport") or user.region_id is None:
        return None
    period, due = reporting_period(today)
    mine = passports_list(user=user, region_code=None).filter(region_id=user.region_id)
    current = mine.filter(period=period).first()
    previous = mine.filter(period__lt=period).order_by("-period").first()
    findings = passport_check(passport=current) if current is not None else []
    errors = sum(1 for f in findings if f.severity == "error")
    return PassportStatusCard(period, due, current, errors, len(findings) - errors, previous)
