"""Pages of partnerships: the overview, delegations (programme, participants, costs, outcomes, exports),
agreements with milestones, accreditations with expiry alerts, country profiles and the partners' "why come to us".
Reads go through the selectors, writes through the services; a record outside the user's scope answers 404."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, InvalidInput, NotFound, is_refusal
from onconet.core.http import request_user
from onconet.core.models import Facility, User
from onconet.core.scoping import get_visible, require_permission, visible
from onconet.core.uploads import (
    UploadTooLarge,
    csv_max_bytes,
    document_headers,
    document_max_bytes,
    read_upload,
    upload_view,
)
from onconet.partnerships import exports, selectors, services
from onconet.partnerships.forms import (
    AccreditationForm,
    AgreementDocumentForm,
    AgreementForm,
    CityForm,
    CostForm,
    DelegationForm,
    FollowUpForm,
    IndicatorImportForm,
    InsightForm,
    MilestoneForm,
    OrganisationForm,
    ParticipantForm,
    ProposalForm,
    VisitForm,
)
from onconet.partnerships.models import (
    EXPIRY_ALERT_DAYS,
    ActionStatus,
    AgreementKind,
    AgreementStatus,
    Delegation,
    DelegationStatus,
    Direction,
    FollowUp,
    Milestone,
    Participant,
    Standard,
    Topic,
)
from onconet.tourism.models import Contract

TABS = ("programme", "participants", "costs", "outcomes")
# The delegation page holds several forms at once: prefixes keep their fields (and element ids) apart.
PREFIXES = {
    "visit_form": "visit",
    "participant_form": "participant",
    "cost_form": "cost",
    "insight_form": "insight",
    "proposal_form": "proposal",
    "follow_up_form": "followup",
}
FormFactory = Callable[..., Any]


def _can_manage(user: Any) -> bool:
    return bool(user.has_perm(services.MANAGE))


# ================================================================ overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user.has_perm("partnerships.view_delegation"):
        selectors.require(user, "partnerships.view_accreditation", "see partnerships")
        return redirect("partnerships:accreditations")  # a regional reporter keeps its facilities' certificates
    today = timezone.localdate()
    delegations = list(selectors.delegations_list(user=user))
    by_year: dict[int, Counter[str]] = defaultdict(Counter)
    for d in delegations:
        by_year[d.start_date.year][d.direction] += 1
    years = sorted(by_year)
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [str(label) for _v, label in Direction.choices]},
        "grid": {"left": 10, "right": 10, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "minInterval": 1},
        "color": ["#1f6fd1", "#f28c28"],
        "series": [
            {"name": str(label), "type": "bar", "stack": "d", "data": [by_year[y][value] for y in years]}
            for value, label in Direction.choices
        ],
    }
    open_actions = selectors.follow_ups_list(user=user, status=ActionStatus.OPEN)
    labels = dict(AgreementStatus.choices)
    return render(
        request,
        "partnerships/home.html",
        {
            "tab": "home",
            "upcoming": selectors.upcoming_delegations(user=user, today=today)[:8],
            "overdue": [a for a in open_actions if a.due_date < today],
            "mine": selectors.overdue_actions(user=user, today=today),
            "open_count": open_actions.count(),
            "expiring": selectors.expiring_accreditations(user=user, today=today),
            "late_milestones": Milestone.objects.filter(actual_date__isnull=True, planned_date__lt=today)
            .select_related("agreement")
            .order_by("planned_date")
            if user.has_perm("partnerships.view_agreement")
            else [],
            "agreement_counts": [
                {"status": row["status"], "label": labels.get(row["status"], row["status"]), "n": row["n"]}
                for row in selectors.agreements_list(user=user).values("status").annotate(n=Count("id"))
            ]
            if user.has_perm("partnerships.view_agreement")
            else [],
            "chart": chart if years else None,
            "alert_days": EXPIRY_ALERT_DAYS,
        },
    )


# ================================================================ delegations


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = selectors.delegations_list(
        user=user,
        query=request.GET.get("q", "").strip(),
        status=request.GET.get("status", ""),
        direction=request.GET.get("direction", ""),
    )
    form, city_form, organisation_form = DelegationForm(), CityForm(prefix="city"), OrganisationForm(prefix="org")
    if request.method == "POST":
        services.require_manage(user, "organise delegations")
        form = DelegationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                delegation = services.delegation_create(
                    user=user,
                    title=data["title"],
                    direction=data["direction"],
                    purpose=data["purpose"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    origin=data["origin"],
                    destination=data["destination"],
                    organisers=data["organisers"],
                    budget=data["budget"],
                    budget_currency=data["budget_currency"] or "",
                )
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The delegation was recorded. Now add its programme and participants."))
                return redirect("partnerships:delegation", pk=delegation.pk)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/delegations.html",
        {
            "tab": "delegations",
            "page": page,
            "form": form,
            "city_form": city_form,
            "organisation_form": organisation_form,
            "can_manage": _can_manage(user),
            "statuses": DelegationStatus.choices,
            "directions": Direction.choices,
            "q": request.GET.get("q", ""),
            "status": request.GET.get("status", ""),
            "direction": request.GET.get("direction", ""),
        },
    )


@login_required
@require_POST
def place_add(request: HttpRequest, what: str) -> HttpResponse:
    """Add a city or an organisation from the delegation form's side panel."""
    user = request_user(request)
    services.require_manage(user, "record places and organisations")
    form: Any = (
        CityForm(request.POST, prefix="city") if what == "city" else OrganisationForm(request.POST, prefix="org")
    )
    if form.is_valid():
        try:
            if what == "city":
                made: Any = services.city_get_or_create(user=user, **form.cleaned_data)
            else:
                made = services.organisation_get_or_create(user=user, **form.cleaned_data)
        except InvalidInput as exc:
            messages.error(request, exc.summary())
        else:
            messages.success(request, _("%(name)s can now be chosen.") % {"name": made.name})
    else:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("partnerships:delegations")


def _detail(
    request: HttpRequest, delegation: Delegation, tab: str = "programme", bound: dict[str, Any] | None = None
) -> HttpResponse:
    user = request_user(request)
    bound = bound or {}
    today = timezone.localdate()
    first_free = delegation.start_date if delegation.start_date >= today else max(today, delegation.start_date)
    forms: dict[str, Any] = {
        "visit_form": VisitForm(prefix="visit", initial={"date": min(first_free, delegation.end_date)}),
        "participant_form": ParticipantForm(prefix="participant"),
        "cost_form": CostForm(prefix="cost", initial={"currency": delegation.budget_currency or "EUR"}),
        "insight_form": InsightForm(prefix="insight", delegation=delegation),
        "proposal_form": ProposalForm(prefix="proposal"),
        "follow_up_form": FollowUpForm(
            prefix="followup", delegation=delegation, initial={"due_date": today + dt.timedelta(days=30)}
        ),
    }
    forms.update(bound)
    insights_by_topic: dict[str, list[Any]] = defaultdict(list)
    for insight in delegation.insights.all():
        insights_by_topic[str(insight.get_topic_display())].append(insight)
    participants = list(delegation.participants.all())
    return render(
        request,
        "partnerships/delegation.html",
        {
            "tab": "delegations",
            "section": tab if tab in TABS else "programme",
            "delegation": delegation,
            "days": selectors.itinerary(delegation),
            "participants": participants,
            "by_country": Counter(p.country.name for p in participants).most_common(),
            "visa_pending": sum(1 for p in participants if p.visa_status in ("to_apply", "applied")),
            "totals": [
                {
                    "t": t,
                    "percent": min(100, round(100 * t.share)) if t.share is not None else None,
                    "over": (t.share or 0) > 1,
                }
                for t in selectors.cost_totals(delegation)
            ],
            "insights_by_topic": sorted(insights_by_topic.items()),
            "follow_ups": list(delegation.follow_ups.all()),
            "transitions": services.DELEGATIONS.targets(delegation.status),
            "status_labels": dict(DelegationStatus.choices),
            "can_manage": _can_manage(user),
            "today": today,
            **forms,
        },
    )


@login_required
def delegation(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _detail(request, selectors.delegation_get(user=user, pk=pk), request.GET.get("tab", "programme"))


def _delegation_form_post(
    request: HttpRequest,
    pk: int,
    *,
    name: str,
    tab: str,
    form_class: FormFactory,
    write: Callable[[User, Delegation, dict[str, Any]], Any],
    done: str,
    needs_delegation: bool = False,
) -> HttpResponse:
    """Parse a form of the delegation page, call the service; errors re-render the page with the form bound."""
    user = request_user(request)
    delegation = selectors.delegation_get(user=user, pk=pk)
    services.require_manage(user, "change delegations")
    extra = {"delegation": delegation} if needs_delegation else {}
    form = form_class(request.POST, prefix=PREFIXES[name], **extra)
    if form.is_valid():
        try:
            write(user, delegation, form.cleaned_data)
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('partnerships:delegation', args=[pk])}?tab={tab}#{tab}")
    response = _detail(request, selectors.delegation_get(user=user, pk=pk), tab, {name: form})
    response.status_code = 400
    return response


@login_required
@require_POST
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _delegation_form_post(
        request,
        pk,
        name="visit_form",
        tab="programme",
        form_class=VisitForm,
        write=lambda u, d, data: services.visit_add(user=u, delegation=d, **data),
        done=_("The visit was added to the programme."),
    )


@login_required
@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _delegation_form_post(
        request,
        pk,
        name="participant_form",
        tab="participants",
        form_class=ParticipantForm,
        write=lambda u, d, data: services.participant_add(user=u, delegation=d, **data),
        done=_("The participant was added."),
    )


@login_required
@require_POST
def cost_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _delegation_form_post(
        request,
        pk,
        name="cost_form",
        tab="costs",
        form_class=CostForm,
        write=lambda u, d, data: services.cost_add(user=u, delegation=d, **data),
        done=_("The cost was recorded."),
    )


@login_required
@require_POST
def insight_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _delegation_form_post(
        request,
        pk,
        name="insight_form",
        tab="outcomes",
        form_class=InsightForm,
        needs_delegation=True,
        write=lambda u, d, data: services.insight_add(user=u, delegation=d, **data),
        done=_("The insight was recorded."),
    )


@login_required
@require_POST
def proposal_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _delegation_form_post(
        request,
        pk,
        name="proposal_form",
        tab="outcomes",
        form_class=ProposalForm,
        write=lambda u, d, data: services.proposal_add(user=u, delegation=d, **data),
        done=_("The partnership proposal was recorded."),
    )


@login_required
@require_POST
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _delegation_form_post(
        request,
        pk,
        name="follow_up_form",
        tab="outcomes",
        form_class=FollowUpForm,
        needs_delegation=True,
        write=lambda u, d, data: services.follow_up_add(user=u, delegation=d, **data),
        done=_("The follow-up action was assigned."),
    )


@login_required
@require_POST
def delegation_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    delegation = selectors.delegation_get(user=user, pk=pk)
    try:
        services.delegation_transition(user=user, delegation=delegation, status=request.POST.get("status", ""))
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(request, _("The delegation is now %(status)s.") % {"status": delegation.get_status_display()})
    return redirect("partnerships:delegation", pk=pk)


@login_required
@require_POST
def participant_change(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    """Change a participant's visa status, or remove the participant."""
    user = request_user(request)
    delegation = selectors.delegation_get(user=user, pk=pk)
    participant = get_visible(user, Participant.objects.filter(delegation=delegation), pk=participant_id)
    try:
        if request.POST.get("action") == "remove":
            services.participant_remove(user=user, participant=participant)
            messages.success(request, _("%(name)s was removed.") % {"name": participant.full_name})
        else:
            services.participant_set_visa(
                user=user, participant=participant, visa_status=request.POST.get("visa_status", "")
            )
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    return redirect(f"{reverse('partnerships:delegation', args=[pk])}?tab=participants#participants")


@login_required
@require_POST
def follow_up_close(request: HttpRequest, action_id: int) -> HttpResponse:
    user = request_user(request)
    action = get_visible(user, FollowUp.objects.select_related("delegation"), pk=action_id)
    if action.owner_id != user.pk and not user.has_perm("partnerships.view_delegation"):
        raise NotFound("No such follow-up action.")
    try:
        services.follow_up_close(user=user, action=action, status=request.POST.get("status", ActionStatus.DONE))
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(request, _("The action is closed."))
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(f"{reverse('partnerships:delegation', args=[action.delegation_id])}?tab=outcomes#outcomes")


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def programme_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.delegation_get(user=request_user(request), pk=pk)
    return _download(exports.programme_pdf(d), "application/pdf", f"programme-{slugify(d.title)[:50]}.pdf")


@login_required
def itinerary_ics(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.delegation_get(user=request_user(request), pk=pk)
    content = exports.delegation_ics(d, host=request.get_host().split(":")[0] or "onconet.example")
    return _download(content, "text/calendar; charset=utf-8", f"itinerary-{slugify(d.title)[:50]}.ics")


@login_required
def participants_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.delegation_get(user=request_user(request), pk=pk)
    return _download(
        exports.participants_xlsx(d),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"participants-{slugify(d.title)[:50]}.xlsx",
    )


# ================================================================ agreements


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
            "can_manage": _can_manage(user),
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
    if _can_manage(user) and user.has_perm("tourism.view_contract"):
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
            "can_manage": _can_manage(user),
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


# ================================================================ accreditations


@upload_view(
    permission="partnerships.manage_accreditations", action="record accreditations", max_bytes=document_max_bytes
)
@login_required
def accreditations(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    qs = selectors.accreditations_list(user=user, standard=request.GET.get("standard", ""))
    facilities = visible(user, Facility.objects.filter(is_active=True)).order_by("code")
    can_add = user.has_perm("partnerships.manage_accreditations")
    form = AccreditationForm(facilities=facilities)
    if request.method == "POST":
        require_permission(user, "partnerships.manage_accreditations", action="record accreditations")
        form = AccreditationForm(request.POST, request.FILES, facilities=facilities)
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("document")
            try:
                document = (read_upload(upload, max_bytes=document_max_bytes()), upload.name) if upload else None
                services.accreditation_add(user=user, document=document, **data)
            except UploadTooLarge as exc:
                form.add_error("document", exc.detail)
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The accreditation was recorded."))
                return redirect("partnerships:accreditations")
    rows = []
    for a in qs:
        left = (a.valid_until - today).days
        state = "expired" if left < 0 else ("expiring" if left <= EXPIRY_ALERT_DAYS else "valid")
        if a.valid_from > today:
            state = "future"
        rows.append({"a": a, "left": left, "state": state})
    return render(
        request,
        "partnerships/accreditations.html",
        {
            "tab": "accreditations",
            "rows": rows,
            "expiring": [r for r in rows if r["state"] == "expiring"],
            "form": form,
            "can_add": can_add,
            "standards": Standard.choices,
            "standard": request.GET.get("standard", ""),
            "alert_days": EXPIRY_ALERT_DAYS,
        },
    )


@login_required
def certified(request: HttpRequest) -> HttpResponse:
    """Why come to us: facilities with a valid European certification, for partners and everyone else."""
    return render(
        request,
        "partnerships/certified.html",
        {"tab": "certified", "items": selectors.european_certified(), "today": timezone.localdate()},
    )


# ================================================================ countries


@upload_view(
    permission="partnerships.add_countryindicator", action="import country indicators", max_bytes=csv_max_bytes
)
@login_required
def countries(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = selectors.countries_with_profiles(user=user)
    can_import = user.has_perm("partnerships.add_countryindicator")
    form = IndicatorImportForm()
    problems: list[dict[str, Any]] = []
    if request.method == "POST":
        require_permission(user, "partnerships.add_countryindicator", action="import country indicators")
        form = IndicatorImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                n = services.country_indicators_import(user=user, data=form.cleaned_data["file"].read())
            except InvalidInput as exc:
                problems = [p.as_dict() for p in exc.errors]
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("%(n)s indicator values were imported.") % {"n": n})
                return redirect("partnerships:countries")
    return render(
        request,
        "partnerships/countries.html",
        {"tab": "countries", "rows": rows, "form": form, "can_import": can_import, "problems": problems},
        status=400 if problems else 200,
    )


@login_required
def country(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    profile = selectors.country_profile(user=user, code=code)
    indicators: dict[str, list[Any]] = defaultdict(list)
    for i in profile.indicators:
        indicators[i.indicator].append(i)
    return render(
        request,
        "partnerships/country.html",
        {
            "tab": "countries",
            "profile": profile,
            "indicators": sorted(indicators.items()),
            "topics": Topic.choices,
        },
    )


def _file(field: Any, content_type: str, name: str) -> HttpResponse:
    """A stored document as a download of the type found when it was stored, under that type's extension."""
    return document_headers(HttpResponse(field.read()), content_type=content_type, filename=name)


@login_required
def agreement_document(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.agreement_get(user=user, pk=pk)
    document = get_visible(user, item.documents.all(), pk=document_id)
    with document.file.open("rb") as handle:
        return _file(handle, document.content_type, document.file.name.rsplit("/", 1)[-1])


@login_required
def accreditation_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    accreditation = get_visible(user, selectors.accreditations_list(user=user), pk=pk)
    if not accreditation.document:
        raise NotFound("This accreditation has no certificate file.")
    with accreditation.document.open("rb") as handle:
        return _file(handle, accreditation.document_type, accreditation.document.name.rsplit("/", 1)[-1])
