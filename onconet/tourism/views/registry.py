"""The foreign-patient registry's pages: patients, one patient, the data export, possible duplicates, documents."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, InvalidInput, NotFound
from onconet.core.http import request_user
from onconet.core.models import AuditAction
from onconet.core.params import id_or_none
from onconet.core.scoping import get_visible, require_permission
from onconet.core.uploads import document_headers
from onconet.tourism import privacy, selectors, services
from onconet.tourism.models import (
    ContractDocument,
    DuplicateStatus,
    ForeignPatient,
    PatientDocument,
    Referral,
)


@login_required
def patients(request: HttpRequest) -> HttpResponse:
    """The foreign patient registry and its search; a partner agent sees its own partner's patients only."""
    user = request_user(request)
    require_permission(user, "tourism.view_foreignpatient", action="see the foreign patient registry")
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    qs = (
        selectors.patients_search(user=user, query=query)
        .select_related("partner")
        .prefetch_related(
            Prefetch("referrals", queryset=Referral.objects.only("id", "patient_id", "state").order_by("created_at"))
        )
    )
    page = Paginator(qs, PATIENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tourism/patients.html",
        {"page": page, "q": query, "can_submit": user.has_perm("tourism.add_referral")},
    )


PATIENTS_PAGE_SIZE = 50


@login_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One foreign patient: personal data, companions, consents and referrals; the data export; anonymisation."""
    user = request_user(request)
    require_permission(user, "tourism.view_foreignpatient", action="see the foreign patient registry")
    patient = get_visible(user, ForeignPatient.objects.select_related("partner", "citizenship"), pk=pk)
    if request.method == "POST":
        if request.POST.get("action") != "anonymise":
            raise InvalidInput("Unknown action.")
        require_permission(user, "tourism.anonymise_foreignpatient", action="anonymise patients")
        try:
            privacy.patient_anonymise(
                user=user, patient=patient, reason=request.POST.get("reason", ""), request=request
            )
        except (InvalidInput, DomainError) as exc:
            messages.error(request, exc.summary())
        else:
            messages.success(request, _("The patient is anonymised."))
            return redirect("tourism:patient", pk=patient.pk)
    referrals = patient.referrals.select_related("service").order_by("created_at")
    return render(
        request,
        "tourism/patient.html",
        {
            "patient": patient,
            "referrals": referrals,
            "companions": patient.companions.order_by("pk"),
            "consents": patient.consents.order_by("pk"),
            "same_person": selectors.same_person_records(user=user, patient=patient),
            "retention": privacy.retention_status(patient),
            "can_export": user.has_perm("tourism.export_patient_data"),
            "can_anonymise": user.has_perm("tourism.anonymise_foreignpatient") and patient.anonymised_at is None,
        },
    )


@login_required
def patient_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about one patient as a JSON file (audited)."""

    data = privacy.patient_data_export(user=request_user(request), patient_id=pk, request=request)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="patient-P{pk}.json"'
    return response


@login_required
def possible_duplicates(request: HttpRequest) -> HttpResponse:
    """Registrations that may be another partner's patient: coordinators merge or dismiss them (partners: 404)."""
    user = request_user(request)
    selectors.require_duplicate_reviewer(user)
    if request.method == "POST":
        duplicate = selectors.possible_duplicate_get(user=user, duplicate_id=id_or_none(request.POST.get("duplicate")))
        action = request.POST.get("action")
        try:
            if action == "merge":
                services.possible_duplicate_merge(user=user, duplicate=duplicate, request=request)
                messages.success(request, _("The two records are linked as one person."))
            elif action == "dismiss":
                services.possible_duplicate_dismiss(user=user, duplicate=duplicate, request=request)
                messages.success(request, _("The match was dismissed."))
            else:
                raise InvalidInput("Unknown action.")
        except (InvalidInput, DomainError) as exc:
            messages.error(request, exc.summary())
        return redirect("tourism:duplicates")
    status = request.GET.get("status", DuplicateStatus.OPEN)
    if status not in DuplicateStatus.values:
        status = DuplicateStatus.OPEN
    rows = list(selectors.possible_duplicates_list(user=user, status=status)[:DUPLICATES_SHOWN])
    for row in rows:
        row.pair = (row.newcomer, row.existing)  # type: ignore[attr-defined]
    return render(
        request,
        "tourism/possible_duplicates.html",
        {"duplicates": rows, "status": status, "statuses": DuplicateStatus.choices},
    )


DUPLICATES_SHOWN = 200


@login_required
def document_download(request: HttpRequest, kind: str, pk: int) -> HttpResponseBase:
    """A contract's or a patient's document, only to those who may see the record it belongs to."""

    user = request_user(request)
    if kind == "contract":
        require_permission(user, "tourism.view_contract", action="see contracts")
        contract_document = get_visible(user, ContractDocument.objects.all(), pk=pk)
        document: ContractDocument | PatientDocument = contract_document
        name = contract_document.title
    elif kind == "patient":
        require_permission(user, "tourism.view_patientdocument", action="see patient documents")
        document = get_visible(user, PatientDocument.objects.all(), pk=pk)
        name = document.original_name
        audit_record(actor=user, action=AuditAction.VIEW, obj=document, request=request)
    else:
        raise NotFound("No such document.")
    # a download of the type found when it was stored, under that type's extension, never sniffed or shown inline
    response = FileResponse(document.file.open("rb"), as_attachment=True)
    return document_headers(response, content_type=document.content_type, filename=name)
