"""Reads of the core app. Every function takes the user and returns only what that user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onconet.core.models import AuditEntry, Facility, Job, Region
from onconet.core.scoping import AnyUser, require_permission, visible

FACILITY_SORTS = {
    "code": "code",
    "-code": "-code",
    "name": "name",
    "-name": "-name",
    "kind": "kind",
    "-kind": "-kind",
    "region": "region__code",
    "-region": "-region__code",
}


def facilities_list(
    *,
    user: AnyUser,
    region_code: str | None = None,
    kind: str | None = None,
    query: str | None = None,
    sort: str = "region",
) -> QuerySet[Facility]:
    qs = visible(user, Facility.objects.select_related("region", "parent", "located_in"))
    if not user.has_perm("core.view_facility"):  # the directory is for roles that plan or report
        qs = qs.none()
    if region_code:
        qs = qs.filter(region__code__iexact=region_code)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(address__icontains=query))
    return qs.order_by(FACILITY_SORTS.get(sort, "region__code"), "code")


def regions_list(*, user: AnyUser, query: str | None = None, federal_district: str | None = None) -> QuerySet[Region]:
    qs = visible(user, Region.objects.select_related("federal_district", "country"))
    if not user.has_perm("core.view_region"):
        qs = qs.none()
    qs = qs.annotate(facility_count=Count("facilities", filter=Q(facilities__is_active=True)))
    if federal_district:
        qs = qs.filter(federal_district__code=federal_district)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return qs.order_by("code")


def jobs_list(*, user: AnyUser) -> QuerySet[Job]:
    """A user's own jobs; national admins see everyone's."""
    if not user.is_authenticated:
        return Job.objects.none()
    qs = Job.objects.select_related("created_by")
    if user.is_superuser:
        return qs
    return qs.filter(created_by=user)


def audit_entries(
    *,
    user: AnyUser,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    query: str | None = None,
) -> QuerySet[AuditEntry]:
    if not user.is_authenticated or not user.has_perm("core.view_auditentry"):
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.all()
    if actor:
        qs = qs.filter(actor_username__iexact=actor)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if query:
        qs = qs.filter(Q(object_repr__icontains=query) | Q(message__icontains=query))
    return qs


@dataclass(frozen=True)
class Lockout:
    """A username locked out of signing in from one address (django-axes), and until when."""

    username: str
    ip_address: str | None
    failures: int
    last_failure_at: Any
    locked_until: Any


def lockouts_current(*, user: AnyUser) -> list[Lockout]:
    """The sign-in locks in force now, newest first: for the national admins who may lift them."""

    require_permission(user, "core.change_user", action="see sign-in locks")
    cool_off = get_cool_off(None)  # None: a lock lasts until it is lifted
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return [
        Lockout(
            username=attempt.username or "",
            ip_address=attempt.ip_address,
            failures=attempt.failures_since_start,
            last_failure_at=attempt.attempt_time,
            locked_until=attempt.attempt_time + cool_off if cool_off is not None else None,
        )
        for attempt in attempts.order_by("-attempt_time")
    ]
