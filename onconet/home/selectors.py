"""What each role's home page shows: reads across the apps (this app sits above all of them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from onconet.analytics.selectors import Alerts, alerts
from onconet.core.models import AuditEntry, Facility, FacilityKind, Job, Region, User
from onconet.core.roles import NATIONAL_ROLES, Role
from onconet.core.scoping import visible
from onconet.core.selectors import jobs_list
from onconet.partnerships.selectors import expiring_accreditations, overdue_actions
from onconet.passports.selectors import PassportStatusCard, passport_status_card
from onconet.tourism.models import Partner
from onconet.tourism.selectors import WorkList, office_work


@dataclass
class Dashboard:
    role: str
    tiles: list[tuple[str, Any]] = field(default_factory=list)
    facility_kinds: list[tuple[Any, int]] = field(default_factory=list)
    region: Region | None = None
    recent_jobs: list[Job] = field(default_factory=list)
    recent_audit: list[AuditEntry] = field(default_factory=list)
    overdue_actions: list[Any] = field(default_factory=list)  # the user's own, from partnerships
    expiring_accreditations: list[Any] = field(default_factory=list)
    work: list[WorkList] = field(default_factory=list)  # what waits for an office role or a partner agent
    passport: PassportStatusCard | None = None  # a regional reporter's passport
    alerts: Alerts | None = None  # the national analyst's


def dashboard_for(*, user: User) -> Dashboard:
    """What the home page shows, by role."""
    board = Dashboard(role=user.role)
    facilities = visible(user, Facility.objects.filter(is_active=True))
    kind_counts = dict(facilities.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    board.facility_kinds = [(label, kind_counts.get(value, 0)) for value, label in FacilityKind.choices]
    regions = visible(user, Region.objects.all())
    partners = visible(user, Partner.objects.select_related("country"))
    if user.role in NATIONAL_ROLES:
        board.tiles = [
            ("regions", regions.count()),
            ("facilities", facilities.count()),
            ("partners", partners.count()),
            ("users", User.objects.filter(is_active=True).count()),
        ]
    elif user.role == Role.REGIONAL_REPORTER:
        board.region = regions.select_related("federal_district").first()
        board.tiles = [("facilities", facilities.count())]
    board.work = office_work(user=user)
    board.passport = passport_status_card(user=user)
    if user.role == Role.NATIONAL_ANALYST:
        board.alerts = alerts()
    board.recent_jobs = list(jobs_list(user=user)[:5])
    board.overdue_actions = list(overdue_actions(user=user))
    board.expiring_accreditations = list(expiring_accreditations(user=user)[:5])
    if user.has_perm("core.view_auditentry"):
        board.recent_audit = list(AuditEntry.objects.all()[:8])
    return board
