"""API of partnerships: delegations and study tours (itinerary, participants, costs, outcomes, exports), agreements
with milestones, accreditations of facilities, country profiles and the certified facilities shown to partners.

Reads go through the selectors and writes through the services, which check permissions and input; a record
outside the caller's scope answers 404, like a missing one."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.errors import FieldProblem, NotFound
from onconet.core.http import request_user
from onconet.core.models import Country, Facility, User
from onconet.core.pagination import BoundedPagination
from onconet.core.scoping import get_visible, visible
from onconet.core.uploads import csv_max_bytes, read_upload, upload_auth
from onconet.partnerships import exports, selectors, services
from onconet.partnerships.models import (
    AgreementKind,
    AgreementStatus,
    City,
    CostCategory,
    Delegation,
    DelegationStatus,
    Direction,
    Milestone,
    Organisation,
    OrganisationKind,
    ParticipantRole,
    Proposal,
    Standard,
    Topic,
    VisaStatus,
    Visit,
)
from onconet.tourism.models import Contract

router = Router(tags=["partnerships"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS = "text/calendar; charset=utf-8"
CENT = Decimal("0.01")


def _file_response(content_type: str, description: str) -> dict[str, Any]:
    """OpenAPI for an endpoint that answers a file rather than JSON."""
    media = content_type.split(";")[0]
    return {
        "responses": {
            200: {"description": description, "content": {media: {"schema": {"type": "string", "format": "binary"}}}}
        }
    }


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _manager(request: HttpRequest, action: str) -> User:
    """The caller, if allowed to manage partnerships — checked before any referenced record is looked up, so
    that a caller without the right gets 403 rather than a 404 about a record it named."""
    user = request_user(request)
    services.require_manage(user, action)
    return user


def _organisations(user: User, ids: list[int], field: str) -> list[Organisation]:
    """The organisations with these ids (each once), or 404 naming the ids that are unknown."""
    found = list(visible(user, Organisation.objects.filter(pk__in=set(ids))).order_by("name"))
    missing = sorted(set(ids) - {o.pk for o in found})
    if missing:
        raise NotFound(
            "No organisation matches the given id.",
            errors=[FieldProblem("no such organisation", field, pk) for pk in missing],
        )
    return found


# ================================================================ places and organisations


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
    user = _manager(request, "record organisations")
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
    user = _manager(request, "organise delegations")
    delegation = services.delegation_create(
        user=user,
        title=payload.title,
        direction=payload.direction,
        purpose=payload.purpose,
        start_date=payload.start_date,
        end_date=payload.end_date,
        origin=get_visible(user, City.objects.all(), pk=payload.origin),
        destination=get_visible(user, City.objects.all(), pk=payload.destination),
        organisers=_organisations(user, payload.organisers, "organisers"),
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
    _manager(request, "assign follow-up actions")
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
    openapi_extra=_file_response("application/pdf", "the programme, A4"),
)
def programme_pdf(request: HttpRequest, delegation_id: int) -> HttpResponse:
    target = selectors.delegation_get(user=request_user(request), pk=delegation_id)
    return _attachment(exports.programme_pdf(target), "application/pdf", f"delegation-{target.pk}-programme.pdf")


@router.get(
    "/delegations/{delegation_id}/itinerary.ics",
    response={200: None, **ERRORS},
    summary="The itinerary as iCalendar (the tour and each visit, in the destination's time zone)",
    openapi_extra=_file_response(ICS, "RFC 5545 calendar"),
)
def itinerary_ics(request: HttpRequest, delegation_id: int) -> HttpResponse:
    target = selectors.delegation_get(user=request_user(request), pk=delegation_id)
    data = exports.delegation_ics(target, host=request.get_host())
    return _attachment(data, ICS, f"delegation-{target.pk}-itinerary.ics")


@router.get(
    "/delegations/{delegation_id}/participants.xlsx",
    response={200: None, **ERRORS},
    summary="The participants as XLSX",
    openapi_extra=_file_response(XLSX, "one row per participant under a header row"),
)
def participants_xlsx(request: HttpRequest, delegation_id: int) -> HttpResponse:
    target = selectors.delegation_get(user=request_user(request), pk=delegation_id)
    return _attachment(exports.participants_xlsx(target), XLSX, f"delegation-{target.pk}-participants.xlsx")


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


class MilestoneOut(Schema):
    id: int
    title: str
    planned_date: dt.date
    actual_date: dt.date | None
    responsible: str
    late: bool


class ContractBriefOut(Schema):
    id: int
    number: str
    partner_id: int


class AgreementOut(Schema):
    id: int
    title: str
    kind: AgreementKind
    status: AgreementStatus
    signed_on: dt.date | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    summary: str
    delegation_id: int | None
    parties: list[OrganisationOut]
    milestones: list[MilestoneOut]
    contracts: list[ContractBriefOut]


class AgreementFilters(Schema):
    kind: AgreementKind | None = None
    status: AgreementStatus | None = None


class AgreementIn(StrictSchema):
    title: str = Field(..., max_length=255)
    kind: AgreementKind
    parties: list[int] = Field(..., description="organisation ids, at least two")
    status: AgreementStatus = AgreementStatus.DRAFT
    signed_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    summary: str = ""
    delegation: int | None = Field(None, description="id of the delegation it came from")


class MilestoneIn(StrictSchema):
    title: str = Field(..., max_length=255)
    planned_date: dt.date
    responsible: str = Field(..., max_length=200)


class MilestoneReachIn(StrictSchema):
    actual_date: dt.date


class ContractLinkIn(StrictSchema):
    contract: int = Field(..., description="id of a contract of the international office")


def _milestone(request: HttpRequest, milestone_id: int) -> Milestone:
    """A milestone of an agreement the caller may see."""
    user = request_user(request)
    return get_visible(
        user, Milestone.objects.filter(agreement__in=selectors.agreements_list(user=user)), pk=milestone_id
    )


@router.get("/agreements", response={200: list[AgreementOut], **ERRORS}, summary="Agreements")
@paginate(BoundedPagination, page_size=100)
def agreements(request: HttpRequest, filters: Query[AgreementFilters]) -> Any:
    return selectors.agreements_list(user=request_user(request), kind=filters.kind or "", status=filters.status or "")


@router.get("/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS}, summary="One agreement")
def agreement(request: HttpRequest, agreement_id: int) -> Any:
    return selectors.agreement_get(user=request_user(request), pk=agreement_id)


@router.post("/agreements", response={201: AgreementOut, **ERRORS}, summary="Record an agreement")
def agreement_create(request: HttpRequest, payload: AgreementIn) -> Status[Any]:
    user = _manager(request, "record agreements")
    created = services.agreement_create(
        user=user,
        title=payload.title,
        kind=payload.kind,
        parties=_organisations(user, payload.parties, "parties"),
        status=payload.status,
        signed_on=payload.signed_on,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        summary=payload.summary,
        delegation=selectors.delegation_get(user=user, pk=payload.delegation) if payload.delegation else None,
    )
    return Status(201, selectors.agreement_get(user=user, pk=created.pk))


@router.post(
    "/agreements/{agreement_id}/milestones", response={201: MilestoneOut, **ERRORS}, summary="Plan a milestone"
)
def milestone_add(request: HttpRequest, agreement_id: int, payload: MilestoneIn) -> Status[Any]:
    user = request_user(request)
    target = selectors.agreement_get(user=user, pk=agreement_id)
    return Status(201, services.milestone_add(user=user, agreement=target, **payload.model_dump()))


@router.post(
    "/milestones/{milestone_id}/reach", response={200: MilestoneOut, **ERRORS}, summary="Record a milestone reached"
)
def milestone_reach(request: HttpRequest, milestone_id: int, payload: MilestoneReachIn) -> Any:
    user = request_user(request)
    return services.milestone_reach(
        user=user, milestone=_milestone(request, milestone_id), actual_date=payload.actual_date
    )


@router.post(
    "/agreements/{agreement_id}/contracts",
    response={200: AgreementOut, **ERRORS},
    summary="Record that the agreement led to a contract of the international office",
)
def agreement_link_contract(request: HttpRequest, agreement_id: int, payload: ContractLinkIn) -> Any:
    user = request_user(request)
    target = selectors.agreement_get(user=user, pk=agreement_id)
    _manager(request, "link agreements to contracts")
    contract = get_visible(user, Contract.objects.all(), pk=payload.contract)
    services.agreement_link_contract(user=user, agreement=target, contract=contract)
    return selectors.agreement_get(user=user, pk=agreement_id)


# ================================================================ accreditations


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


class IndicatorImportOut(Schema):
    imported: int = Field(..., description="rows written (new or updated)")


class IndicatorOut(Schema):
    indicator: str
    year: int
    value: Decimal
    unit: str
    source: str
    source_url: str


class PartnerBriefOut(Schema):
    id: int
    name: str


class DelegationBriefOut(Schema):
    id: int
    title: str
    direction: Direction
    status: DelegationStatus
    start_date: dt.date
    end_date: dt.date


class AgreementBriefOut(Schema):
    id: int
    title: str
    kind: AgreementKind
    status: AgreementStatus


class CountryProfileOut(Schema):
    code: str
    name: str
    indicators: list[IndicatorOut]
    partner_count: int
    partners: list[PartnerBriefOut]
    contracts: list[str] = Field(..., description="numbers of the contracts with its partners you may see")
    referrals: dict[str, int] = Field(..., description="referrals by state (when you may see referrals)")
    referral_total: int
    delegations: list[DelegationBriefOut]
    agreements: list[AgreementBriefOut]


@router.post(
    "/countries/indicators",
    response={200: IndicatorImportOut, **ERRORS},
    summary="Import country indicators from CSV (all or nothing; every problem listed with its line)",
    description="Multipart field `file`. Columns: country, indicator, year, value, unit, source, source_url; "
    "every row needs its source.",
    auth=upload_auth(
        permission="partnerships.add_countryindicator", action="import country indicators", max_bytes=csv_max_bytes
    ),
)
def country_indicators_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, int]:
    user = request_user(request)
    data = read_upload(file, max_bytes=csv_max_bytes())
    return {"imported": services.country_indicators_import(user=user, data=data)}


@router.get(
    "/countries/{code}",
    response={200: CountryProfileOut, **ERRORS},
    summary="A country's profile: sourced indicators and everything held with it",
)
def country_profile(request: HttpRequest, code: str) -> dict[str, Any]:
    profile = selectors.country_profile(user=request_user(request), code=code)
    country: Country = profile.country
    return {
        "code": country.code,
        "name": country.name,
        "indicators": profile.indicators,
        "partner_count": len(profile.partners),
        "partners": profile.partners,
        "contracts": [c.number for c in profile.contracts],
        "referrals": profile.referrals,
        "referral_total": profile.referral_total,
        "delegations": profile.delegations,
        "agreements": profile.agreements,
    }
