"""Who may write a region's passport, and whether the passport may be changed in its current state."""

from __future__ import annotations

from onconet.core.errors import DomainError, NotAllowed
from onconet.core.models import Region, User
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.passports.models import Passport, PassportStatus

# ---------------------------------------------------------------- access


def _require_region_access(user: User | None, region: Region, *, permission: str, action: str) -> None:
    """`user` None is the command line / the system, which may do anything."""
    if user is None:
        return
    require_permission(user, permission, action=action)
    if user.role == Role.REGIONAL_REPORTER and user.region_id != region.pk:
        own = user.region.code if user.region else "no region"
        raise NotAllowed(f"You report for {own}; this is {region.code}'s passport.")
    get_visible(user, Region.objects.all(), pk=region.pk)


def _require_editable(passport: Passport, *, doing: str) -> None:
    if passport.status == PassportStatus.APPROVED:
        raise DomainError(
            f"The {passport.region.code} passport for {passport.period} is approved and locked; "
            f"a national admin must re-open it before {doing}."
        )
    if passport.status == PassportStatus.SUBMITTED:
        raise DomainError(
            f"The {passport.region.code} passport for {passport.period} is submitted and awaits review; "
            f"it can be changed again once the national centre returns it."
        )
