"""Reads of partnerships: lists, a delegation with everything that came of it, alerts and country profiles."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, When
from django.utils import timezone

from onconet.core.errors import NotAllowed
from onconet.core.models import Country, Facility
from onconet.core.scoping import AnyUser, get_visible, visible
from onconet.partnerships.models import (
    EUROPEAN_STANDARDS,
    EXPIRY_ALERT_DAYS,
    Accreditation,
    ActionStatus,
    Agreement,
    CountryIndicator,
    Delegation,
    DelegationStatus,
    FollowUp,
    Insight,
    Visit,
)
from onconet.tourism.models import Contract, Partner, Referral


def require(user: AnyUser, permission: str, action: str) -> None:
    if not user.is_authenticated or not user.has_perm(permission):
        raise NotAllowed(f"You are not allowed to {action}.")


def delegations_list(
    *, user: AnyUser, query: str = "", status: str = "", direction: str = "", country: str = ""
) -> QuerySet[Delegation]:
    require(user, "partnerships.view_delegation", "see delegations")
    qs = visible(user, Delegation.objects.select_related("origin__country", "destination__country")).annotate(
        participant_count=Count("participants", distinct=True), visit_count=Count("visits", distinct=True)
    )
    if query:
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(purpose__icontains=query)
            | Q(destination__name__icontains=query)
            | Q(origin__name__icontains=query)
        )
    if status:
        qs = qs.filter(status=status)
    if direction:
        qs = qs.filter(direction=direction)
    if country:
        qs = qs.filter(Q(origin__country__code=country) | Q(destination__country__code=country))
    return qs.prefetch_related("organisers").order_by("-start_date", "title")


def delegation_get(*, user: AnyUser, pk: Any) -> Delegation:
    require(user, "partnerships.view_delegation", "see delegations")
    return get_visible(
        user,
        Delegation.objects.select_related("origin__country", "destination__country", "created_by").prefetch_related(
            "organisers__country",
            "participants__country",
            Prefetch("visits", queryset=Visit.objects.order_by("date", "start_time", "pk")),
            "costs",
            Prefetch("insights", queryset=Insight.objects.select_related("visit", "recorded_by")),
            "proposals__partner",
            "proposals__agreement",
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner", "proposal")),
            "agreements",
        ),
        pk=pk,
    )


@dataclass
class Day:
    date: dt.date
    number: int
    visits: list[Visit] = field(default_factory=list)


def itinerary(delegation: Delegation) -> list[Day]:
    """Every day of the delegation with its visits (days without visits too: travel, rest)."""
    days = [Day(delegation.start_date + dt.timedelta(days=i), i + 1) for i in range(delegation.days)]
    by_date = {d.date: d for d in days}
    for visit in delegation.visits.all():
        if visit.date in by_date:  # the services keep visits inside the dates; never fail the page over one
            by_date[visit.date].visits.append(visit)
    return days


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    spent: Decimal
    budget: Decimal | None

    @property
    def share(self) -> float | None:
        return float(self.spent / self.budget) if self.budget else None


def cost_totals(delegation: Delegation) -> list[CurrencyTotal]:
    """Costs summed per currency, against the budget in the budget's currency (never converted silently)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for cost in delegation.costs.all():
        totals[cost.currency] += cost.amount
    if delegation.budget is not None:
        totals.setdefault(delegation.budget_currency, Decimal(0))
    return [
        CurrencyTotal(c, totals[c], delegation.budget if c == delegation.budget_currency else None)
        for c in sorted(totals)
    ]


def overdue_actions(*, user: AnyUser, today: dt.date | None = None) -> QuerySet[FollowUp]:
    """The user's own open follow-up actions past their due date."""
    if not user.is_authenticated:
        return FollowUp.objects.none()
    today = today or timezone.localdate()
    return (
        FollowUp.objects.filter(owner=user, status=ActionStatus.OPEN, due_date__lt=today)
        .select_related("delegation")
        .order_by("due_date")
    )


def follow_ups_list(*, user: AnyUser, mine: bool = False, status: str = "") -> QuerySet[FollowUp]:
    require(user, "partnerships.view_delegation", "see follow-up actions")
    qs = FollowUp.objects.select_related("delegation", "owner")
    if mine:
        qs = qs.filter(owner_id=user.pk)
    if status:
        qs = qs.filter(status=status)
    open_first = Case(When(status=ActionStatus.OPEN, then=0), default=1)
    return qs.order_by(open_first, "due_date", "pk")


def agreements_list(*, user: AnyUser, kind: str = "", status: str = "") -> QuerySet[Agreement]:
    require(user, "partnerships.view_agreement", "see agreements")
    qs = visible(user, Agreement.objects.prefetch_related("parties__country", "milestones", "contracts"))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "title")


def agreement_get(*, user: AnyUser, pk: Any) -> Agreement:
    require(user, "partnerships.view_agreement", "see agreements")
    return get_visible(
        user,
        Agreement.objects.select_related("delegation", "created_by").prefetch_related(
            "parties__country", "milestones", "contracts__partner", "documents", "proposals"
        ),
        pk=pk,
    )


def accreditations_list(*, user: AnyUser, facility: Any = None, standard: str = "") -> QuerySet[Accreditation]:
    require(user, "partnerships.view_accreditation", "see accreditations")
    qs = visible(user, Accreditation.objects.select_related("facility__region"))
    if facility:
        qs = qs.filter(facility_id=facility)
    if standard:
        qs = qs.filter(standard=standard)
    return qs.order_by("valid_until", "facility__code")


def expiring_accreditations(
    *, user: AnyUser, today: dt.date | None = None, within: int = EXPIRY_ALERT_DAYS
) -> QuerySet[Accreditation]:
    """Accreditations that are valid today and end within `within` days: the alerts."""
    if not user.is_authenticated or not user.has_perm("partnerships.view_accreditation"):
        return Accreditation.objects.none()
    today = today or timezone.localdate()
    return (
        visible(user, Accreditation.objects.select_related("facility"))
        .filter(valid_from__lte=today, valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=within))
        .order_by("valid_until")
    )


@dataclass
class CertifiedFacility:
    facility: Facility
    certificates: list[Accreditation]


def european_certified(today: dt.date | None = None) -> list[CertifiedFacility]:
    """Facilities holding a valid European certification today, for partners ("why come to us")."""
    today = today or timezone.localdate()
    valid = (
        Accreditation.objects.filter(
            standard__in=[s.value for s in EUROPEAN_STANDARDS],
            valid_from__lte=today,
            valid_until__gte=today,
            facility__is_active=True,
        )
        .select_related("facility__region")
        .order_by("facility__name", "standard")
    )
    grouped: dict[int, CertifiedFacility] = {}
    for accreditation in valid:
        item = grouped.setdefault(accreditation.facility_id, CertifiedFacility(accreditation.facility, []))
        item.certificates.append(accreditation)
    return list(grouped.values())


def countries_with_profiles(*, user: AnyUser) -> list[dict[str, Any]]:
    """Countries with indicators, partners or delegations, with counts."""
    require(user, "partnerships.view_countryindicator", "see country profiles")

    indicator_counts = dict(
        CountryIndicator.objects.values_list("country__code").annotate(n=Count("id")).values_list("country__code", "n")
    )
    partner_counts = dict(
        Partner.objects.values_list("country__code").annotate(n=Count("id")).values_list("country__code", "n")
    )
    delegation_counts: dict[str, int] = defaultdict(int)
    for origin, destination in Delegation.objects.values_list("origin__country__code", "destination__country__code"):
        delegation_counts[origin] += 1
        if destination != origin:
            delegation_counts[destination] += 1
    codes = set(indicator_counts) | set(partner_counts) | set(delegation_counts)
    return [
        {
            "country": country,
            "indicators": indicator_counts.get(country.code, 0),
            "partners": partner_counts.get(country.code, 0),
            "delegations": delegation_counts.get(country.code, 0),
        }
        for country in Country.objects.filter(code__in=codes).order_by("name")
    ]


@dataclass
class CountryProfile:
    country: Country
    indicators: list[CountryIndicator]
    partners: list[Any]
    contracts: list[Any]
    referrals: dict[str, int]
    referral_total: int
    delegations: list[Delegation]
    agreements: list[Agreement]


def country_profile(*, user: AnyUser, code: str) -> CountryProfile:
    """A partner country: its sourced indicators and everything OncoNet holds with it."""
    require(user, "partnerships.view_countryindicator", "see country profiles")

    country = get_visible(user, Country.objects.all(), code=code.upper())
    partners = list(visible(user, Partner.objects.filter(country=country)).order_by("name"))
    contracts = (
        list(visible(user, Contract.objects.filter(partner__country=country)).select_related("partner"))
        if user.has_perm("tourism.view_contract")
        else []
    )
    referrals: dict[str, int] = {}
    if user.has_perm("tourism.view_referral"):
        qs = visible(user, Referral.objects.filter(Q(partner__country=country) | Q(patient__citizenship=country)))
        referrals = dict(qs.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    delegations = list(
        Delegation.objects.filter(
            Q(origin__country=country) | Q(destination__country=country) | Q(participants__country=country)
        )
        .distinct()
        .select_related("origin", "destination")
        .order_by("-start_date")
    )
    agreements = list(Agreement.objects.filter(parties__country=country).distinct().order_by("-created_at"))
    return CountryProfile(
        country=country,
        indicators=list(CountryIndicator.objects.filter(country=country).order_by("indicator", "-year")),
        partners=partners,
        contracts=contracts,
        referrals=referrals,
        referral_total=sum(referrals.values()),
        delegations=delegations,
        agreements=agreements,
    )


def upcoming_delegations(*, user: AnyUser, today: dt.date | None = None) -> QuerySet[Delegation]:
    today = today or timezone.localdate()
    return delegations_list(user=user).filter(
        end_date__gte=today,
        status__in=[DelegationStatus.PLANNED, DelegationStatus.CONFIRMED, DelegationStatus.UNDER_WAY],
    )
