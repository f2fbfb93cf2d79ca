"""Template context: the navigation a user's role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
    NavItem(pgettext_lazy("navigation", "Facilities"), "core:facilities", "hospital", "core.view_facility"),
    NavItem(_("Passports"), "passports:list", "clipboard-data", "passports.view_passport"),
    NavItem(_("Analytics"), "analytics:dashboard", "bar-chart-line", "analytics.view_national_analytics"),
    NavItem(_("Referrals"), "tourism:queue", "person-vcard", "tourism.view_referral"),
    NavItem(_("Partners"), "tourism:partners", "globe2", "tourism.view_partner"),
    NavItem(pgettext_lazy("navigation", "Scheduling"), "scheduling:overview", "calendar3", "scheduling.view_schedule"),
    NavItem(_("Partnerships"), "partnerships:home", "people", "partnerships.view_accreditation"),
    NavItem(_("Certified centres"), "partnerships:certified", "patch-check", roles=frozenset({Role.PARTNER_AGENT})),
    NavItem(_("Jobs"), "core:jobs", "hourglass-split", "core.view_job"),
]
# Tools of the few, in the user menu: the top bar keeps to the work everyone does (and fits 1280 px in Russian).
TOOLS = [
    NavItem(_("Audit log"), "core:audit", "journal-text", "core.view_auditentry"),
    NavItem(_("Sign-in security"), "core:sign_in_security", "shield-lock", "core.change_user"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": _allowed(NAVIGATION, user, request.path),
        "tool_items": _allowed(TOOLS, user, request.path),
        "role_label": Role(user.role).label if user.role else "",
    }


def _allowed(entries: list[NavItem], user: Any, path: str) -> list[dict[str, Any]]:
    items = []
    for item in entries:
        if item.permission and not user.has_perm(item.permission):
            continue
        if item.roles is not None and user.role not in item.roles:
            continue
        url = reverse(item.url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items
