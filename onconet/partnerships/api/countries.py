"""Country profiles: sourced indicators, partners, delegations and agreements per country."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Schema
from ninja.files import UploadedFile

from onconet.core.api_schemas import ERRORS
from onconet.core.http import request_user
from onconet.core.models import Country
from onconet.core.uploads import csv_max_bytes, read_upload, upload_auth
from onconet.partnerships import selectors, services
from onconet.partnerships.api.common import router
from onconet.partnerships.models import (
    AgreementKind,
    AgreementStatus,
    DelegationStatus,
    Direction,
)


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
