"""Reads of the international office. A partner agent only ever sees its own partner's records."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onconet.core.errors import NotFound
from onconet.core.models import User
from onconet.core.scoping import AnyUser, get_visible, visible
from onconet.tourism.models import Partner, PartnerContact, Referral
from onconet.tourism.workflow import SLA_WORKING_DAYS, TRANSITIONS


def partners_list(
    *, user: AnyUser, country: str | None = None, kind: str | None = None, query: str | None = None
) -> QuerySet[Partner]:
    qs = visible(user, Partner.objects.select_related("country")).annotate(contact_count=Count("contacts"))
    if country:
        qs = qs.filter(country__code__iexact=country)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(city__icontains=query))
    return qs.order_by("name")


def partner_contacts(*, user: AnyUser, partner: Partner) -> QuerySet[PartnerContact]:
    return visible(user, PartnerContact.objects.filter(partner=partner))


def referrals_list(*, user: AnyUser, state: str | None = None) -> QuerySet[Referral]:
    if not user.is_authenticated or not user.has_perm("tourism.view_referral"):
        return Referral.objects.none()
    qs = visible(user, Referral.objects.select_related("patient", "service", "partner"))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("state_changed_at")


def referral_get(*, user: AnyUser, referral_id: int) -> Referral:
    if not user.is_authenticated or not user.has_perm("tourism.view_referral"):
        raise NotFound("No referral matches the given id.")
    return get_visible(
        user, Referral.objects.select_related("patient", "service", "partner", "contract"), pk=referral_id
    )


def working_days_between(start: date, end: date) -> int:
    """Monday-to-Friday days after `start` up to and including `end`."""
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


def is_overdue(referral: Referral, today: date | None = None) -> bool:
    """Past the service-level target of its current state."""
    target = SLA_WORKING_DAYS.get(referral.state)  # type: ignore[call-overload]
    if target is None:
        return False
    since = timezone.localdate(referral.state_changed_at)
    return working_days_between(since, today or timezone.localdate()) > target


def transitions_for(user: User, referral: Referral) -> list[str]:
    """The transitions this user may make now."""
    return [t.name for t in TRANSITIONS.values() if referral.state in t.sources and user.role in t.roles]
