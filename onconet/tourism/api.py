"""API of the international office: partner organisations (more arrives with the office's issue)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.errors import NotAllowed
from onconet.core.http import request_user
from onconet.core.models import User
from onconet.core.pagination import BoundedPagination
from onconet.core.scoping import get_visible, require_permission
from onconet.core.uploads import csv_max_bytes, read_upload, upload_auth
from onconet.tourism import privacy, selectors, services
from onconet.tourism.letters import missing_translations
from onconet.tourism.models import ExchangeRate, ForeignPatient, Invoice, Partner, PartnerKind, Quote, Referral

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
@paginate(BoundedPagination, page_size=100)
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
    partner = get_visible(user, Partner.objects.all(), pk=partner_id)  # another partner's: 404
    require_permission(user, "tourism.view_partnercontact", action="see partners' contact persons")
    return selectors.partner_contacts(user=user, partner=partner)


@router.post("/partners/{partner_id}/contacts", response={201: ContactOut, **ERRORS}, summary="Add a contact person")
def partner_contact_add(request: HttpRequest, partner_id: int, payload: ContactIn) -> Status[Any]:
    user = request_user(request)
    target = get_visible(user, Partner.objects.all(), pk=partner_id)
    return Status(201, services.partner_contact_add(user=user, partner=target, request=request, **payload.model_dump()))


# ================================================================ referrals, the partner portal's API


class PatientIn(StrictSchema):
    family_name: str = Field(..., min_length=1, max_length=120, description="Latin script")
    given_name: str = Field(..., min_length=1, max_length=120, description="Latin script")
    name_native: str = ""
    date_of_birth: date
    sex: Literal["F", "M"]
    citizenship: str = Field(..., min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    passport_number: str = Field(..., min_length=5, max_length=40)
    preferred_language: str = Field(..., min_length=2, max_length=3, description="ISO 639")
    languages: list[str] = []
    phone: str = ""
    email: str = ""


class ReferralIn(StrictSchema):
    partner_id: int | None = Field(None, description="for office staff; a partner agent refers for its own partner")
    patient: PatientIn
    service: str = Field(..., description="a service code of the price list")
    icd10_codes: list[str] = Field(..., min_length=1)
    stage: str = ""
    clinical_summary: str = ""
    latest_start: date | None = None


class QuoteLineOut(Schema):
    service: str = Field(..., alias="service.code")
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class QuoteOut(Schema):
    id: int
    number: str
    issued_on: date
    valid_until: date
    currency: str
    rate: Decimal
    total: Decimal
    status: str
    lines: list[QuoteLineOut]


class InvoiceOut(Schema):
    id: int
    number: str
    issued_on: date
    due_on: date
    currency: str
    total: Decimal
    balance: Decimal


class ReferralOut(Schema):
    id: int
    state: str
    partner_id: int
    patient_id: int
    patient_name: str
    passport_masked: str
    service: str
    icd10_codes: list[str]
    stage: str
    proposed_protocol: str
    latest_start: date | None
    start_date: date | None
    allowed_transitions: list[str]
    overdue: bool
    quotes: list[QuoteOut] = []
    invoices: list[InvoiceOut] = []


class TransitionIn(StrictSchema):
    comment: str = ""
    protocol: str = ""


class QuoteLineIn(StrictSchema):
    service: str = Field(..., max_length=40, description="a code of the price list (proton-25)")
    quantity: Decimal = Field(Decimal(1), description="above 0, below a million, at most two decimals")


class QuoteIn(StrictSchema):
    lines: list[QuoteLineIn] = Field(..., description='[{"service": "proton-25", "quantity": 1}]')


class PaymentIn(StrictSchema):
    amount: Decimal = Field(..., gt=0)
    paid_on: date
    kind: Literal["payment", "refund"] = "payment"
    overpayment: bool = False
    reference: str = ""


def _invoice_out(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
        "currency": invoice.currency,
        "total": invoice.total,
        "balance": services.invoice_balance(invoice),
    }


def _referral_out(user: User, referral: Referral, detail: bool = False, overdue: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": referral.pk,
        "state": referral.state,
        "partner_id": referral.partner_id,
        "patient_id": referral.patient_id,
        "patient_name": str(referral.patient),
        "passport_masked": referral.patient.passport_masked,
        "service": referral.service.code,
        "icd10_codes": referral.icd10_codes,
        "stage": referral.stage,
        "proposed_protocol": referral.proposed_protocol,
        "latest_start": referral.latest_start,
        "start_date": referral.start_date,
        "allowed_transitions": selectors.transitions_for(user, referral),
        "overdue": selectors.is_overdue(referral) if overdue is None else overdue,
    }
    if detail:
        out["quotes"] = list(referral.quotes.prefetch_related("lines__service"))
        out["invoices"] = [_invoice_out(i) for i in referral.invoices.all()]
    return out


@router.post("/referrals", response={201: ReferralOut, **ERRORS}, summary="Refer a patient (partner portal)")
def referral_submit(request: HttpRequest, payload: ReferralIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    referral = services.referral_register_and_submit(
        user=user,
        partner_id=payload.partner_id,
        patient=payload.patient.model_dump(),
        service_code=payload.service,
        icd10_codes=payload.icd10_codes,
        stage=payload.stage,
        clinical_summary=payload.clinical_summary,
        latest_start=payload.latest_start,
        request=request,
    )
    return Status(201, _referral_out(user, referral, detail=True))


class ReferralFilters(Schema):
    state: str | None = None
    overdue: bool | None = None


@router.get("/referrals", response={200: list[ReferralOut], **ERRORS}, summary="Referrals you may see")
@paginate(BoundedPagination, page_size=50)
def referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> Any:
    user = request_user(request)
    rows = selectors.referrals_list(user=user, state=filters.state)
    if filters.overdue is not None:  # in the database, not after loading every row
        late = selectors.overdue_q()
        rows = rows.filter(late) if filters.overdue else rows.exclude(late)
    listed = list(rows)
    late_ids = selectors.overdue_ids(listed)
    return [_referral_out(user, r, overdue=r.pk in late_ids) for r in listed]


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **ERRORS}, summary="One referral")
def referral(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    user = request_user(request)
    return _referral_out(user, selectors.referral_get(user=user, referral_id=referral_id), detail=True)


@router.post(
    "/referrals/{referral_id}/transitions/{name}", response={200: ReferralOut, **ERRORS}, summary="Move a referral on"
)
def referral_transition(request: HttpRequest, referral_id: int, name: str, payload: TransitionIn) -> dict[str, Any]:
    user = request_user(request)
    referral = selectors.referral_get(user=user, referral_id=referral_id)
    moved = services.referral_transition(
        user=user, referral=referral, name=name, request=request, **payload.model_dump()
    )
    return _referral_out(user, moved, detail=True)


@router.post("/referrals/{referral_id}/quotes", response={201: QuoteOut, **ERRORS}, summary="Prepare a quote")
def quote_create(request: HttpRequest, referral_id: int, payload: QuoteIn) -> Status[Quote]:
    user = request_user(request)
    referral = selectors.referral_get(user=user, referral_id=referral_id)
    return Status(
        201, services.quote_create(user=user, referral=referral, lines=[line.model_dump() for line in payload.lines])
    )


@router.post(
    "/invoices/{invoice_id}/payments", response={201: InvoiceOut, **ERRORS}, summary="Record a payment or refund"
)
def payment_record(request: HttpRequest, invoice_id: int, payload: PaymentIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    invoice = get_visible(user, Invoice.objects.all(), pk=invoice_id)
    services.payment_record(user=user, invoice=invoice, **payload.model_dump())
    invoice.refresh_from_db()
    return Status(201, _invoice_out(invoice))


class PassportNumberOut(Schema):
    passport_number: str


class PatientOut(Schema):
    id: int
    family_name: str
    given_name: str
    name_native: str
    date_of_birth: date
    sex: str
    citizenship: str = Field(..., alias="citizenship.code")
    partner_id: int
    passport_masked: str
    preferred_language: str
    languages: list[str]


class PatientFilters(Schema):
    q: str = Field(
        "",
        max_length=200,
        description="words of the Latin or native name (each must occur), a registry id, or — for the roles that "
        "may see full passport numbers — a passport number",
    )


@router.get("/patients", response={200: list[PatientOut], **ERRORS}, summary="Search the foreign patient registry")
@paginate(BoundedPagination, page_size=50)
def patients(request: HttpRequest, filters: Query[PatientFilters]) -> Any:
    user = request_user(request)
    require_permission(user, "tourism.view_foreignpatient", action="see the foreign patient registry")
    return selectors.patients_search(user=user, query=filters.q)


@router.get(
    "/patients/{patient_id}/passport-number",
    response={200: PassportNumberOut, **ERRORS},
    summary="A patient's full passport number (audited)",
)
def passport_number(request: HttpRequest, patient_id: int) -> dict[str, str]:
    user = request_user(request)
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient_id)
    return {"passport_number": services.patient_passport_number(user=user, patient=patient, request=request)}


class AnonymiseIn(StrictSchema):
    reason: str = Field(..., min_length=1, max_length=200, description="why, e.g. the patient's request of a date")


class AnonymisedOut(Schema):
    id: int
    family_name: str
    given_name: str
    anonymised_at: datetime


@router.get(
    "/patients/{patient_id}/export",
    response={200: dict[str, Any], **ERRORS},
    summary="Everything held about one foreign patient, as JSON (audited; FHIR: /fhir/Patient/{id}/$everything)",
)
def patient_export(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    return privacy.patient_data_export(user=request_user(request), patient_id=patient_id, request=request)


@router.post(
    "/patients/{patient_id}/anonymise",
    response={200: AnonymisedOut, **ERRORS},
    summary="Anonymise a patient now (all referrals closed, nothing owed); cannot be undone",
)
def patient_anonymise(request: HttpRequest, patient_id: int, payload: AnonymiseIn) -> ForeignPatient:
    user = request_user(request)
    require_permission(user, "tourism.anonymise_foreignpatient", action="anonymise patients")
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient_id)
    return privacy.patient_anonymise(user=user, patient=patient, reason=payload.reason, request=request)


# ---------------------------------------------------------------- possible duplicate patients (the office only)


class DuplicatePatientOut(Schema):
    id: int
    partner_id: int
    partner: str = Field(..., alias="partner.name")
    family_name: str
    given_name: str
    date_of_birth: date
    citizenship: str = Field(..., alias="citizenship.code")
    passport_masked: str


class PossibleDuplicateOut(Schema):
    id: int
    match: Literal["passport", "name_dob"]
    status: Literal["open", "merged", "dismissed"]
    found_at: datetime
    newcomer: DuplicatePatientOut = Field(..., description="the registration that matched")
    existing: DuplicatePatientOut = Field(..., description="another partner's patient registered before")
    decided_by: str | None = Field(None, alias="decided_by.username")
    decided_at: datetime | None


class PossibleDuplicateFilters(Schema):
    status: Literal["open", "merged", "dismissed"] = Field("open", description="open (the default), merged, dismissed")


@router.get(
    "/possible-duplicates",
    response={200: list[PossibleDuplicateOut], **ERRORS},
    summary="Registrations that may be another partner's patient (coordinators, national admins)",
)
@paginate(BoundedPagination, page_size=50)
def possible_duplicates(request: HttpRequest, filters: Query[PossibleDuplicateFilters]) -> Any:
    return selectors.possible_duplicates_list(user=request_user(request), status=filters.status)


@router.get(
    "/possible-duplicates/{duplicate_id}",
    response={200: PossibleDuplicateOut, **ERRORS},
    summary="One possible duplicate patient",
)
def possible_duplicate(request: HttpRequest, duplicate_id: int) -> Any:
    return selectors.possible_duplicate_get(user=request_user(request), duplicate_id=duplicate_id)


@router.post(
    "/possible-duplicates/{duplicate_id}/merge",
    response={200: PossibleDuplicateOut, **ERRORS},
    summary="Link the two records as one person (each partner keeps its own record; audited)",
)
def possible_duplicate_merge(request: HttpRequest, duplicate_id: int) -> Any:
    user = request_user(request)
    duplicate = selectors.possible_duplicate_get(user=user, duplicate_id=duplicate_id)
    services.possible_duplicate_merge(user=user, duplicate=duplicate, request=request)
    return selectors.possible_duplicate_get(user=user, duplicate_id=duplicate_id)


@router.post(
    "/possible-duplicates/{duplicate_id}/dismiss",
    response={200: PossibleDuplicateOut, **ERRORS},
    summary="Different people: close the match (audited)",
)
def possible_duplicate_dismiss(request: HttpRequest, duplicate_id: int) -> Any:
    user = request_user(request)
    duplicate = selectors.possible_duplicate_get(user=user, duplicate_id=duplicate_id)
    services.possible_duplicate_dismiss(user=user, duplicate=duplicate, request=request)
    return selectors.possible_duplicate_get(user=user, duplicate_id=duplicate_id)


# ---------------------------------------------------------------- rates, companions, consents, letters


class RateIn(StrictSchema):
    date: date
    currency: str = Field(..., min_length=3, max_length=3)
    rate: Decimal = Field(..., gt=0, description="roubles per one unit of the currency")


class RateOut(Schema):
    date: date
    currency: str
    rate: Decimal


@router.get("/exchange-rates", response={200: list[RateOut], **ERRORS}, summary="Exchange rates (RUB per unit)")
@paginate(BoundedPagination, page_size=100)
def exchange_rates(request: HttpRequest, currency: str | None = None) -> Any:
    if not request_user(request).has_perm("tourism.view_quote"):
        raise NotAllowed("You are not allowed to read exchange rates.")
    rates = ExchangeRate.objects.all()
    return rates.filter(currency=currency.upper()) if currency else rates


@router.post("/exchange-rates", response={201: RateOut, **ERRORS}, summary="Enter an exchange rate")
def exchange_rate_set(request: HttpRequest, payload: RateIn) -> Status[ExchangeRate]:
    return Status(
        201,
        services.exchange_rate_set(
            user=request_user(request), day=payload.date, currency=payload.currency, rate=payload.rate
        ),
    )


@router.post(
    "/exchange-rates/import",
    response={200: dict[str, int], **ERRORS},
    summary="Import rates from CSV",
    auth=upload_auth(permission="tourism.add_exchangerate", action="import exchange rates", max_bytes=csv_max_bytes),
)
def exchange_rates_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, int]:
    data = read_upload(file, max_bytes=csv_max_bytes())
    return {"imported": services.exchange_rates_import_csv(user=request_user(request), data=data)}


class CompanionIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=200)
    relation: str = Field(..., min_length=1, max_length=60)
    phone: str = ""


class ConsentIn(StrictSchema):
    kind: Literal["data_processing", "treatment"]
    given_on: date


@router.post("/patients/{patient_id}/companions", response={201: dict[str, int], **ERRORS}, summary="Add a companion")
def companion_add(request: HttpRequest, patient_id: int, payload: CompanionIn) -> Status[dict[str, int]]:
    user = request_user(request)
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient_id)
    return Status(201, {"id": services.companion_add(user=user, patient=patient, **payload.model_dump()).pk})


@router.post("/patients/{patient_id}/consents", response={201: dict[str, int], **ERRORS}, summary="Record a consent")
def consent_record(request: HttpRequest, patient_id: int, payload: ConsentIn) -> Status[dict[str, int]]:
    user = request_user(request)
    patient = get_visible(user, ForeignPatient.objects.all(), pk=patient_id)
    return Status(201, {"id": services.consent_record(user=user, patient=patient, **payload.model_dump()).pk})


@router.get(
    "/message-templates/missing",
    response={200: list[dict[str, str]], **ERRORS},
    summary="Letters that fall back to English, for the translators",
)
def templates_missing(request: HttpRequest) -> list[dict[str, str]]:

    if not request_user(request).has_perm("tourism.view_referral"):
        raise NotAllowed("You are not allowed to read message templates.")
    return [{"code": code, "language": language} for code, language in missing_translations()]
