"""Pages of the passports app: list, overview with workflow, section editing (HTMX), import, export."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, InvalidInput, NotFound
from onconet.core.http import request_user
from onconet.core.models import FacilityKind, FederalDistrict, Region
from onconet.core.params import BIGINT_MAX, id_or_none, int_or_none, period_or_none
from onconet.core.scoping import require_permission, visible
from onconet.core.selectors import jobs_list
from onconet.core.uploads import UploadTooLarge, upload_view
from onconet.passports import export, labels, selectors, services
from onconet.passports.api import XLSX, export_response, start_import_job
from onconet.passports.dhis2 import data_value_set
from onconet.passports.export import ROW_BUILDERS
from onconet.passports.forms import SECTION_SHEETS, ImportForm, NewPassportForm, SectionRowForm
from onconet.passports.models import (
    BedProfile,
    ComplianceStatus,
    EquipmentKind,
    Passport,
    PassportStatus,
    Specialty,
    Standard,
)
from onconet.passports.rules import RULES, passport_check

SECTION_FILTERS = {
    "facilities": FacilityKind.choices,
    "staff": Specialty.choices,
    "equipment": EquipmentKind.choices,
    "beds": BedProfile.choices,
    "compliance": ComplianceStatus.choices,
}
SECTION_LABELS = labels.SECTIONS


TRANSITION_DONE = {
    "submit": _("The passport was submitted for approval."),
    "approve": _("The passport was approved."),
    "return": _("The passport was returned to the region for correction."),
    "reopen": _("The passport was re-opened."),
}


@login_required
def passports(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "passports.view_passport", action="see passports")
    period = request.GET.get("period", "")
    status = request.GET.get("status", "")
    region = request.GET.get("region", "").strip()
    district = request.GET.get("district", "")
    qs = selectors.passports_list(
        user=user,
        period=period_or_none(period),  # a bad filter is ignored ("²" is a digit to isdigit(), not to int())
        status=status or None,
        region_code=region or None,
        federal_district=district or None,
        sort=request.GET.get("sort", "-period"),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    years = sorted(set(selectors.passports_list(user=user).values_list("period", flat=True)), reverse=True)
    return render(
        request,
        "passports/list.html",
        {
            "page": page,
            "period": period,
            "status": status,
            "region": region,
            "district": district,
            "years": years,
            "statuses": PassportStatus.choices,
            "districts": FederalDistrict.objects.all(),
            "can_add": user.has_perm("passports.add_passport"),
        },
    )


@login_required
def passport_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "passports.add_passport", action="start passports")
    regions = visible(user, Region.objects.filter(country__code="RU")).order_by("code")
    form = NewPassportForm(request.POST or None, regions=regions, initial={"period": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            passport = services.passport_create(
                user=user,
                region=form.cleaned_data["region"],
                period=form.cleaned_data["period"],
                copy_forward=form.cleaned_data["copy_forward"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("The passport was started."))
            return redirect("passports:detail", pk=passport.pk)
    return render(request, "passports/new.html", {"form": form})


@login_required
def passport_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=pk)
    return render(
        request,
        "passports/detail.html",
        {
            "passport": passport,
            "counts": selectors.passport_counts(passport),
            "score": selectors.compliance_score(passport),
            "history": selectors.passport_history(passport),
            "actions": services.PASSPORTS.open_to(user, passport.status),
            "sections": SECTION_LABELS,
            "can_edit": passport.is_editable and user.has_perm("passports.change_passport"),
            "rules": RULES,
        },
    )


@login_required
def passport_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The findings of every rule (loaded into the overview by the Check button)."""
    passport = selectors.passport_get(user=request_user(request), passport_id=pk)
    findings = passport_check(passport=passport)
    return render(
        request,
        "passports/_findings.html",
        {
            "passport": passport,
            "findings": findings,
            "errors": sum(1 for f in findings if f.severity == "error"),
            "warnings": sum(1 for f in findings if f.severity == "warning"),
        },
    )


@login_required
@require_POST
def passport_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=pk)
    comment = request.POST.get("comment", "")
    try:
        if action == "submit":
            services.passport_submit(passport=passport, user=user, request=request)
        elif action == "approve":
            services.passport_approve(passport=passport, user=user, comment=comment, request=request)
        elif action == "return":
            services.passport_return(passport=passport, user=user, comment=comment, request=request)
        elif action == "reopen":
            services.passport_reopen(passport=passport, user=user, reason=comment, request=request)
        else:
            raise NotFound("No such action.")
    except (InvalidInput, DomainError) as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(request, TRANSITION_DONE[action])
    return redirect("passports:detail", pk=passport.pk)


@login_required
def passport_region(request: HttpRequest, pk: int) -> HttpResponse:
    """The region sheet: population, new cases, central dispensary."""
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=pk)
    dispensaries = passport.region.facilities.filter(kind=FacilityKind.DISPENSARY).order_by("code")
    errors: dict[str, Any] = {}
    if request.method == "POST":
        raw = {key: request.POST.get(key, "").strip() for key in ("population", "cancer_incidence", "dispensary")}
        for key in ("population", "cancer_incidence"):
            if raw[key] and int_or_none(raw[key], minimum=0, maximum=BIGINT_MAX) is None:
                errors[key] = _("must be a whole number")
        if not raw["population"]:
            errors["population"] = _("is required")
        if not errors:
            try:
                services.passport_update_region_sheet(
                    user=user,
                    passport=passport,
                    population=int(raw["population"]),
                    cancer_incidence=int(raw["cancer_incidence"]) if raw["cancer_incidence"] else None,
                    dispensary_id=id_or_none(raw["dispensary"]),
                    request=request,
                )
            except InvalidInput as exc:
                errors = {problem.field: problem.message for problem in exc.errors}
            except DomainError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect("passports:detail", pk=passport.pk)
    return render(
        request,
        "passports/region_sheet.html",
        {"passport": passport, "dispensaries": dispensaries, "errors": errors, "values": request.POST or None},
    )


def _row_context(passport: Passport, section: str, instance: Any) -> dict[str, Any]:
    row = ROW_BUILDERS[section](instance, passport.region.code)
    columns = (
        [c.name for c in SECTION_SHEETS[section].columns if c.name != "region_code"]
        if section in SECTION_SHEETS
        else []
    )
    cells = [labels.shown(section, name, row[name]) for name in columns]
    return {"row": instance, "cells": cells, "section": section, "passport": passport}


@login_required
def passport_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=pk)
    if section not in SECTION_LABELS:
        raise NotFound("No such section.")
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("filter", "")
    rows = selectors.section_rows(passport, section, query=query, filter_value=kind)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    editable = section in SECTION_SHEETS and passport.is_editable and user.has_perm("passports.change_passport")
    sheet = SECTION_SHEETS.get(section)
    columns = [
        {"name": c.name, "label": labels.column_label(section, c.name), "help": c.help, "required": c.required}
        for c in (sheet.columns if sheet else ())
        if c.name != "region_code"
    ]
    return render(
        request,
        "passports/section.html",
        {
            "passport": passport,
            "section": section,
            "section_label": SECTION_LABELS[section],
            "sections": SECTION_LABELS,
            "page": page,
            "rows": [_row_context(passport, section, r) for r in page] if sheet else page,
            "columns": columns,
            "q": query,
            "filter": kind,
            "filters": SECTION_FILTERS[section],
            "editable": editable,
            "form": SectionRowForm(sheet=sheet, passport=passport) if editable and sheet else None,
        },
    )


@login_required
def section_row(request: HttpRequest, pk: int, section: str, row_id: int | None = None) -> HttpResponse:
    """HTMX: GET a row (display, or `?edit=1` its form), POST to add or save it, DELETE to remove it."""
    user = request_user(request)
    passport = selectors.passport_get(user=user, passport_id=pk)
    sheet = SECTION_SHEETS.get(section)
    if sheet is None:
        raise NotFound("No such section.")
    model = services.SECTION_MODELS[section]
    instance = None
    if row_id is not None:
        instance = model.objects.filter(passport=passport, pk=row_id).first()  # type: ignore[attr-defined]
        if instance is None:
            raise NotFound("No such row.")
    if request.method == "DELETE":
        assert row_id is not None
        try:
            services.passport_row_delete(user=user, passport=passport, section=section, row_id=row_id, request=request)
        except DomainError as exc:
            return HttpResponse(exc.detail, status=exc.status_code)
        return HttpResponse("")
    if request.method == "GET":
        if request.GET.get("edit") and instance is not None:
            initial = {k: v for k, v in ROW_BUILDERS[section](instance, passport.region.code).items() if v is not None}
            form = SectionRowForm(initial=initial, sheet=sheet, passport=passport)
            return render(
                request,
                "passports/_row_form.html",
                {"form": form, "section": section, "passport": passport, "row": instance},
            )
        if instance is None:  # the add-row URL takes a POST; there is no row to show
            return HttpResponse("Name a row to show, or POST a new one.", status=400)
        return render(request, "passports/_row.html", {**_row_context(passport, section, instance), "editable": True})
    form = SectionRowForm(request.POST, sheet=sheet, passport=passport)
    if form.is_valid():
        try:
            saved = services.passport_row_save(
                user=user, passport=passport, section=section, values=form.values(), row_id=row_id, request=request
            )
        except InvalidInput as exc:
            for problem in exc.errors:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            saved = model.objects.get(pk=saved.pk)  # type: ignore[attr-defined]
            context = {**_row_context(passport, section, saved), "editable": True, "fresh": True}
            if row_id is None:  # a fresh, empty form replaces the one just used
                context["new_form"] = SectionRowForm(sheet=sheet, passport=passport)
            return render(request, "passports/_row.html", context)
    response = render(
        request, "passports/_row_form.html", {"form": form, "section": section, "passport": passport, "row": instance}
    )
    response["HX-Retarget"] = f"#row-{row_id}" if row_id else "#new-row"
    response["HX-Reswap"] = "outerHTML"
    return response


def _import_max_bytes() -> int:
    return int(settings.PASSPORT_IMPORT_MAX_MB) * 1024 * 1024


def _import_refused(request: HttpRequest, detail: str) -> HttpResponse:
    """The import form with the refusal on its file field (the body was not read, or was cut off)."""
    form = ImportForm(data={"period": request.GET.get("period", "")}, files=MultiValueDict())
    form.is_valid()
    form.errors.clear()
    form.errors["file"] = form.error_class([detail])
    return render(request, "passports/import.html", {"form": form, "max_mb": settings.PASSPORT_IMPORT_MAX_MB})


@upload_view(
    permission="passports.change_passport",
    action="import passports",
    max_bytes=_import_max_bytes,
    refused=_import_refused,
)
@login_required
def passport_import(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "passports.change_passport", action="import passports")
    if request.method == "POST":
        return _import_form(request)
    form = ImportForm()
    return render(request, "passports/import.html", {"form": form, "max_mb": settings.PASSPORT_IMPORT_MAX_MB})


def _import_form(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = start_import_job(user, upload, upload.name, form.cleaned_data["period"], form.cleaned_data["dry_run"])
        except DomainError as exc:
            form.add_error("file" if isinstance(exc, UploadTooLarge) else None, exc.detail)
        else:
            return redirect("passports:import_job", job_id=job.pk)
    return render(request, "passports/import.html", {"form": form, "max_mb": settings.PASSPORT_IMPORT_MAX_MB})


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = jobs_list(user=request_user(request)).filter(pk=job_id, kind="passport_import").first()
    if job is None:
        raise NotFound("No such import.")
    template = "passports/_import_status.html" if request.headers.get("HX-Request") else "passports/import_job.html"
    return render(request, template, {"job": job})


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(export.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="onconet-passport-template-v1.xlsx"'
    return response


@login_required
def passport_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    passport = selectors.passport_get(user=request_user(request), passport_id=pk)
    if fmt == "dhis2":
        response: HttpResponse = JsonResponse(data_value_set(passport), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="dhis2-{passport.region.code}-{passport.period}.json"'
        return response
    if fmt not in ("xlsx", "csv", "json"):
        raise NotFound("No such format.")
    result = export_response(passport, fmt)
    if isinstance(result, dict):
        response = JsonResponse(result, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = (
            f'attachment; filename="passport-{passport.region.code}-{passport.period}.json"'
        )
        return response
    return result


@login_required
def standards(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "passports.view_standard", action="see the standards catalogue")
    error = None
    if request.method == "POST":
        try:
            services.standard_save(
                user=user,
                code=request.POST.get("code", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                is_active=request.POST.get("is_active") == "on",
            )
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("The standard was saved."))
            return redirect("passports:standards")
    return render(
        request,
        "passports/standards.html",
        {"standards": Standard.objects.all(), "can_edit": user.has_perm("passports.change_standard"), "error": error},
    )
