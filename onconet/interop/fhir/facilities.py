"""Organization and Location (IHE mCSD): the facility directory."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.location import Location
from fhir.resources.organization import Organization

from onconet.core.models import Facility
from onconet.core.scoping import AnyUser, visible
from onconet.interop.fhir.common import CODES, SYSTEM, need, validated

# ---------------------------------------------------------------- Organization and Location (mCSD)


def organization(f: Facility, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(f.pk),
        "identifier": [{"system": f"{SYSTEM}/facility", "value": f"{f.region.code}/{f.code}"}],
        "active": f.is_active,
        "type": [
            {"coding": [{"system": f"{CODES}/facility-kind", "code": f.kind, "display": str(f.get_kind_display())}]}
        ],
        "name": f.name,
        "partOf": {"reference": f"Organization/{f.parent.pk}", "display": f.parent.name} if f.parent else None,
    }
    return validated(Organization, data)


def location(f: Facility, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(f.pk),
        "identifier": [{"system": f"{SYSTEM}/facility", "value": f"{f.region.code}/{f.code}"}],
        "status": "active" if f.is_active else "inactive",
        "name": f.name,
        "mode": "instance",
        "address": {"text": f.address, "state": f.region.code, "country": "RU"} if f.address else None,
        "position": {"latitude": f.latitude, "longitude": f.longitude}
        if f.latitude is not None and f.longitude is not None
        else None,
        "managingOrganization": {"reference": f"Organization/{f.pk}"},
        "partOf": {"reference": f"Location/{f.located_in.pk}", "display": f.located_in.name} if f.located_in else None,
    }
    return validated(Location, data)


def facilities(user: AnyUser) -> QuerySet[Facility]:
    need(user, "core.view_facility", "facilities")
    return visible(user, Facility.objects.select_related("region", "parent", "located_in")).order_by("pk")


def facilities_by_identifier(qs: QuerySet[Facility], system: str | None, value: str) -> QuerySet[Facility]:
    if system not in (None, f"{SYSTEM}/facility") or "/" not in value:
        return qs.filter(code=value) if system is None else qs.none()
    region, code = value.split("/", 1)
    return qs.filter(region__code=region, code=code)
