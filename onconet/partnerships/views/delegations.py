"""Delegations: the list with its form, one delegation's page (programme, participants, costs, outcomes) and the
forms posted from it, status changes, closing follow-up actions, and the programme, itinerary and participant
list as files."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, InvalidInput, NotFound, is_refusal
from onconet.core.http import request_user
from onconet.core.models import User
from onconet.core.scoping import get_visible
from onconet.partnerships import exports, selectors, services
from onconet.partnerships.forms import (
    CityForm,
    CostForm,
    DelegationForm,
    FollowUpForm,
    InsightForm,
    OrganisationForm,
    ParticipantForm,
    ProposalForm,
    VisitForm,
)
from onconet.partnerships.models import (
    ActionStatus,
    Delegation,
    DelegationStatus,
    Direction,
    FollowUp,
    Participant,
)
from onconet.partnerships.views.common import attachment, can_manage

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
            "can_manage": can_manage(user),
            "statuses": DelegationStatus.choices,
            "directions": Direction.choices,
            "q": request.GET.get("q", ""),
            "status": request.GET.get("status", ""),
            "direction": request.GET.get("direction", ""),
        },
    )


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
            "can_manage": can_manage(user),
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


@login_required
def programme_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.delegation_get(user=request_user(request), pk=pk)
    return attachment(exports.programme_pdf(d), "application/pdf", f"programme-{slugify(d.title)[:50]}.pdf")


@login_required
def itinerary_ics(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.delegation_get(user=request_user(request), pk=pk)
    content = exports.delegation_ics(d, host=request.get_host().split(":")[0] or "onconet.example")
    return attachment(content, "text/calendar; charset=utf-8", f"itinerary-{slugify(d.title)[:50]}.ics")


@login_required
def participants_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.delegation_get(user=request_user(request), pk=pk)
    return attachment(
        exports.participants_xlsx(d),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"participants-{slugify(d.title)[:50]}.xlsx",
    )
