"""API of the passports app: list, create, import, export (XLSX/CSV/JSON/DHIS2), check, rows, workflow."""

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onconet.core.api_schemas import ERRORS, StrictSchema
from onconet.core.errors import FieldProblem, InvalidInput, NotAllowed, NotFound
from onconet.core.http import request_user
from onconet.core.models import Job, Region, User
from onconet.core.pagination import BoundedPagination
from onconet.core.scoping import get_visible
from onconet.core.services import job_start
from onconet.core.uploads import UploadTooLarge, too_large_message, upload_auth, upload_stream
from onconet.passports import export, selectors, services
from onconet.passports.dhis2 import data_value_set
from onconet.passports.jobs import store_upload
from onconet.passports.models import Passport, Standard
from onconet.passports.rules import passport_check
from onconet.passports.sheets import SHEETS_BY_NAME
from onconet.passports.workbook import read_workbook

router = Router(tags=["passports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PassportOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    period: int
    status: str
    population: int
    cancer_incidence: int | None
    dispensary: str | None = Field(None, alias="dispensary.code")
    updated_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None


class PassportDetailOut(Schema):
    id: int
    region: str
    period: int
    status: str
    population: int
    cancer_incidence: int | None
    dispensary: str | None
    updated_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    counts: dict[str, int]
    compliance_score: float | None
    allowed_actions: list[str]


class PassportIn(StrictSchema):
    region: str = Field(..., description="ISO 3166-2 code")
    period: int = Field(..., ge=1990, le=2100)
    copy_forward: bool = Field(False, description="start from the region's latest earlier passport")


class PassportFilters(Schema):
    period: int | None = None
    status: Literal["draft", "submitted", "approved"] | None = None
    region: str | None = None
    federal_district: str | None = None


class CommentIn(StrictSchema):
    comment: str = ""


class ImportResultOut(Schema):
    region: str
    period: int
    passport_id: int | None
    dry_run: bool
    created: dict[str, int]
    updated: dict[str, int]


class FindingOut(Schema):
    rule: str
    severity: str
    message: str
    section: str
    row_id: int | None
    field: str
    value: Any = None


class EventOut(Schema):
    at: datetime
    actor: str | None = Field(None, alias="actor.username")
    action: str
    from_status: str
    to_status: str
    comment: str


class StandardOut(Schema):
    code: str
    title: str
    description: str
    is_active: bool


class StandardIn(StrictSchema):
    code: str = Field(..., min_length=1, max_length=40)
    title: str = Field(..., min_length=1, max_length=255)
    description: str = ""
    is_active: bool = True


class RowIn(StrictSchema):
    values: dict[str, Any] = Field(..., description="the row as the workbook's columns (region_code is implied)")


def _detail(user: User, passport: Passport) -> dict[str, Any]:
    actions = services.PASSPORTS.open_to(user, passport.status)
    return {
        "id": passport.pk,
        "region": passport.region.code,
        "period": passport.period,
        "status": passport.status,
        "population": passport.population,
        "cancer_incidence": passport.cancer_incidence,
        "dispensary": passport.dispensary.code if passport.dispensary else None,
        "updated_at": passport.updated_at,
        "submitted_at": passport.submitted_at,
        "approved_at": passport.approved_at,
        "counts": selectors.passport_counts(passport),
        "compliance_score": selectors.compliance_score(passport),
        "allowed_actions": actions,
    }


@router.get("/passports", response={200: list[PassportOut], **ERRORS}, summary="Passports you may see")
@paginate(BoundedPagination, page_size=100)
def passports(request: HttpRequest, filters: Query[PassportFilters]) -> Any:
    return selectors.passports_list(
        user=request_user(request),
        period=filters.period,
        status=filters.status,
        region_code=filters.region,
        federal_district=filters.federal_district,
    )


@router.post(
    "/passports", response={201: PassportDetailOut, **ERRORS}, summary="Start a passport (optionally from last year's)"
)
def passport_create(request: HttpRequest, payload: PassportIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    region = get_visible(user, Region.objects.all(), code__iexact=payload.region)
    passport = services.passport_create(
        user=user, region=region, period=payload.period, copy_forward=payload.copy_forward, request=request
    )
    return Status(201, _detail(user, passport))


@router.get("/passports/template.xlsx", response={200: None, **ERRORS}, summary="The empty passport workbook")
def template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(export.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="onconet-passport-template-v1.xlsx"'
    return response


def _import_max_bytes() -> int:
    return int(settings.PASSPORT_IMPORT_MAX_MB) * 1024 * 1024


# Who may import, and whether the body's declared length fits, are decided with authentication: before ninja or
# the CSRF check reads a byte of the upload (see onconet.core.uploads).
IMPORT_AUTH = upload_auth(
    permission="passports.change_passport", action="import passports", max_bytes=_import_max_bytes
)


@router.post(
    "/passports/import",
    response={200: ImportResultOut, **ERRORS},
    summary="Import a workbook now (all or nothing; every problem listed)",
    auth=IMPORT_AUTH,
)
def passport_import(
    request: HttpRequest, file: File[UploadedFile], period: Form[int | None] = None, dry_run: Form[bool] = False
) -> dict[str, Any]:
    result = services.passport_import(
        book=read_workbook(upload_stream(file), file.name or "upload"),  # read from the spooled file, never copied
        period=period,
        user=request_user(request),
        dry_run=dry_run,
        request=request,
    )
    return result.as_dict()


@router.post(
    "/passports/import-jobs",
    response={202: dict[str, Any], **ERRORS},
    summary="Import a large workbook as a background job (poll /jobs/{id})",
    auth=IMPORT_AUTH,
)
def passport_import_job(
    request: HttpRequest, file: File[UploadedFile], period: Form[int | None] = None, dry_run: Form[bool] = False
) -> Status[dict[str, Any]]:
    job = start_import_job(request_user(request), file, file.name or "upload", period, dry_run)
    return Status(202, {"id": job.pk, "kind": job.kind, "status": job.status, "progress": job.progress})


def start_import_job(
    user: User, upload: DjangoUploadedFile | bytes, filename: str, period: int | None, dry_run: bool
) -> Job:
    """Store the upload (copied in chunks) and queue its import; the shape of the file is checked by the job.
    `period` None: the year is the workbook's own (its region sheet)."""
    if not user.has_perm("passports.change_passport"):
        raise NotAllowed("You are not allowed to import passports.")
    if period is not None and not 1990 <= period <= 2100:
        raise InvalidInput("The year must be between 1990 and 2100.")
    limit = _import_max_bytes()
    size = len(upload) if isinstance(upload, bytes) else (upload.size or 0)
    if size > limit:  # the request's limits stop it sooner; a caller without them is stopped here
        raise UploadTooLarge(too_large_message(size, limit))
    path = store_upload(upload if isinstance(upload, bytes) else upload_stream(upload), filename)
    return job_start(
        user=user,
        kind="passport_import",
        params={"path": path, "filename": filename, "period": period, "dry_run": dry_run},
        internal=True,
    )


@router.get("/passports/{passport_id}", response={200: PassportDetailOut, **ERRORS}, summary="One passport")
def passport(request: HttpRequest, passport_id: int) -> dict[str, Any]:
    user = request_user(request)
    return _detail(user, selectors.passport_get(user=user, passport_id=passport_id))


@router.get(
    "/passports/{passport_id}/export",
    response={200: dict[str, Any], **ERRORS},
    summary="Export as JSON (default), XLSX or a zip of CSV files",
)
def passport_export(request: HttpRequest, passport_id: int, format: Literal["json", "xlsx", "csv"] = "json") -> Any:
    passport = selectors.passport_get(user=request_user(request), passport_id=passport_id)
    return export_response(passport, format)


def export_response(passport: Passport, fmt: str) -> Any:
    name = f"passport-{passport.region.code}-{passport.period}"
    if fmt == "json":
        return export.passport_json(passport)
    if fmt == "xlsx":
        response = HttpResponse(export.workbook_bytes(export.passport_rows(passport)), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(export.csv_zip_bytes(export.passport_rows(passport)), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}-csv.zip"'
    return response


@router.get("/passports/{passport_id}/dhis2", response={200: dict[str, Any], **ERRORS}, summary="DHIS2 dataValueSet")
def passport_dhis2(request: HttpRequest, passport_id: int) -> dict[str, Any]:
    return data_value_set(selectors.passport_get(user=request_user(request), passport_id=passport_id))


@router.get(
    "/passports/{passport_id}/check", response={200: list[FindingOut], **ERRORS}, summary="Run the validation rules"
)
def passport_check_api(request: HttpRequest, passport_id: int) -> list[dict[str, Any]]:
    passport = selectors.passport_get(user=request_user(request), passport_id=passport_id)
    return [finding.as_dict() for finding in passport_check(passport=passport)]


@router.get(
    "/passports/{passport_id}/history", response={200: list[EventOut], **ERRORS}, summary="History and comments"
)
def passport_history(request: HttpRequest, passport_id: int) -> Any:
    return selectors.passport_history(selectors.passport_get(user=request_user(request), passport_id=passport_id))


@router.post(
    "/passports/{passport_id}/submit", response={200: PassportDetailOut, **ERRORS}, summary="Submit for approval"
)
def passport_submit(request: HttpRequest, passport_id: int) -> dict[str, Any]:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=passport_id)
    return _detail(user, services.passport_submit(passport=passport, user=user, request=request))


@router.post(
    "/passports/{passport_id}/approve", response={200: PassportDetailOut, **ERRORS}, summary="Approve (national admins)"
)
def passport_approve(request: HttpRequest, passport_id: int, payload: CommentIn) -> dict[str, Any]:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=passport_id)
    return _detail(
        user, services.passport_approve(passport=passport, user=user, comment=payload.comment, request=request)
    )


@router.post(
    "/passports/{passport_id}/return", response={200: PassportDetailOut, **ERRORS}, summary="Return with a comment"
)
def passport_return(request: HttpRequest, passport_id: int, payload: CommentIn) -> dict[str, Any]:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=passport_id)
    return _detail(
        user, services.passport_return(passport=passport, user=user, comment=payload.comment, request=request)
    )


@router.post(
    "/passports/{passport_id}/reopen",
    response={200: PassportDetailOut, **ERRORS},
    summary="Re-open an approved passport",
)
def passport_reopen(request: HttpRequest, passport_id: int, payload: CommentIn) -> dict[str, Any]:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=passport_id)
    return _detail(
        user, services.passport_reopen(passport=passport, user=user, reason=payload.comment, request=request)
    )


Section = Literal["staff", "equipment", "beds", "compliance"]


def _check_columns(section: str, values: dict[str, Any]) -> None:
    allowed = set(SHEETS_BY_NAME[section].column_names) - {"region_code"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidInput(
            f"Unknown column(s) for {section}: {', '.join(unknown)}.",
            errors=[FieldProblem("unknown column", name) for name in unknown],
        )


@router.post(
    "/passports/{passport_id}/sections/{section}", response={201: dict[str, Any], **ERRORS}, summary="Add a row"
)
def row_add(request: HttpRequest, passport_id: int, section: Section, payload: RowIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    _check_columns(section, payload.values)
    passport = selectors.passport_get(user=user, passport_id=passport_id)
    row = services.passport_row_save(
        user=user, passport=passport, section=section, values=payload.values, request=request
    )
    return Status(201, {"id": row.pk})


@router.put(
    "/passports/{passport_id}/sections/{section}/{row_id}",
    response={200: dict[str, Any], **ERRORS},
    summary="Change a row",
)
def row_change(request: HttpRequest, passport_id: int, section: Section, row_id: int, payload: RowIn) -> dict[str, Any]:
    user = request_user(request)
    _check_columns(section, payload.values)
    passport = selectors.passport_get(user=user, passport_id=passport_id)
    row = services.passport_row_save(
        user=user, passport=passport, section=section, values=payload.values, row_id=row_id, request=request
    )
    return {"id": row.pk}


@router.delete(
    "/passports/{passport_id}/sections/{section}/{row_id}", response={204: None, **ERRORS}, summary="Delete a row"
)
def row_delete(request: HttpRequest, passport_id: int, section: Section, row_id: int) -> Status[None]:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=passport_id)
    services.passport_row_delete(user=user, passport=passport, section=section, row_id=row_id, request=request)
    return Status(204, None)


@router.get("/standards", response={200: list[StandardOut], **ERRORS}, summary="The standards catalogue")
def standards(request: HttpRequest) -> Any:
    if not request_user(request).has_perm("passports.view_standard"):
        raise NotFound("Not found.")
    return Standard.objects.all()


@router.post("/standards", response={200: StandardOut, **ERRORS}, summary="Add or change a standard (national admins)")
def standard_save(request: HttpRequest, payload: StandardIn) -> Standard:
    return services.standard_save(user=request_user(request), **payload.model_dump())
