"""Pages of the international office."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.http import request_user
from onconet.core.models import AuditAction, Country, User
from onconet.core.params import id_or_none
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission, visible
from onconet.core.spreadsheets import table_response
from onconet.core.uploads import csv_max_bytes, document_headers, document_max_bytes, read_upload, upload_view
from onconet.tourism import privacy, selectors, services
from onconet.tourism.letters import letter_languages, missing_translations
from onconet.tourism.models import (
    Contract,
    ContractDocument,
    DocumentKind,
    DuplicateStatus,
    ExchangeRate,
    ForeignPatient,
    InterpreterBooking,
    Invoice,
    MessageTemplate,
    Partner,
    PartnerKind,
    PatientDocument,
    Referral,
    ReferralState,
    Service,
    SupportTask,
    TaskKind,
)
from onconet.tourism.workflow import LABELS


@login_required
def partners(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "tourism.view_partner", action="see partner organisations")
    query = request.GET.get("q", "").strip()
    country = request.GET.get("country", "")
    kind = request.GET.get("kind", "")
    sort = request.GET.get("sort", "name")
    sorts = {
        "name": "name",
        "-name": "-name",
        "country": "country__name",
        "-country": "-country__name",
        "kind": "kind",
        "-kind": "-kind",
        "contacts": "contact_count",
        "-contacts": "-contact_count",
    }
    qs = selectors.partners_list(user=user, country=country or None, kind=kind or None, query=query or None)
    qs = qs.order_by(sorts.get(sort, "name"), "name")
    countries = Country.objects.filter(partners__in=qs.values("pk")).distinct()
    return render(
        request,
        "tourism/partners.html",
        {
            "partners": qs,
            "q": query,
            "country": country,
            "kind": kind,
            "kinds": PartnerKind.choices,
            "countries": countries,
        },
    )


@login_required
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    partner = get_visible(user, Partner.objects.select_related("country"), pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.partner_contact_add(
                user=user,
                partner=partner,
                name=request.POST.get("name", ""),
                position=request.POST.get("position", ""),
                email=request.POST.get("email", ""),
                phone=request.POST.get("phone", ""),
                language=request.POST.get("language", ""),
                request=request,
            )
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("The contact was added."))
            return redirect("tourism:partner", pk=partner.pk)
    return render(
        request,
        "tourism/partner_detail.html",
        {
            "partner": partner,
            "contacts": selectors.partner_contacts(user=user, partner=partner),
            "can_add_contact": user.has_perm("tourism.add_partnercontact"),
            "error": error,
        },
    )


# ================================================================ the office's pages and the partner portal


@login_required
def office_queue(request: HttpRequest) -> HttpResponse:
    """The work queue: referrals by state, oldest first, with the ones past their service level flagged."""
    user = request_user(request)
    require_permission(user, "tourism.view_referral", action="see referrals")
    state = request.GET.get("state", "")
    overdue_only = request.GET.get("overdue") == "1"
    referrals = list(selectors.referrals_list(user=user, state=state or None))
    late = selectors.overdue_ids(referrals)
    rows = [{"referral": r, "overdue": r.pk in late, "actions": selectors.transitions_for(user, r)} for r in referrals]
    if overdue_only:
        rows = [row for row in rows if row["overdue"]]
    counts = Counter(r.state for r in selectors.referrals_list(user=user))
    return render(
        request,
        "tourism/queue.html",
        {
            "rows": rows,
            "state": state,
            "overdue_only": overdue_only,
            "states": [(value, label, counts.get(value, 0)) for value, label in ReferralState.choices],
            "can_submit": user.has_perm("tourism.add_referral"),
        },
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


def _transition_form_fields(name: str) -> list[str]:
    return {
        "accept": ["protocol"],
        "decline": ["comment"],
        "ask_more_info": ["comment"],
        "provide_info": ["comment"],
    }.get(name, [])


# Every action of the page posts here, and each role sees referrals its own way: a multipart POST needs only a
# signed-in user before it is read (at most a document's size); the referral and the permission to add a document
# are checked below.
@upload_view(permission=None, action="change referrals", max_bytes=document_max_bytes)
@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    referral = selectors.referral_get(user=user, referral_id=pk)
    full_passport = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "transition":
                services.referral_transition(
                    user=user,
                    referral=referral,
                    name=request.POST.get("name", ""),
                    comment=request.POST.get("comment", ""),
                    protocol=request.POST.get("protocol", ""),
                    request=request,
                )
            elif action == "quote":
                services.quote_create(user=user, referral=referral, lines=[{"service": referral.service.code}])
            elif action == "payment":
                invoice = get_visible(
                    user, Invoice.objects.filter(referral=referral), pk=int(request.POST.get("invoice", 0))
                )
                services.payment_record(
                    user=user,
                    invoice=invoice,
                    amount=request.POST.get("amount", ""),
                    paid_on=timezone.localdate(),
                    kind=request.POST.get("kind", "payment"),
                    overpayment=request.POST.get("overpayment") == "on",
                )
            elif action == "document":
                upload = request.FILES.get("file")
                if upload is None:
                    raise InvalidInput("Choose a file.")
                require_permission(user, "tourism.add_patientdocument", action="upload documents")  # before reading
                services.document_upload(
                    user=user,
                    referral=referral,
                    data=read_upload(upload, max_bytes=document_max_bytes()),
                    filename=upload.name or "file",
                    kind=request.POST.get("kind", "other"),
                    request=request,
                )
            elif action == "passport":
                full_passport = services.patient_passport_number(user=user, patient=referral.patient, request=request)
            elif action == "assign":
                coordinator = User.objects.filter(
                    pk=int(request.POST.get("coordinator") or 0), role=Role.COORDINATOR
                ).first()
                if coordinator is None:
                    raise InvalidInput("Choose a coordinator.")
                services.coordinator_assign(user=user, referral=referral, coordinator=coordinator)
            elif action == "book":
                interpreter = User.objects.filter(
                    pk=int(request.POST.get("interpreter") or 0), role=Role.INTERPRETER
                ).first()
                if interpreter is None:
                    raise InvalidInput("Choose an interpreter.")
                starts = datetime.fromisoformat(request.POST.get("starts_at", ""))
                ends = datetime.fromisoformat(request.POST.get("ends_at", ""))
                services.interpreter_book(
                    user=user,
                    referral=referral,
                    interpreter=interpreter,
                    starts_at=timezone.make_aware(starts),
                    ends_at=timezone.make_aware(ends),
                )
            elif action == "task":
                services.task_create(
                    user=user,
                    referral=referral,
                    kind=request.POST.get("kind", "other"),
                    title=request.POST.get("title", ""),
                    due_on=date.fromisoformat(request.POST.get("due_on", "")),
                )
            elif action == "task_done":
                task = get_visible(
                    user, SupportTask.objects.filter(referral=referral), pk=int(request.POST.get("task") or 0)
                )
                services.task_done(user=user, task=task)
            else:
                raise InvalidInput("Unknown action.")
        except ValueError:
            messages.error(request, _("Dates and times must be complete (YYYY-MM-DD, HH:MM)."))
        except (InvalidInput, DomainError) as exc:
            messages.error(request, exc.summary())
        else:
            if action != "passport":
                messages.success(request, _("Done."))
                return redirect("tourism:referral", pk=referral.pk)
        referral = selectors.referral_get(user=user, referral_id=pk)
    transitions = [
        {"name": name, "label": LABELS[name], "fields": _transition_form_fields(name)}
        for name in selectors.transitions_for(user, referral)
    ]
    invoices = [{"invoice": i, "balance": services.invoice_balance(i)} for i in referral.invoices.all()]
    return render(
        request,
        "tourism/referral.html",
        {
            "referral": referral,
            "transitions": transitions,
            "overdue": selectors.is_overdue(referral),
            "quotes": referral.quotes.prefetch_related("lines__service"),
            "invoices": invoices,
            "documents": referral.documents.all(),
            "history": referral.events.select_related("actor"),
            "full_passport": full_passport,
            "document_kinds": DocumentKind.choices,
            "can_quote": user.role in (Role.COORDINATOR, Role.FINANCE_OFFICER)
            and referral.state == ReferralState.ACCEPTED,
            "can_pay": user.role == Role.FINANCE_OFFICER,
            "can_see_passport": user.has_perm("tourism.view_passport_number"),
            "can_upload": user.has_perm("tourism.add_patientdocument"),
            "is_coordinator": user.role == Role.COORDINATOR,
            "coordinators": User.objects.filter(role=Role.COORDINATOR, is_active=True),
            "interpreters": selectors.interpreters_speaking(referral.patient.preferred_language),
            "bookings": referral.interpreter_bookings.select_related("interpreter"),
            "tasks": referral.tasks.all(),
            "task_kinds": TaskKind.choices,
            "letters": [(code, label, letter_languages(referral)) for code, label in LETTERS],
            "today": timezone.localdate(),
        },
    )


LETTERS = [
    ("visa_invitation", gettext_lazy("Visa invitation")),
    ("treatment_invitation", gettext_lazy("Treatment invitation")),
    ("arrival_instructions", gettext_lazy("Arrival instructions")),
]


@login_required
def letter_download(request: HttpRequest, pk: int, code: str, language: str) -> HttpResponse:
    user = request_user(request)
    referral = selectors.referral_get(user=user, referral_id=pk)
    try:
        name, pdf, fell_back = services.letter_generate(
            user=user, referral=referral, code=code, language=language, request=request
        )
    except (InvalidInput, DomainError) as exc:
        messages.error(request, exc.detail)
        return redirect("tourism:referral", pk=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if fell_back:
        response["X-Letter-Language-Fallback"] = "en"
    return response


@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    """The partner portal's referral form (office staff choose the partner)."""
    user = request_user(request)
    require_permission(user, "tourism.add_referral", action="submit referrals")
    partners = selectors.partners_list(user=user)
    error = None
    values = request.POST
    if request.method == "POST":
        try:
            partner = (
                selectors.agent_partner(user)
                if user.role == Role.PARTNER_AGENT
                else get_visible(user, Partner.objects.all(), pk=int(values.get("partner") or 0))
            )
            born = date.fromisoformat(values.get("date_of_birth", ""))
            latest = values.get("latest_start", "")
            assert partner is not None
            with transaction.atomic():
                patient = services.patient_register(
                    user=user,
                    partner=partner,
                    family_name=values.get("family_name", ""),
                    given_name=values.get("given_name", ""),
                    name_native=values.get("name_native", ""),
                    date_of_birth=born,
                    sex=values.get("sex", ""),
                    citizenship=values.get("citizenship", ""),
                    passport_number=values.get("passport_number", ""),
                    preferred_language=values.get("preferred_language", ""),
                    phone=values.get("phone", ""),
                    request=request,
                )
                referral = services.referral_submit(
                    user=user,
                    patient=patient,
                    service_code=values.get("service", ""),
                    icd10_codes=[c for c in values.get("icd10_codes", "").replace(",", " ").split() if c],
                    stage=values.get("stage", ""),
                    clinical_summary=values.get("clinical_summary", ""),
                    latest_start=date.fromisoformat(latest) if latest else None,
                    request=request,
                )
        except ValueError:
            error = InvalidInput(str(_("Dates must be given as YYYY-MM-DD.")))
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("The referral was sent to the international office."))
            return redirect("tourism:referral", pk=referral.pk)
    return render(
        request,
        "tourism/referral_new.html",
        {
            "partners": partners,
            "services": Service.objects.all(),
            "error": error,
            "values": values,
            "choose_partner": user.role != Role.PARTNER_AGENT,
        },
    )


@login_required
def office_dashboard(request: HttpRequest) -> HttpResponse:
    """The office at a glance: queue by state, overdue work, funnel, time to treatment, quotas, alerts, money."""
    user = request_user(request)
    require_permission(user, "tourism.view_referral", action="see the office dashboard")
    referrals = list(selectors.referrals_list(user=user))
    by_state = Counter(r.state for r in referrals)
    late = selectors.overdue_ids(referrals)
    overdue = [r for r in referrals if r.pk in late]
    funnel_rows = selectors.funnel(user=user)
    months = sorted({row["month"] for row in funnel_rows})
    series = {
        stage: [sum(row[stage] for row in funnel_rows if row["month"] == m) for m in months]
        for stage in ("inquiries", "accepted", "treated")
    }
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [str(_("inquiries")), str(_("accepted")), str(_("treated"))]},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value", "minInterval": 1},
        "color": ["#3d405b", "#e07a5f", "#0b5563"],
        "series": [{"name": str(_(stage)), "type": "bar", "data": values} for stage, values in series.items()],
    }
    finance = user.role in (Role.FINANCE_OFFICER, Role.NATIONAL_ADMIN)
    table, fmt = request.GET.get("table"), request.GET.get("format", "")
    if finance and fmt in ("csv", "xlsx") and table == "revenue":
        return table_response(
            [
                [r["month"], r["partner"], r["currency"], r["amount"], r["converted"]]
                for r in selectors.revenue(user=user)
            ],
            ["month", "partner", "currency", "amount", "eur_at_pinned_rates"],
            fmt=fmt,
            filename="revenue",
        )
    if finance and fmt in ("csv", "xlsx") and table == "receivables":
        return table_response(
            [
                [
                    i["invoice"].number,
                    i["invoice"].referral.partner.name,
                    i["invoice"].due_on,
                    i["balance"],
                    i["invoice"].currency,
                    i["overdue"],
                ]
                for i in selectors.receivables(user=user)
            ],
            ["invoice", "partner", "due_on", "balance", "currency", "overdue"],
            fmt=fmt,
            filename="receivables",
        )
    return render(
        request,
        "tourism/dashboard.html",
        {
            "states": [(value, label, by_state.get(value, 0)) for value, label in ReferralState.choices],
            "overdue": overdue[:20],
            "overdue_count": len(overdue),
            "funnel": funnel_rows,
            "funnel_chart": chart,
            "median_days": selectors.median_days_to_treatment(user=user),
            "quotas": selectors.quota_use(user=user),
            "expiring": selectors.expiring_contracts(user=user),
            "receivables": selectors.receivables(user=user) if finance else None,
            "revenue": selectors.revenue(user=user) if finance else None,
        },
    )


@upload_view(permission="tourism.add_contract", action="attach contract documents", max_bytes=document_max_bytes)
@login_required
def contracts(request: HttpRequest) -> HttpResponse:
    """Contracts with their services, quotas and documents; expiring ones flagged."""
    user = request_user(request)
    require_permission(user, "tourism.view_contract", action="see contracts")
    if request.method == "POST":
        contract = get_visible(user, Contract.objects.all(), pk=id_or_none(request.POST.get("contract")))
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("Choose a file.")
            require_permission(user, "tourism.add_contract", action="attach contract documents")  # before reading
            services.contract_document_add(
                user=user,
                contract=contract,
                title=request.POST.get("title", ""),
                data=read_upload(upload, max_bytes=document_max_bytes()),
                filename=upload.name or "contract",
            )
        except InvalidInput as exc:
            messages.error(request, exc.summary())
        else:
            messages.success(request, _("The document was attached."))
        return redirect("tourism:contracts")
    expiring = {c.pk for c in selectors.expiring_contracts(user=user)}
    rows = visible(user, Contract.objects.select_related("partner")).prefetch_related("services__service", "documents")
    return render(
        request,
        "tourism/contracts.html",
        {
            "contracts": rows,
            "expiring": expiring,
            "can_attach": user.has_perm("tourism.add_contract"),
        },
    )


@upload_view(permission="tourism.add_exchangerate", action="import exchange rates", max_bytes=csv_max_bytes)
@login_required
def prices(request: HttpRequest) -> HttpResponse:
    """The price list, the latest exchange rates (enter or import), and letters missing a translation."""
    user = request_user(request)
    require_permission(user, "tourism.view_service", action="see the price list")
    if request.method == "POST":
        try:
            rates_file = request.FILES.get("file")
            if rates_file is not None:
                count = services.exchange_rates_import_csv(user=user, data=rates_file.read())
                messages.success(request, _("%(n)s rates were imported.") % {"n": count})
            else:
                services.exchange_rate_set(
                    user=user,
                    day=date.fromisoformat(request.POST.get("date", "")),
                    currency=request.POST.get("currency", ""),
                    rate=request.POST.get("rate", ""),
                )
                messages.success(request, _("The rate was saved."))
        except ValueError:
            messages.error(request, _("Dates must be given as YYYY-MM-DD."))
        except (InvalidInput, NotAllowed) as exc:
            messages.error(request, exc.summary())
        return redirect("tourism:prices")
    latest: dict[str, ExchangeRate] = {}
    for rate in ExchangeRate.objects.order_by("currency", "-date"):
        latest.setdefault(rate.currency, rate)
    return render(
        request,
        "tourism/prices.html",
        {
            "services": Service.objects.all(),
            "rates": sorted(latest.values(), key=lambda r: r.currency),
            "can_enter": user.has_perm("tourism.add_exchangerate"),
            "missing": missing_translations(),
            "templates": MessageTemplate.objects.values_list("code", "language"),
        },
    )


@login_required
def interpreters(request: HttpRequest) -> HttpResponse:
    """Each interpreter's languages and bookings for the next two weeks: who is free when."""
    user = request_user(request)
    require_permission(user, "tourism.view_referral", action="see interpreters")
    if user.role == Role.PARTNER_AGENT:
        raise NotAllowed("Partner agents do not see the interpreters' calendar.")
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in range(14)]
    rows = []
    for person in User.objects.filter(role=Role.INTERPRETER, is_active=True).order_by("username"):
        bookings = InterpreterBooking.objects.filter(
            interpreter=person, ends_at__date__gte=today, starts_at__date__lte=days[-1]
        ).select_related("referral__patient")
        by_day: dict[date, list[InterpreterBooking]] = {}
        for booking in bookings:
            by_day.setdefault(timezone.localdate(booking.starts_at), []).append(booking)
        rows.append({"interpreter": person, "cells": [by_day.get(day, []) for day in days]})
    return render(request, "tourism/interpreters.html", {"rows": rows, "days": days})


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
