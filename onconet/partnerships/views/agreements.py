"""Agreements: the list with its form, one agreement with its milestones, documents and linked contracts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onconet.core.errors import InvalidInput
from onconet.core.http import request_user
from onconet.core.scoping import get_visible, visible
from onconet.core.uploads import document_max_bytes, read_upload, upload_view
from onconet.partnerships import selectors, services
from onconet.partnerships.forms import AgreementDocumentForm, AgreementForm, MilestoneForm
from onconet.partnerships.models import AgreementKind, AgreementStatus, Milestone
from onconet.partnerships.views.common import can_manage, stored_file
from onconet.tourism.models import Contract


@login_required
def agreements(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = selectors.agreements_list(user=user, kind=request.GET.get("kind", ""), status=request.GET.get("status", ""))
    form = AgreementForm()
    if request.method == "POST":
        services.require_manage(user, "record agreements")
        form = AgreementForm(request.POST)
        if form.is_valid():
            try:
                agreement = services.agreement_create(user=user, **form.cleaned_data)
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The agreement was recorded."))
                return redirect("partnerships:agreement", pk=agreement.pk)
    return render(
        request,
        "partnerships/agreements.html",
        {
            "tab": "agreements",
            "agreements": qs,
            "form": form,
            "can_manage": can_manage(user),
            "kinds": AgreementKind.choices,
            "statuses": AgreementStatus.choices,
            "kind": request.GET.get("kind", ""),
            "status": request.GET.get("status", ""),
            "today": timezone.localdate(),
        },
    )


@upload_view(permission=services.MANAGE, action="attach agreement documents", max_bytes=document_max_bytes)
@login_required
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.agreement_get(user=user, pk=pk)
    form = MilestoneForm()
    if request.method == "POST":
        services.require_manage(user, "change agreements")
    uploading = request.POST.get("what") == "document"
    if request.method == "POST" and not uploading:
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.milestone_add(user=user, agreement=item, **form.cleaned_data)
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The milestone was added."))
                return redirect("partnerships:agreement", pk=pk)
    contracts: Any = []
    if can_manage(user) and user.has_perm("tourism.view_contract"):
        contracts = visible(user, Contract.objects.select_related("partner")).exclude(
            pk__in=item.contracts.values("pk")
        )
    document_form = AgreementDocumentForm()
    if request.method == "POST" and uploading:
        document_form = AgreementDocumentForm(request.POST, request.FILES)
        form = MilestoneForm()
        if document_form.is_valid():
            upload = document_form.cleaned_data["file"]
            try:
                services.agreement_document_add(
                    user=user,
                    agreement=item,
                    title=document_form.cleaned_data["title"],
                    data=read_upload(upload, max_bytes=document_max_bytes()),
                    filename=upload.name,
                )
            except InvalidInput as exc:
                document_form.add_error("file", exc.detail)
            else:
                messages.success(request, _("The document was attached."))
                return redirect("partnerships:agreement", pk=pk)
    milestones = list(item.milestones.all())
    done = sum(1 for m in milestones if m.actual_date)
    return render(
        request,
        "partnerships/agreement.html",
        {
            "tab": "agreements",
            "agreement": item,
            "milestones": milestones,
            "document_form": document_form,
            "progress": round(100 * done / len(milestones)) if milestones else None,
            "form": form,
            "contracts": contracts,
            "can_manage": can_manage(user),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def milestone_reach(request: HttpRequest, milestone_id: int) -> HttpResponse:
    user = request_user(request)
    milestone = get_visible(user, Milestone.objects.all(), pk=milestone_id)
    selectors.agreement_get(user=user, pk=milestone.agreement_id)
    try:
        day = dt.date.fromisoformat(request.POST.get("actual_date", ""))
    except ValueError:
        messages.error(request, _("Give the date the milestone was reached."))
    else:
        try:
            services.milestone_reach(user=user, milestone=milestone, actual_date=day)
        except InvalidInput as exc:
            messages.error(request, exc.summary())
        else:
            messages.success(request, _("The milestone was reached on %(date)s.") % {"date": day.isoformat()})
    return redirect("partnerships:agreement", pk=milestone.agreement_id)


@login_required
@require_POST
def agreement_contract(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.agreement_get(user=user, pk=pk)

    contract = get_visible(user, Contract.objects.all(), pk=request.POST.get("contract"))
    services.agreement_link_contract(user=user, agreement=item, contract=contract)
    messages.success(request, _("The agreement is linked to contract %(n)s.") % {"n": contract.number})
    return redirect("partnerships:agreement", pk=pk)


@login_required
def agreement_document(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.agreement_get(user=user, pk=pk)
    document = get_visible(user, item.documents.all(), pk=document_id)
    with document.file.open("rb") as handle:
        return stored_file(handle, document.content_type, document.file.name.rsplit("/", 1)[-1])
