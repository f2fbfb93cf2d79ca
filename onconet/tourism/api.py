"""API of the international office: partner organisations (more arrives with the office's issue)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.http import request_user
from onconet.core.scoping import get_visible
from onconet.tourism import selectors, services
from onconet.tourism.models import Partner, PartnerKind

router = Router(tags=["tourism"])


class PartnerOut(Schema):
    id: int
    name: str
    kind: PartnerKind
    country: str = Field(..., alias="country.code")
    city: str
    website: str
    email: str
    phone: str
    is_active: bool


class PartnerFilters(Schema):
    country: str | None = None
    kind: PartnerKind | None = None
    q: str | None = None


class ContactOut(Schema):
    id: int
    name: str
    position: str
    email: str
    phone: str
    language: str


class ContactIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=200)
    position: str = ""
    email: str = ""
    phone: str = ""
    language: str = Field("", max_length=3, description="ISO 639 code")


@router.get("/partners", response={200: list[PartnerOut], **ERRORS}, summary="Partner organisations you may see")
@paginate(PageNumberPagination, page_size=100)
def partners(request: HttpRequest, filters: Query[PartnerFilters]) -> Any:
    return selectors.partners_list(
        user=request_user(request), country=filters.country, kind=filters.kind, query=filters.q
    )


@router.get("/partners/{partner_id}", response={200: PartnerOut, **ERRORS}, summary="One partner organisation")
def partner(request: HttpRequest, partner_id: int) -> Partner:
    return get_visible(request_user(request), Partner.objects.select_related("country"), pk=partner_id)


@router.get(
    "/partners/{partner_id}/contacts",
    response={200: list[ContactOut], **ERRORS},
    summary="A partner's contacts",
)
def partner_contacts(request: HttpRequest, partner_id: int) -> Any:
    user = request_user(request)
    return selectors.partner_contacts(user=user, partner=get_visible(user, Partner.objects.all(), pk=partner_id))


@router.post("/partners/{partner_id}/contacts", response={201: ContactOut, **ERRORS}, summary="Add a contact person")
def partner_contact_add(request: HttpRequest, partner_id: int, payload: ContactIn) -> Status[Any]:
    user = request_user(request)
    target = get_visible(user, Partner.objects.all(), pk=partner_id)
    return Status(201, services.partner_contact_add(user=user, partner=target, request=request, **payload.model_dump()))
