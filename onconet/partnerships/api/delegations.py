"""Delegations and study tours: itinerary, participants, costs, outcomes, follow-up actions and exports."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.http import request_user
from onconet.core.models import User
from onconet.core.pagination import BoundedPagination
from onconet.core.scoping import get_visible
from onconet.partnerships import exports, selectors, services
from onconet.partnerships.api.common import CENT, ICS, XLSX, attachment, file_response, manager, organisations, router
from onconet.partnerships.api.places import CityOut, OrganisationOut
from onconet.partnerships.models import (
    City,
    CostCategory,
    Delegation,
    DelegationStatus,
    Direction,
    ParticipantRole,
    Proposal,
    Topic,
    VisaStatus,
    Visit,
)


class OrganisationBriefOut(Schema):
    id: int
    name: str


class DelegationOut(Schema):
    id: int
    title: str
    direction: Direction
    status: DelegationStatus
    start_date: dt.date
    end_date: dt.date
    days: int
    origin: CityOut
    destination: CityOut
    distance_km: float = Field(..., description="great-circle distance, to 0.1 km")
    organisers: list[OrganisationBriefOut]
    participant_count: int
    visit_count: int
    budget: Decimal | None
    budget_currency: str

    @staticmethod
    def resolve_distance_km(obj: Delegation) -> float:
        return round(obj.distance_km, 1)


class DelegationFilters(Schema):
    q: str | None = Field(None, description="words in the title, purpose, origin or destination")
    status: DelegationStatus | None = None
    direction: Direction | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 of the origin or the destination")


class VisitOut(Schema):
    id: int
    date: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    institution: str
    address: str
    host: str
    topic: Topic
    description: str


class DayOut(Schema):
    date: dt.date
    number: int = Field(..., description="1 for the first day")
    visits: list[VisitOut]


class ParticipantOut(Schema):
    id: int
    full_name: str
    role: ParticipantRole
    organisation: str
    country: str = Field(..., alias="country.code")
    email: str
    phone: str
    visa_status: VisaStatus


class CostOut(Schema):
    id: int
    category: CostCategory
    amount: Decimal
    currency: str
    note: str


class CostTotalOut(Schema):
    currency: str
    spent: Decimal
    budget: Decimal | None = Field(None, description="the budget, when it is in this currency")
    share: float | None = Field(None, description="spent ÷ budget")

    @staticmethod
    def resolve_spent(obj: selectors.CurrencyTotal) -> Decimal:
        return obj.spent.quantize(CENT)  # amounts are stored in cents; an unspent budget sums to a bare 0


class InsightOut(Schema):
    id: int
    topic: Topic
    text: str
    visit_id: int | None
    recorded_by: str = Field(..., alias="recorded_by.username")
    recorded_at: dt.datetime


class ProposalOut(Schema):
    id: int
    title: str
    description: str
    partner_id: int | None
    status: str
    agreement_id: int | None


class FollowUpOut(Schema):
    id: int
    delegation_id: int
    proposal_id: int | None
    title: str
    owner: str = Field(..., alias="owner.username")
    due_date: dt.date
    status: str
    done_on: dt.date | None
    note: str
    overdue: bool


class DelegationDetailOut(Schema):
    id: int
    title: str
    direction: Direction
    status: DelegationStatus
    allowed_transitions: list[str]
    purpose: str
    notes: str
    start_date: dt.date
    end_date: dt.date
    days: int
    origin: CityOut
    destination: CityOut
    distance_km: float
    organisers: list[OrganisationOut]
    budget: Decimal | None
    budget_currency: str
    itinerary: list[DayOut] = Field(..., description="every day, with its visits (travel and free days too)")
    participants: list[ParticipantOut]
    costs: list[CostOut]
    cost_totals: list[CostTotalOut] = Field(..., description="per currency; never converted")
    insights: list[InsightOut]
    proposals: list[ProposalOut]
    follow_ups: list[FollowUpOut]
    agreement_ids: list[int]
    created_by: str
    created_at: dt.datetime


def _delegation_out(delegation: Delegation) -> dict[str, Any]:
    return {
        "id": delegation.pk,
        "title": delegation.title,
        "direction": delegation.direction,
        "status": delegation.status,
        "allowed_transitions": services.DELEGATIONS.targets(delegation.status),
        "purpose": delegation.purpose,
        "notes": delegation.notes,
        "start_date": delegation.start_date,
        "end_date": delegation.end_date,
        "days": delegation.days,
        "origin": delegation.origin,
        "destination": delegation.destination,
        "distance_km": round(delegation.distance_km, 1),
        "organisers": list(delegation.organisers.all()),
        "budget": delegation.budget,
        "budget_currency": delegation.budget_currency,
        "itinerary": selectors.itinerary(delegation),
        "participants": list(delegation.participants.all()),
        "costs": list(delegation.costs.all()),
        "cost_totals": selectors.cost_totals(delegation),
        "insights": list(delegation.insights.all()),
        "proposals": list(delegation.proposals.all()),
        "follow_ups": list(delegation.follow_ups.all()),
        "agreement_ids": [a.pk for a in delegation.agreements.all()],
        "created_by": delegation.created_by.username,
        "created_at": delegation.created_at,
    }


class DelegationIn(StrictSchema):
    title: str = Field(..., max_length=255)
    direction: Direction
    purpose: str
    start_date: dt.date
    end_date: dt.date
    origin: int = Field(..., description="city id")
    destination: int = Field(..., description="city id")
    organisers: list[int] = Field([], description="organisation ids")
    budget: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    budget_currency: str = Field("", max_length=3, description="ISO 4217, required with a budget")
    notes: str = ""


class DelegationTransitionIn(StrictSchema):
    status: DelegationStatus


class ParticipantIn(StrictSchema):
    full_name: str = Field(..., max_length=200)
    role: ParticipantRole
    organisation: str = Field(..., max_length=255)
    country: str = Field(..., max_length=2, description="ISO 3166-1 alpha-2")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    visa_status: VisaStatus = VisaStatus.NOT_NEEDED


class VisitIn(StrictSchema):
    date: dt.date = Field(..., description="one of the delegation's days")
    institution: str = Field(..., max_length=255)
    topic: Topic
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    address: str = Field("", max_length=255)
    host: str = Field("", max_length=200)
    description: str = ""


class CostIn(StrictSchema):
    category: CostCategory
    amount: Decimal = Field(..., max_digits=14, decimal_places=2)
    currency: str = Field(..., max_length=3, description="ISO 4217")
    note: str = Field("", max_length=255)


class InsightIn(StrictSchema):
    topic: Topic
    text: str
    visit: int | None = Field(None, description="id of one of the delegation's visits")


class FollowUpIn(StrictSchema):
    title: str = Field(..., max_length=255)
    owner: str = Field(..., description="username of the person who acts")
    due_date: dt.date
    proposal: int | None = Field(None, description="id of one of the delegation's proposals")
    note: str = ""


class FollowUpCloseIn(StrictSchema):
    status: Literal["done", "cancelled"]
    done_on: dt.date | None = Field(None, description="today when absent")


class FollowUpListOut(FollowUpOut):
    delegation: str = Field(..., alias="delegation.title")


class FollowUpFilters(Schema):
    mine: bool = Field(False, description="only the caller's own actions")
    status: Literal["open", "done", "cancelled"] | None = None


@router.get("/delegations", response={200: list[DelegationOut], **ERRORS}, summary="Delegations and study tours")
@paginate(BoundedPagination, page_size=100)
def delegations(request: HttpRequest, filters: Query[DelegationFilters]) -> Any:
    return selectors.delegations_list(
        user=request_user(request),
        query=filters.q or "",
        status=filters.status or "",
        direction=filters.direction or "",
        country=(filters.country or "").upper(),
    )


@router.post("/delegations", response={201: DelegationDetailOut, **ERRORS}, summary="Plan a delegation")
def delegation_create(request: HttpRequest, payload: DelegationIn) -> Status[dict[str, Any]]:
    user = manager(request, "organise delegations")
    delegation = services.delegation_create(
        user=user,
        title=payload.title,
        direction=payload.direction,
        purpose=payload.purpose,
        start_date=payload.start_date,
        end_date=payload.end_date,
        origin=get_visible(user, City.objects.all(), pk=payload.origin),
        destination=get_visible(user, City.objects.all(), pk=payload.destination),
        organisers=organisations(user, payload.organisers, "organisers"),
        budget=payload.budget,
        budget_currency=payload.budget_currency,
        notes=payload.notes,
    )
    return Status(201, _delegation_out(selectors.delegation_get(user=user, pk=delegation.pk)))


@router.get(
    "/delegations/{delegation_id}",
    response={200: DelegationDetailOut, **ERRORS},
    summary="A delegation with its itinerary, participants, costs and outcomes",
)
def delegation(request: HttpRequest, delegation_id: int) -> dict[str, Any]:
    return _delegation_out(selectors.delegation_get(user=request_user(request), pk=delegation_id))


@router.post(
    "/delegations/{delegation_id}/transition",
    response={200: DelegationDetailOut, **ERRORS},
    summary="Move a delegation on: planned → confirmed → under_way → completed, or cancelled (409 out of order)",
)
def delegation_transition(request: HttpRequest, delegation_id: int, payload: DelegationTransitionIn) -> dict[str, Any]:
    user = request_user(request)
    target = selectors.delegation_get(user=user, pk=delegation_id)
    services.delegation_transition(user=user, delegation=target, status=payload.status)
    return _delegation_out(selectors.delegation_get(user=user, pk=delegation_id))


@router.post(
    "/delegations/{delegation_id}/participants",
    response={201: ParticipantOut, **ERRORS},
    summary="Add a participant (the same person of the same organisation only once)",
)
def participant_add(request: HttpRequest, delegation_id: int, payload: ParticipantIn) -> Status[Any]:
    user = request_user(request)
    target = selectors.delegation_get(user=user, pk=delegation_id)
    return Status(201, services.participant_add(user=user, delegation=target, **payload.model_dump()))


@router.post(
    "/delegations/{delegation_id}/visits",
    response={201: VisitOut, **ERRORS},
    summary="Add a visit on one of the delegation's days",
)
def visit_add(request: HttpRequest, delegation_id: int, payload: VisitIn) -> Status[Any]:
    user = request_user(request)
    target = selectors.delegation_get(user=user, pk=delegation_id)
    return Status(201, services.visit_add(user=user, delegation=target, **payload.model_dump()))


@router.post("/delegations/{delegation_id}/costs", response={201: CostOut, **ERRORS}, summary="Record a cost")
def cost_add(request: HttpRequest, delegation_id: int, payload: CostIn) -> Status[Any]:
    user = request_user(request)
    target = selectors.delegation_get(user=user, pk=delegation_id)
    return Status(201, services.cost_add(user=user, delegation=target, **payload.model_dump()))


@router.post(
    "/delegations/{delegation_id}/insights", response={201: InsightOut, **ERRORS}, summary="Record what was learned"
)
def insight_add(request: HttpRequest, delegation_id: int, payload: InsightIn) -> Status[Any]:
    user = request_user(request)
    target = selectors.delegation_get(user=user, pk=delegation_id)
    # The service refuses a visit of another delegation (400); an unknown id is a missing record (404).
    visit = get_visible(user, Visit.objects.all(), pk=payload.visit) if payload.visit else None
    return Status(
        201, services.insight_add(user=user, delegation=target, topic=payload.topic, text=payload.text, visit=visit)
    )


@router.post(
    "/delegations/{delegation_id}/follow-ups",
    response={201: FollowUpOut, **ERRORS},
    summary="Assign a follow-up action to a user (by username)",
)
def follow_up_add(request: HttpRequest, delegation_id: int, payload: FollowUpIn) -> Status[Any]:
    user = request_user(request)
    target = selectors.delegation_get(user=user, pk=delegation_id)
    manager(request, "assign follow-up actions")
    owner = get_visible(user, User.objects.all(), username=payload.owner)
    proposal = get_visible(user, Proposal.objects.all(), pk=payload.proposal) if payload.proposal else None
    action = services.follow_up_add(
        user=user,
        delegation=target,
        title=payload.title,
        owner=owner,
        due_date=payload.due_date,
        proposal=proposal,
        note=payload.note,
    )
    return Status(201, action)


@router.get(
    "/delegations/{delegation_id}/programme.pdf",
    response={200: None, **ERRORS},
    summary="The programme as PDF",
    openapi_extra=file_response("application/pdf", "the programme, A4"),
)
def programme_pdf(request: HttpRequest, delegation_id: int) -> HttpResponse:
    target = selectors.delegation_get(user=request_user(request), pk=delegation_id)
    return attachment(exports.programme_pdf(target), "application/pdf", f"delegation-{target.pk}-programme.pdf")


@router.get(
    "/delegations/{delegation_id}/itinerary.ics",
    response={200: None, **ERRORS},
    summary="The itinerary as iCalendar (the tour and each visit, in the destination's time zone)",
    openapi_extra=file_response(ICS, "RFC 5545 calendar"),
)
def itinerary_ics(request: HttpRequest, delegation_id: int) -> HttpResponse:
    target = selectors.delegation_get(user=request_user(request), pk=delegation_id)
    data = exports.delegation_ics(target, host=request.get_host())
    return attachment(data, ICS, f"delegation-{target.pk}-itinerary.ics")


@router.get(
    "/delegations/{delegation_id}/participants.xlsx",
    response={200: None, **ERRORS},
    summary="The participants as XLSX",
    openapi_extra=file_response(XLSX, "one row per participant under a header row"),
)
def participants_xlsx(request: HttpRequest, delegation_id: int) -> HttpResponse:
    target = selectors.delegation_get(user=request_user(request), pk=delegation_id)
    return attachment(exports.participants_xlsx(target), XLSX, f"delegation-{target.pk}-participants.xlsx")


@router.get(
    "/follow-ups",
    response={200: list[FollowUpListOut], **ERRORS},
    summary="Follow-up actions of delegations (?mine=true: your own)",
)
@paginate(BoundedPagination, page_size=100)
def follow_ups(request: HttpRequest, filters: Query[FollowUpFilters]) -> Any:
    return selectors.follow_ups_list(user=request_user(request), mine=filters.mine, status=filters.status or "")


@router.post(
    "/follow-ups/{action_id}/close",
    response={200: FollowUpOut, **ERRORS},
    summary="Mark an open action done or cancelled (its owner or an organiser; 409 when already closed)",
)
def follow_up_close(request: HttpRequest, action_id: int, payload: FollowUpCloseIn) -> Any:
    user = request_user(request)
    action = get_visible(user, selectors.follow_ups_list(user=user), pk=action_id)
    return services.follow_up_close(user=user, action=action, status=payload.status, on=payload.done_on)


# ================================================================ agreements
