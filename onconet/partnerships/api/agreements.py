"""Agreements with their milestones and the office's contracts they cover."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.http import request_user
from onconet.core.pagination import BoundedPagination
from onconet.core.scoping import get_visible
from onconet.partnerships import selectors, services
from onconet.partnerships.api.common import manager, organisations, router
from onconet.partnerships.api.places import OrganisationOut
from onconet.partnerships.models import (
    AgreementKind,
    AgreementStatus,
    Milestone,
)
from onconet.tourism.models import Contract


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
    user = manager(request, "record agreements")
    created = services.agreement_create(
        user=user,
        title=payload.title,
        kind=payload.kind,
        parties=organisations(user, payload.parties, "parties"),
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
    manager(request, "link agreements to contracts")
    contract = get_visible(user, Contract.objects.all(), pk=payload.contract)
    services.agreement_link_contract(user=user, agreement=target, contract=contract)
    return selectors.agreement_get(user=user, pk=agreement_id)


# ================================================================ accreditations
