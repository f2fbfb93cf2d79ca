"""API of planning analytics: definitions, indicator values, benchmarks, forecasts, equipment plan, spare capacity."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from onconet.analytics import selectors, services
from onconet.analytics.indicators import DEFINITIONS, DEFINITIONS_BY_CODE, NATION
from onconet.analytics.models import Benchmark
from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.errors import InvalidInput, NotAllowed
from onconet.core.http import request_user
from onconet.core.models import User
from onconet.core.roles import Role
from onconet.core.scoping import require_permission
from onconet.passports.models import Specialty

router = Router(tags=["analytics"])


class DefinitionOut(Schema):
    code: str
    title: str
    formula: str
    sources: list[str]
    unit: str
    dimension: str
    dimension_values: list[str]
    higher_is_better: bool | None


class ValueOut(Schema):
    area: str
    level: str
    period: int
    indicator: str
    dimension: str
    value: float | None
    unit: str


class IndicatorFilters(Schema):
    period: int | None = Field(None, description="the year; default: the latest with approved passports")
    level: Literal["region", "district", "nation"] = "region"
    indicator: str | None = Field(None, description="an indicator code from /analytics/definitions")
    dimension: str | None = Field(None, description="specialty, equipment kind or bed profile; empty = total")
    region: str | None = None
    federal_district: str | None = None
    include_submitted: bool = False


def _national_or_own_region(user: User, region: str | None) -> str | None:
    """National roles see every region; a regional reporter only its own (and the aggregates)."""
    if user.has_perm("analytics.view_national_analytics"):
        return region
    if user.role == Role.REGIONAL_REPORTER and user.region is not None:
        return user.region.code
    raise NotAllowed("You are not allowed to read planning analytics.")


@router.get("/analytics/definitions", response={200: list[DefinitionOut], **ERRORS}, summary="Indicator definitions")
def definitions(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": d.code,
            "title": str(d.title),
            "formula": str(d.formula),
            "sources": list(d.sources),
            "unit": str(d.unit),
            "dimension": d.dimension,
            "dimension_values": d.dimension_values(),
            "higher_is_better": d.higher_is_better,
        }
        for d in DEFINITIONS
    ]


@router.get("/analytics/indicators", response={200: list[ValueOut], **ERRORS}, summary="Indicator values")
def indicators(request: HttpRequest, filters: Query[IndicatorFilters]) -> list[dict[str, Any]]:
    user = request_user(request)
    region = _national_or_own_region(user, filters.region)
    if filters.indicator and filters.indicator not in DEFINITIONS_BY_CODE:
        raise InvalidInput(f'Unknown indicator "{filters.indicator}"; see /api/v1/analytics/definitions.')
    period = filters.period or selectors.default_period()
    snap = selectors.snapshot(period=period, include_submitted=filters.include_submitted)
    if filters.level == "region":
        areas = [
            a
            for a in snap.regions()
            if (region is None or a.code == region.upper())
            and (filters.federal_district is None or a.district == filters.federal_district)
        ]
    elif filters.level == "district":
        areas = [
            a
            for a in snap.districts()
            if filters.federal_district is None or a.code == f"FD:{filters.federal_district}"
        ]
    else:
        areas = [snap.areas[NATION]]
    out = []
    for definition in DEFINITIONS:
        if filters.indicator and definition.code != filters.indicator:
            continue
        for dimension in definition.dimension_values():
            if filters.dimension is not None and dimension != filters.dimension:
                continue
            for area in areas:
                out.append(
                    {
                        "area": area.code,
                        "level": area.level,
                        "period": period,
                        "indicator": definition.code,
                        "dimension": dimension,
                        "value": snap.value(area.code, definition.code, dimension),
                        "unit": str(definition.unit),
                    }
                )
    return out


class BenchmarkOut(Schema):
    code: str
    indicator: str
    dimension: str
    comparison: str
    value: float
    for_planning: bool
    source: str
    note: str


class BenchmarkIn(StrictSchema):
    code: str = Field(..., min_length=1, max_length=40)
    indicator: str
    dimension: str = ""
    comparison: Literal["at_least", "at_most"]
    value: float = Field(..., ge=0)
    source: str = Field(..., min_length=1)
    note: str = ""
    for_planning: bool = False


@router.get(
    "/analytics/benchmarks", response={200: list[BenchmarkOut], **ERRORS}, summary="Benchmarks and their sources"
)
def benchmarks(request: HttpRequest) -> Any:
    require_permission(request_user(request), "analytics.view_benchmark", action="see benchmarks")
    return Benchmark.objects.all()


@router.post("/analytics/benchmarks", response={200: BenchmarkOut, **ERRORS}, summary="Add or change a benchmark")
def benchmark_save(request: HttpRequest, payload: BenchmarkIn) -> Benchmark:
    data = payload.model_dump()
    data["value"] = str(data["value"])
    return services.benchmark_save(user=request_user(request), **data)


@router.delete("/analytics/benchmarks/{code}", response={204: None, **ERRORS}, summary="Delete a benchmark")
def benchmark_delete(request: HttpRequest, code: str) -> Status[None]:
    services.benchmark_delete(user=request_user(request), code=code)
    return Status(204, None)


class ForecastOut(Schema):
    region: str
    specialty: str
    headcount: int
    target: float
    target_basis: str
    years: list[int]
    stock: list[float]
    shortfall_year: int | None
    trainees_to_start_this_year: int
    shortfall_before_trainees_arrive: bool


class ForecastFilters(Schema):
    specialty: Specialty = Specialty.RADIOLOGIST
    period: int | None = None
    region: str | None = None
    retirement_age: int = Field(65, ge=50, le=80)
    attrition: float = Field(0.03, ge=0, lt=0.5, description="share leaving each year for other reasons")
    include_submitted: bool = False


@router.get(
    "/analytics/workforce", response={200: list[ForecastOut], **ERRORS}, summary="Workforce forecast, most urgent first"
)
def workforce(request: HttpRequest, filters: Query[ForecastFilters]) -> list[dict[str, Any]]:
    region = _national_or_own_region(request_user(request), filters.region)
    rows = selectors.workforce_forecast(
        period=filters.period or selectors.default_period(),
        specialty=filters.specialty,
        region_code=region,
        retirement_age=filters.retirement_age,
        attrition=filters.attrition,
        include_submitted=filters.include_submitted,
    )
    return [
        {
            "region": r.region,
            "specialty": r.specialty,
            "headcount": r.headcount,
            "target": round(r.target, 2),
            "target_basis": r.target_basis,
            "years": r.projection.years,
            "stock": [round(v, 2) for v in r.projection.stock],
            "shortfall_year": r.projection.shortfall_year,
            "trainees_to_start_this_year": r.projection.annual_intake,
            "shortfall_before_trainees_arrive": r.projection.too_late,
        }
        for r in rows
    ]


class NeedOut(Schema):
    region: str
    kind: str
    units: int
    past_service_life: int
    target_units: float | None
    target_basis: str
    to_buy: int
    operators: dict[str, int]


@router.get(
    "/analytics/equipment-plan", response={200: list[NeedOut], **ERRORS}, summary="Equipment to buy and people to train"
)
def equipment_plan(request: HttpRequest, period: int | None = None, include_submitted: bool = False) -> Any:
    user = request_user(request)
    if not user.has_perm("analytics.view_national_analytics"):
        raise NotAllowed("You are not allowed to read the equipment plan.")
    return selectors.equipment_plan(period=period or selectors.default_period(), include_submitted=include_submitted)


@router.get(
    "/analytics/spare-capacity", response={200: list[selectors.SpareMachine], **ERRORS}, summary="Under-used machines"
)
def spare_capacity(
    request: HttpRequest,
    period: int | None = None,
    threshold: float = Query(0.6, gt=0, le=1),
    include_submitted: bool = False,
) -> Any:
    user = request_user(request)
    if not user.has_perm("analytics.view_spare_capacity"):
        raise NotAllowed("You are not allowed to read spare capacity.")
    return selectors.spare_capacity(
        period=period or selectors.default_period(), threshold=threshold, include_submitted=include_submitted
    )
