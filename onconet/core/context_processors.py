"""Template context: the navigation a user's role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onconet.core.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    permission: str | None = None
    roles: frozenset[str] | None = None


NAVIGATION = [
    NavItem(_("Home"), "home", "house"),
    NavItem(_("Regions"), "core:regions", "map", "core.view_region"),
    NavItem(_("Facilities"), "core:facilities", "hospital", "core.view_facility"),
    NavItem(_("Passports"), "passports:list", "clipboard-data", "passports.view_passport"),
    NavItem(_("Analytics"), "analytics:dashboard", "bar-chart-line", "analytics.view_national_analytics"),
    NavItem(_("Referrals"), "tourism:queue", "person-vcard", "tourism.view_referral"),
    NavItem(_("Partners"), "tourism:partners", "globe2", "tourism.view_partner"),
    NavItem(_("Scheduling"), "scheduling:overview", "calendar3", "scheduling.view_schedule"),
    NavItem(_("Partnerships"), "partnerships:home", "people", "partnerships.view_accreditation"),
    NavItem(_("Certified centres"), "partnerships:certified", "patch-check", roles=frozenset({Role.PARTNER_AGENT})),
    NavItem(_("Jobs"), "core:jobs", "hourglass-split", "core.view_job"),
    NavItem(_("Audit log"), "core:audit", "journal-text", "core.view_auditentry"),
    NavItem(_("Sign-in security"), "core:sign_in_security", "shield-lock", "core.change_user"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for item in NAVIGATION:
        if item.permission and not user.has_perm(item.permission):
            continue
        if item.roles is not None and user.role not in item.roles:
            continue
        url = reverse(item.url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return {"nav_items": items, "role_label": Role(user.role).label if user.role else ""}
