"""Plans: running the planner and its progress, a plan against the current bookings, approving or discarding
it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, NotFound, is_refusal
from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.selectors import jobs_list
from onconet.scheduling import charts, selectors, services
from onconet.scheduling.charts import URGENCY_LABELS
from onconet.scheduling.forms import PlanRunForm
from onconet.scheduling.models import Plan, PlanKind, PlanStatus
from onconet.scheduling.reasons import reason_text
from onconet.scheduling.selectors import require_view
from onconet.scheduling.views.params import int_param

CHANGES = [
    ("moved", gettext_lazy("moved"), "text-bg-warning"),
    ("shifted", gettext_lazy("shifted"), "text-bg-info"),
    ("added", gettext_lazy("added"), "text-bg-success"),
    ("unbooked", gettext_lazy("unbooked"), "text-bg-danger"),
    ("rejected", gettext_lazy("rejected"), "text-bg-secondary"),
    ("unchanged", gettext_lazy("unchanged"), "text-bg-light border"),
]


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    """The plans proposed, approved or discarded, and the form that runs the planner as a background job."""
    user = request_user(request)
    require_view(user)
    form = PlanRunForm(user=user)
    if request.method == "POST":
        require_permission(user, "scheduling.run_planner", action="run the planner")
        form = PlanRunForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            job = services.start_plan(
                user=user, facility=data["facility"], kind=PlanKind.MANUAL, solver=data["solver"], days=data["days"]
            )
            return redirect("scheduling:plan_job", job_id=job.pk)
    facility = int_param(request.GET.get("facility"))
    page = Paginator(selectors.plans_list(user=user, facility=facility), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "scheduling/plans.html",
        {
            "tab": "plans",
            "form": form,
            "page": page,
            "running": selectors.plan_jobs(user=user)[:10],
            "can_plan": user.has_perm("scheduling.run_planner"),
            "facilities": selectors.facilities_with_machines(user=user),
            "facility": facility,
        },
    )


@login_required
def plan_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The planner job's live progress (polled by HTMX), then a link to the plan it proposed."""
    user = request_user(request)
    require_view(user)
    job = jobs_list(user=user).filter(pk=job_id, kind="schedule_plan").first()
    if job is None:
        raise NotFound("No such planner job.")
    facility = Facility.objects.filter(pk=job.params.get("facility")).first()
    partial = bool(request.headers.get("HX-Request"))
    template = "scheduling/_plan_job.html" if partial else "scheduling/plan_job.html"
    return render(request, template, {"tab": "plans", "job": job, "facility": facility})


def _plan_counts(plan: Plan) -> list[dict[str, Any]]:
    counts = plan.diff.get("counts", {})
    return [{"key": key, "label": label, "css": css, "n": counts.get(key, 0)} for key, label, css in CHANGES]


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan against the current bookings: what moves, what is added, what is refused, and why."""
    user = request_user(request)
    require_view(user)
    plan = get_visible(user, selectors.plans_list(user=user), pk=pk)
    result = plan.plan or {}
    metrics = result.get("metrics", {})
    utilisation = metrics.get("utilization", {})
    return render(
        request,
        "scheduling/plan.html",
        {
            "tab": "plans",
            "plan": plan,
            "counts": _plan_counts(plan),
            "rows": [
                {**row, "reason": reason_text(row["reason"])} if row.get("reason") else row
                for row in plan.diff.get("rows", [])
            ],
            "result": result,
            "domestic": metrics.get("domestic", {}),
            "foreign": metrics.get("foreign", {}),
            "guarantee": result.get("guarantee", {}),
            "utilisation_chart": charts.utilisation_bars(utilisation) if utilisation else None,
            "utilisation": sorted(utilisation.items()),
            "notes": [line for line in plan.note.splitlines() if line.strip()],
            "can_decide": plan.status == PlanStatus.PROPOSED and user.has_perm("scheduling.plan_schedule"),
            "infeasible": result.get("status") == "infeasible",
            "offer_excess": services.offer_excess(plan) if plan.status == PlanStatus.PROPOSED else [],
            "by_urgency": metrics.get("domestic", {}).get("by_urgency", {}),
            "urgency_labels": URGENCY_LABELS,
            "may_override": user.role == Role.NATIONAL_ADMIN,
        },
    )


def _decide(request: HttpRequest, pk: int, action: Callable[..., Plan], done: str, **extra: Any) -> HttpResponse:
    user = request_user(request)
    require_view(user)
    plan = get_visible(user, selectors.plans_list(user=user), pk=pk)
    try:
        action(user=user, plan=plan, **extra)
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(request, done)
    return redirect("scheduling:plan", pk=plan.pk)


@login_required
@require_POST
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        services.plan_approve,
        _("The plan was approved and its bookings written."),
        override_offer=request.POST.get("override_offer") == "on",
    )


@login_required
@require_POST
def plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, services.plan_discard, _("The plan was discarded."), note=request.POST.get("note", "").strip()
    )
