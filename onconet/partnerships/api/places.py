"""Cities and organisations that delegations travel between and meet."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Schema

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.scoping import get_visible
from onconet.partnerships import services
from onconet.partnerships.api.common import manager, router
from onconet.partnerships.models import (
    City,
    Organisation,
    OrganisationKind,
)


class CityOut(Schema):
    id: int
    name: str
    country: str = Field(..., alias="country.code", description="ISO 3166-1 alpha-2")
    latitude: Decimal
    longitude: Decimal
    timezone: str = Field(..., description="IANA time zone")


class CityIn(StrictSchema):
    name: str = Field(..., max_length=120)
    country: str = Field(..., max_length=2, description="ISO 3166-1 alpha-2")
    latitude: Decimal = Field(..., description="WGS 84, −90 … 90")
    longitude: Decimal = Field(..., description="WGS 84, −180 … 180")
    timezone: str = Field("UTC", max_length=60, description="IANA time zone, e.g. Europe/Paris")


class OrganisationOut(Schema):
    id: int
    name: str
    kind: OrganisationKind
    country: str = Field(..., alias="country.code")
    city: str
    website: str
    facility_id: int | None


class OrganisationIn(StrictSchema):
    name: str = Field(..., max_length=255)
    kind: OrganisationKind
    country: str = Field(..., max_length=2, description="ISO 3166-1 alpha-2")
    city: str = Field("", max_length=120)
    facility: int | None = Field(None, description="id of our facility this organisation is")


@router.post(
    "/cities",
    response={200: CityOut, **ERRORS},
    summary="Record a city (or return the existing one of that name and country)",
)
def city_create(request: HttpRequest, payload: CityIn) -> City:
    return services.city_get_or_create(user=request_user(request), **payload.model_dump())


@router.post(
    "/organisations",
    response={200: OrganisationOut, **ERRORS},
    summary="Record an organisation (or return the existing one of that name and country)",
)
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Organisation:
    user = manager(request, "record organisations")
    facility = get_visible(user, Facility.objects.all(), pk=payload.facility) if payload.facility else None
    return services.organisation_get_or_create(
        user=user,
        name=payload.name,
        kind=payload.kind,
        country=payload.country,
        city=payload.city,
        facility=facility,
    )


# ================================================================ delegations
