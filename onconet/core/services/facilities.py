"""Facilities: registering and changing one, with the checks of its links (parent, building it is located in)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from onconet.core.audit import audit_record, diff, field_snapshot
from onconet.core.errors import FieldProblem, InvalidInput, NotFound
from onconet.core.models import AuditAction, Facility, FacilityKind, Region, User
from onconet.core.scoping import get_visible, require_permission
from onconet.core.services.validation import _problems

# ---------------------------------------------------------------- facilities

FACILITY_FIELDS = [
    "code",
    "name",
    "kind",
    "parent",
    "located_in",
    "address",
    "latitude",
    "longitude",
    "is_active",
]


@dataclass
class FacilityData:
    code: str
    name: str
    kind: str
    parent_id: int | None = None
    located_in_id: int | None = None
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    is_active: bool = True


def _facility_apply(facility: Facility, data: FacilityData, user: User) -> None:
    facility.code = data.code.strip()
    facility.name = data.name.strip()
    facility.kind = data.kind
    facility.address = data.address.strip()
    facility.latitude = data.latitude
    facility.longitude = data.longitude
    facility.is_active = data.is_active
    problems: list[FieldProblem] = []
    for attr, label in (("parent_id", "parent"), ("located_in_id", "located_in")):
        target_id = getattr(data, attr)
        if target_id is None:
            setattr(facility, attr, None)
            continue
        if facility.pk is not None and target_id == facility.pk:
            problems.append(FieldProblem("a facility cannot point to itself", label, target_id))
            continue
        try:
            target = get_visible(user, Facility.objects.all(), pk=target_id)
        except NotFound:
            problems.append(FieldProblem("no such facility", label, target_id))
            continue
        setattr(facility, attr, target.pk)
    if data.kind not in FacilityKind.values:
        problems.append(FieldProblem(f"must be one of {', '.join(FacilityKind.values)}", "kind", data.kind))
    try:
        facility.full_clean(exclude=["region", "parent", "located_in", "kind"])
    except ValidationError as exc:
        problems.extend(_problems(exc))
    if facility.located_in_id and _located_in_cycle(facility):
        problems.append(FieldProblem("this would put a facility inside itself", "located_in", facility.located_in_id))
    if problems:
        raise InvalidInput("The facility is not valid.", errors=problems)


def _located_in_cycle(facility: Facility) -> bool:
    seen = {facility.pk}
    current = facility.located_in_id
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = Facility.objects.filter(pk=current).values_list("located_in_id", flat=True).first()
    return False


def facility_create(*, user: User, region: Region, data: FacilityData, request: HttpRequest | None = None) -> Facility:
    """Register a facility in a region the user may report for."""
    require_permission(user, "core.add_facility", action="add facilities")
    region = get_visible(user, Region.objects.all(), pk=region.pk)
    facility = Facility(region=region)
    _facility_apply(facility, data, user)
    if Facility.objects.filter(region=region, code__iexact=facility.code).exists():
        raise InvalidInput(
            "The facility is not valid.",
            errors=[FieldProblem(f"{region.code} already has a facility with this code", "code", facility.code)],
        )
    with transaction.atomic():
        facility.save()
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=facility,
            changes=diff({}, field_snapshot(facility, FACILITY_FIELDS)),
            request=request,
        )
    return facility


def facility_update(
    *, user: User, facility: Facility, data: FacilityData, request: HttpRequest | None = None
) -> Facility:
    """Change a facility the user may see and edit."""
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    require_permission(user, "core.change_facility", action="change facilities")
    before = field_snapshot(facility, FACILITY_FIELDS)
    _facility_apply(facility, data, user)
    if Facility.objects.filter(region=facility.region, code__iexact=facility.code).exclude(pk=facility.pk).exists():
        raise InvalidInput(
            "The facility is not valid.",
            errors=[FieldProblem("another facility in the region has this code", "code", facility.code)],
        )
    changes = diff(before, field_snapshot(facility, FACILITY_FIELDS))
    if changes:
        with transaction.atomic():
            facility.save()
            audit_record(actor=user, action=AuditAction.UPDATE, obj=facility, changes=changes, request=request)
    return facility
