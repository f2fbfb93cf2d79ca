"""Accreditations of facilities, and the certified facilities shown to partners."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.pagination import BoundedPagination
from onconet.partnerships import selectors, services
from onconet.partnerships.api.common import router
from onconet.partnerships.models import (
    Standard,
)


class AccreditationOut(Schema):
    id: int
    facility_id: int
    facility: str = Field(..., alias="facility.code", description="facility code")
    facility_name: str = Field(..., alias="facility.name")
    standard: Standard
    european: bool = Field(..., description="recognised by European partners")
    issuing_body: str
    certificate_number: str
    valid_from: dt.date
    valid_until: dt.date
    scope: str


class AccreditationFilters(Schema):
    facility: int | None = Field(None, description="facility id")
    standard: Standard | None = None
    expiring: bool = Field(False, description="only those valid today that end within 90 days")


class AccreditationIn(StrictSchema):
    facility: int = Field(..., description="facility id")
    standard: Standard
    issuing_body: str = Field(..., max_length=255)
    valid_from: dt.date
    valid_until: dt.date
    scope: str
    certificate_number: str = Field("", max_length=80)


@router.get(
    "/accreditations",
    response={200: list[AccreditationOut], **ERRORS},
    summary="Accreditations of the facilities you may see (?expiring=true: those ending within 90 days)",
)
@paginate(BoundedPagination, page_size=100)
def accreditations(request: HttpRequest, filters: Query[AccreditationFilters]) -> Any:
    user = request_user(request)
    if not filters.expiring:
        return selectors.accreditations_list(user=user, facility=filters.facility, standard=filters.standard or "")
    # expiring_accreditations answers nothing (rather than 403) to those who may not see accreditations
    selectors.require(user, "partnerships.view_accreditation", "see accreditations")
    rows = selectors.expiring_accreditations(user=user)
    if filters.facility:
        rows = rows.filter(facility_id=filters.facility)
    if filters.standard:
        rows = rows.filter(standard=filters.standard)
    return rows


@router.post("/accreditations", response={201: AccreditationOut, **ERRORS}, summary="Record an accreditation")
def accreditation_add(request: HttpRequest, payload: AccreditationIn) -> Status[Any]:
    # Only the id goes to the service: it checks the permission first, then looks the facility up within the
    # caller's scope (404 outside it, like a missing one).
    return Status(
        201,
        services.accreditation_add(
            user=request_user(request),
            facility=Facility(pk=payload.facility),
            **payload.model_dump(exclude={"facility"}),
        ),
    )


class CertificateOut(Schema):
    standard: Standard
    standard_name: str
    issuing_body: str
    certificate_number: str
    valid_from: dt.date
    valid_until: dt.date

    @staticmethod
    def resolve_standard_name(obj: Any) -> str:
        return str(obj.get_standard_display())


class CertifiedFacilityOut(Schema):
    facility_id: int
    code: str
    name: str
    region: str
    certificates: list[CertificateOut]


@router.get(
    "/certified",
    response={200: list[CertifiedFacilityOut], **ERRORS},
    summary="Facilities with a valid European certification today (shown to partners too)",
)
def certified(request: HttpRequest) -> list[dict[str, Any]]:
    request_user(request)
    return [
        {
            "facility_id": item.facility.pk,
            "code": item.facility.code,
            "name": item.facility.name,
            "region": item.facility.region.code,
            "certificates": item.certificates,
        }
        for item in selectors.european_certified()
    ]


# ================================================================ countries
