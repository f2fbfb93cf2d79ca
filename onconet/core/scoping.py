"""Which records a user may see: the one mechanism every app uses.

A model opts in by naming the field that ties a record to a region (`scope_region`) or to a partner
organisation (`scope_partner`; which partner an agent works for, tourism tells core with `register_partner_of`).
National roles see everything; a regional reporter sees only its region's region-scoped records; a partner agent
only its partner's partner-scoped records; the international office sees partner records and the facility
directory. A record outside a user's scope is answered exactly like a missing one (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from onconet.core.errors import NotAllowed, NotFound
from onconet.core.models import Region, User
from onconet.core.roles import NATIONAL_ROLES, OFFICE_ROLES, Role

M = TypeVar("M", bound=Model)

AnyUser = User | AnonymousUser


PartnerOf = Callable[[User], "int | None"]
_partner_of: list[PartnerOf] = []


def register_partner_of(resolver: PartnerOf) -> None:
    """The app that owns partner organisations (tourism) tells core which one a partner agent works for; core
    imports no app above it."""
    _partner_of[:] = [resolver]


def partner_id_of(user: AnyUser) -> int | None:
    """The partner organisation a partner agent works for (None for everyone else, or when no app says)."""
    if not user.is_authenticated or not _partner_of:
        return None
    assert isinstance(user, User)
    return _partner_of[0](user)


def visible(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The part of `queryset` that `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    assert isinstance(user, User)
    region_field: str | None = getattr(queryset.model, "scope_region", None)
    partner_field: str | None = getattr(queryset.model, "scope_partner", None)
    if user.is_superuser or user.role in NATIONAL_ROLES:
        return queryset
    if user.role == Role.REGIONAL_REPORTER:
        if region_field:
            return queryset.filter(**{region_field: user.region_id})
        return queryset.none() if partner_field else queryset
    if user.role == Role.PARTNER_AGENT:
        if partner_field:
            partner = partner_id_of(user)
            return queryset.none() if partner is None else queryset.filter(**{partner_field: partner})
        return queryset.none() if region_field else queryset
    if user.role in OFFICE_ROLES:
        return queryset
    return queryset.none()


def get_visible(user: AnyUser, queryset: QuerySet[M], **lookup: Any) -> M:
    """One record `user` may see, or NotFound — also when it exists but lies outside the user's scope."""
    try:
        return visible(user, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No {queryset.model._meta.verbose_name} matches the given id.") from exc


def require_permission(user: AnyUser, permission: str, *, action: str) -> None:
    """Raise NotAllowed unless `user` holds the Django permission (e.g. "core.change_facility")."""
    if not user.is_authenticated or not user.has_perm(permission):
        raise NotAllowed(f"You are not allowed to {action}.")


def may_see_region(user: AnyUser, region_id: int) -> bool:

    return visible(user, Region.objects.filter(pk=region_id)).exists()
