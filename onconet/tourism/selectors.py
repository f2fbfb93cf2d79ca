"""Reads of the international office. A partner agent only ever sees its own partner's records."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from onconet.core.scoping import AnyUser, visible
from onconet.tourism.models import Partner, PartnerContact


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
