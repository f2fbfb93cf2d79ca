"""API of the core app: the signed-in user, regions, facilities, jobs, tokens, audit, reference lists."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import pycountry
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from onconet.core import selectors, services
from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.errors import NotAllowed, NotFound
from onconet.core.http import request_user
from onconet.core.jobs import job_kinds
from onconet.core.models import ApiToken, Facility, FacilityKind, Job, Region
from onconet.core.pagination import BoundedPagination
from onconet.core.reference_data import two_letter_languages
from onconet.core.scoping import get_visible, partner_id_of

router = Router(tags=["core"])


# ---------------------------------------------------------------- me


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    region: str | None
    partner_id: int | None
    languages: list[str]
    permissions: list[str]


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The signed-in user and their role")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "region": user.region.code if user.region else None,
        "partner_id": partner_id_of(user),
        "languages": user.languages,
        "permissions": sorted(user.get_all_permissions()),
    }


# ---------------------------------------------------------------- regions


class RegionOut(Schema):
    code: str
    name: str
    country: str = Field(..., alias="country.code")
    federal_district: str | None = Field(None, alias="federal_district.code")
    subdivision_type: str
    population: int | None
    population_year: int | None
    population_source: str


class RegionFilters(Schema):
    q: str | None = None
    federal_district: str | None = None


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="Regions you may see")
@paginate(BoundedPagination, page_size=100)
def regions(request: HttpRequest, filters: Query[RegionFilters]) -> Any:
    return selectors.regions_list(
        user=request_user(request), query=filters.q, federal_district=filters.federal_district
    )


@router.get("/regions/{code}", response={200: RegionOut, **ERRORS}, summary="One region by ISO 3166-2 code")
def region(request: HttpRequest, code: str) -> Region:
    user = request_user(request)
    return get_visible(user, selectors.regions_list(user=user), code__iexact=code)


# ---------------------------------------------------------------- facilities


class FacilityOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    code: str
    name: str
    kind: FacilityKind
    parent_id: int | None
    located_in_id: int | None
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    is_active: bool


class FacilityIn(StrictSchema):
    region: str = Field(..., description="ISO 3166-2 code of the region, e.g. RU-KLU")
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=255)
    kind: FacilityKind
    parent_id: int | None = Field(None, description="the operator: the facility that runs this one")
    located_in_id: int | None = Field(None, description="the facility whose building this one sits in")
    address: str = ""
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    is_active: bool = True


class FacilityPatch(StrictSchema):
    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=255)
    kind: FacilityKind | None = None
    parent_id: int | None = None
    located_in_id: int | None = None
    address: str | None = None
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    is_active: bool | None = None


class FacilityFilters(Schema):
    region: str | None = None
    kind: FacilityKind | None = None
    q: str | None = None


@router.get("/facilities", response={200: list[FacilityOut], **ERRORS}, summary="Facilities you may see")
@paginate(BoundedPagination, page_size=100)
def facilities(request: HttpRequest, filters: Query[FacilityFilters]) -> Any:
    return selectors.facilities_list(
        user=request_user(request), region_code=filters.region, kind=filters.kind, query=filters.q
    )


@router.get("/facilities/{facility_id}", response={200: FacilityOut, **ERRORS}, summary="One facility")
def facility(request: HttpRequest, facility_id: int) -> Facility:
    user = request_user(request)
    return get_visible(user, selectors.facilities_list(user=user), pk=facility_id)


@router.post("/facilities", response={201: FacilityOut, **ERRORS}, summary="Register a facility")
def facility_create(request: HttpRequest, payload: FacilityIn) -> Status[Facility]:
    user = request_user(request)
    region = get_visible(user, Region.objects.all(), code__iexact=payload.region)
    data = services.FacilityData(**payload.model_dump(exclude={"region"}))
    return Status(201, services.facility_create(user=user, region=region, data=data, request=request))


@router.patch("/facilities/{facility_id}", response={200: FacilityOut, **ERRORS}, summary="Change a facility")
def facility_update(request: HttpRequest, facility_id: int, payload: FacilityPatch) -> Facility:
    user = request_user(request)
    current = get_visible(user, Facility.objects.all(), pk=facility_id)
    data = services.FacilityData(
        code=current.code,
        name=current.name,
        kind=current.kind,
        parent_id=current.parent_id,
        located_in_id=current.located_in_id,
        address=current.address,
        latitude=current.latitude,
        longitude=current.longitude,
        is_active=current.is_active,
    )
    for name, value in payload.model_dump(exclude_unset=True).items():
        setattr(data, name, value)
    return services.facility_update(user=user, facility=current, data=data, request=request)


# ---------------------------------------------------------------- jobs


class JobOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    message: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str
    attempts: int
    created_by: str | None = Field(None, alias="created_by.username")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobIn(StrictSchema):
    kind: str = Field(..., description="a job kind from GET /jobs/kinds")
    params: dict[str, Any] = {}


class JobKindOut(Schema):
    name: str
    label: str
    permission: str


@router.get("/jobs/kinds", response={200: list[JobKindOut], **ERRORS}, summary="Kinds of background job")
def jobs_kinds(request: HttpRequest) -> list[dict[str, str]]:
    return [{"name": k.name, "label": str(k.label), "permission": k.permission} for k in job_kinds()]


@router.get("/jobs", response={200: list[JobOut], **ERRORS}, summary="Your background jobs")
@paginate(BoundedPagination, page_size=50)
def jobs(request: HttpRequest) -> Any:
    return selectors.jobs_list(user=request_user(request))


@router.post("/jobs", response={202: JobOut, **ERRORS}, summary="Start a background job")
def job_start(request: HttpRequest, payload: JobIn) -> Status[Job]:
    return Status(202, services.job_start(user=request_user(request), kind=payload.kind, params=payload.params))


def _job(request: HttpRequest, job_id: int) -> Job:
    job = selectors.jobs_list(user=request_user(request)).filter(pk=job_id).first()
    if job is None:
        raise NotFound("No job matches the given id.")
    return job


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS}, summary="One job, with its progress")
def job(request: HttpRequest, job_id: int) -> Job:
    return _job(request, job_id)


@router.post("/jobs/{job_id}/retry", response={202: JobOut, **ERRORS}, summary="Queue a failed job again")
def job_retry(request: HttpRequest, job_id: int) -> Status[Job]:
    return Status(202, services.job_retry(user=request_user(request), job=_job(request, job_id)))


# ---------------------------------------------------------------- tokens


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="the token itself: shown this once, store it safely")


class TokenIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=100)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="Your API tokens")
def tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=request_user(request))


@router.post("/tokens", response={201: TokenCreated, **ERRORS}, summary="Create an API token")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, raw = services.api_token_create(user=request_user(request), name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke an API token")
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    services.api_token_revoke(user=request_user(request), token_id=token_id)
    return Status(204, None)


# ---------------------------------------------------------------- audit


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str = Field(..., alias="actor_username")
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    message: str
    ip_address: str | None


class AuditFilters(Schema):
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    q: str | None = None


@router.get("/audit", response={200: list[AuditOut], **ERRORS}, summary="The audit log (national admins)")
@paginate(BoundedPagination, page_size=100)
def audit(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    user = request_user(request)
    if not user.has_perm("core.view_auditentry"):
        raise NotAllowed("Only national admins may read the audit log.")
    entries: Any = selectors.audit_entries(
        user=user,
        actor=filters.actor,
        action=filters.action,
        object_type=filters.object_type,
        object_id=filters.object_id,
        query=filters.q,
    )
    return entries


# ---------------------------------------------------------------- reference lists


class CodeName(Schema):
    code: str
    name: str


@router.get("/reference/countries", response={200: list[CodeName], **ERRORS}, summary="ISO 3166-1 countries")
def countries(request: HttpRequest) -> list[dict[str, str]]:
    return [{"code": c.alpha_2, "name": c.name} for c in pycountry.countries]


@router.get("/reference/languages", response={200: list[CodeName], **ERRORS}, summary="ISO 639-1 languages")
def languages(request: HttpRequest) -> list[dict[str, str]]:

    return [{"code": code, "name": name} for code, name in two_letter_languages()]


@router.get("/reference/currencies", response={200: list[CodeName], **ERRORS}, summary="ISO 4217 currencies")
def currencies(request: HttpRequest) -> list[dict[str, str]]:
    return [{"code": c.alpha_3, "name": c.name} for c in pycountry.currencies]
