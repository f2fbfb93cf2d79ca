"""Cities (with WGS 84 coordinates and time zone) and organisations that delegations travel between and visit."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import FieldProblem, raise_problems
from onconet.core.models import Facility, User
from onconet.partnerships.models import City, Organisation, OrganisationKind
from onconet.partnerships.services.common import check_choice, check_country, check_decimal, require_manage


def city_get_or_create(
    *, user: User, name: str, country: str, latitude: Any, longitude: Any, timezone: str = "UTC"
) -> City:
    """A city with WGS 84 coordinates (latitude −90…90, longitude −180…180) and its IANA time zone."""
    require_manage(user, "record cities")
    problems: list[FieldProblem] = []
    if timezone not in available_timezones():
        problems.append(FieldProblem(f'"{timezone}" is not an IANA time zone such as Europe/Paris', "timezone"))
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem("a city needs a name", "name"))
    where = check_country(country, "country", problems)
    lat = check_decimal(latitude, "latitude", problems)
    lon = check_decimal(longitude, "longitude", problems)
    if lat is not None and not -90 <= lat <= 90:
        problems.append(
            FieldProblem(f"latitude {lat} is out of range: it must be between -90 and 90", "latitude", str(lat))
        )
    if lon is not None and not -180 <= lon <= 180:
        problems.append(
            FieldProblem(f"longitude {lon} is out of range: it must be between -180 and 180", "longitude", str(lon))
        )
    raise_problems(problems, "The city cannot be recorded.")
    assert where is not None
    assert lat is not None
    assert lon is not None
    city, created = City.objects.get_or_create(
        country=where,
        name=name,
        defaults={"latitude": round(lat, 6), "longitude": round(lon, 6), "timezone": timezone},
    )
    if created:
        audit_record(actor=user, action=AuditAction.CREATE, obj=city)
        return city
    after = {"latitude": round(lat, 6), "longitude": round(lon, 6), "timezone": timezone}
    changes = {
        key: [str(getattr(city, key)), str(value)] for key, value in after.items() if getattr(city, key) != value
    }
    if changes:
        for key, value in after.items():
            setattr(city, key, value)
        city.save(update_fields=list(after))
        audit_record(actor=user, action=AuditAction.UPDATE, obj=city, changes=changes)
    return city


def organisation_get_or_create(
    *, user: User, name: str, kind: str, country: str, city: str = "", facility: Facility | None = None
) -> Organisation:
    require_manage(user, "record organisations")
    problems: list[FieldProblem] = []
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem("an organisation needs a name", "name"))
    check_choice(kind, OrganisationKind, "kind", problems)
    where = check_country(country, "country", problems)
    raise_problems(problems, "The organisation cannot be recorded.")
    organisation, created = Organisation.objects.get_or_create(
        country=where, name=name, defaults={"kind": kind, "city": city, "facility": facility}
    )
    if created:
        audit_record(actor=user, action=AuditAction.CREATE, obj=organisation)
    return organisation
