"""What-if runs as background jobs: the capacity simulation (run, progress, results, publishing its offer) and
the rolling replay of a facility's own history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, InvalidInput, is_refusal
from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.scoping import get_visible, require_permission
from onconet.scheduling import charts, jobs, selectors, services
from onconet.scheduling.charts import URGENCY_LABELS
from onconet.scheduling.forms import SimulationForm, format_rates
from onconet.scheduling.models import MachineKind
from onconet.scheduling.selectors import require_view
from onconet.scheduling.views.params import int_param


@login_required
def simulation(request: HttpRequest) -> HttpResponse:
    """Run a capacity simulation as a background job; the simulations run so far."""
    user = request_user(request)
    require_view(user)
    can_run = user.has_perm("scheduling.run_simulation")
    initial: dict[str, Any] = {}
    estimate: dict[str, Any] | None = None
    facility = None
    if request.GET.get("facility"):
        facility = get_visible(user, Facility.objects.all(), pk=request.GET["facility"])
    kind = request.GET.get("kind", "")
    if facility is not None and kind in MachineKind.values:
        rates, weeks = jobs.history_rates(facility, kind, timezone.localdate())
        estimate = {"rates": sorted(rates.items()), "weeks": round(weeks, 1), "facility": facility, "kind": kind}
        initial = {"facility": facility.pk, "kind": kind, "rates": format_rates(rates)}
    form = SimulationForm(initial=initial, user=user)
    if request.method == "POST":
        require_permission(user, "scheduling.run_simulation", action="run capacity simulations")
        form = SimulationForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = jobs.start_simulation(
                    user=user,
                    facility=data["facility"],
                    kind=data["kind"],
                    weeks=data["weeks"],
                    levels=data["levels"],
                    replications=data["replications"],
                    solver=data["solver"],
                    rates=data["rates"],
                    demand=data["demand"],
                    seed=data["seed"],
                )
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                return redirect("scheduling:simulation_job", job_id=job.pk)
    page = Paginator(selectors.simulation_jobs(user=user), 20).get_page(request.GET.get("page"))
    facilities = {f.pk: f for f in Facility.objects.filter(pk__in={j.params.get("facility") for j in page})}
    return render(
        request,
        "scheduling/simulation.html",
        {
            "tab": "simulation",
            "form": form,
            "page": page,
            "facilities": facilities,
            "can_run": can_run,
            "estimate": estimate,
            "choices": selectors.facilities_with_machines(user=user),
            "kinds": MachineKind.choices,
            "chosen_facility": facility.pk if facility else None,
            "chosen_kind": kind,
        },
    )


def _job_progress(request: HttpRequest, job: Any, template: str) -> HttpResponse:
    """The progress fragment a job page polls (HTMX); once the job ends the page reloads to show its result."""
    response = render(request, template, {"job": job})
    if job.is_finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
def simulation_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A simulation's progress (polled by HTMX; the page reloads when it ends), then its results and Publish."""
    user = request_user(request)
    require_view(user)
    job = get_visible(user, selectors.simulation_jobs(user=user), pk=job_id)
    if request.headers.get("HX-Request"):
        return _job_progress(request, job, "scheduling/_simulation_job.html")
    facility = Facility.objects.filter(pk=job.params.get("facility")).first()
    config = job.params.get("config", {})
    result = job.result if job.status == "succeeded" and job.result else None
    context: dict[str, Any] = {
        "tab": "simulation",
        "job": job,
        "facility": facility,
        "kind_label": dict(MachineKind.choices).get(job.params.get("kind", ""), job.params.get("kind", "")),
        "config": config,
        "partners": config.get("partners", []),
        "domestic": config.get("domestic", []),
        "result": result,
        "can_publish": result is not None and user.has_perm("scheduling.run_simulation"),
    }
    if result:
        levels = result["levels"]
        level_axis = str(_("foreign requests a month"))
        recommended = next((row for row in levels if row["level"] == result["recommended_level"]), None)
        context |= {
            "levels": levels,
            "recommended": recommended,
            "baseline": levels[0],
            "urgency_labels": URGENCY_LABELS,
            "p95_chart": charts.p95_chart(levels, (str(_("domestic p95 wait")), str(_("95 % CI")), level_axis)),
            "admitted_chart": charts.admitted_chart(
                levels, (str(_("foreign requests")), str(_("foreign courses started")), level_axis)
            ),
            "months": result["offer_by_month"],
            "min_days": services.MIN_OFFER_DAYS,
        }
    return render(request, "scheduling/simulation_job.html", context)


@login_required
@require_POST
def simulation_publish(request: HttpRequest, job_id: int) -> HttpResponse:
    user = request_user(request)
    require_view(user)
    job = get_visible(user, selectors.simulation_jobs(user=user), pk=job_id)
    try:
        offers = services.offer_publish(user=user, job=job)
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
        return redirect("scheduling:simulation_job", job_id=job.pk)
    messages.success(request, _("The capacity offer was published for %(n)s months.") % {"n": len(offers)})
    return redirect(f"{reverse('scheduling:offer')}?kind={job.params['kind']}&facility={job.params['facility']}")


@login_required
def replay(request: HttpRequest) -> HttpResponse:
    """Start a replay of a facility's last weeks (a background job); the replays run so far."""
    user = request_user(request)
    require_view(user)
    can_run = user.has_perm("scheduling.run_planner")
    facilities = selectors.facilities_with_machines(user=user)
    if request.method == "POST":
        require_permission(user, "scheduling.run_planner", action="replay the schedule")
        facility_id = int_param(request.POST.get("facility"))
        try:
            if facility_id is None:
                raise InvalidInput(_("Choose a facility."))
            facility = get_visible(user, facilities, pk=facility_id)
            job = jobs.start_replay(
                user=user,
                facility=facility,
                weeks=int_param(request.POST.get("weeks")) or 0,
                solver=request.POST.get("solver", "cpsat"),
            )
        except InvalidInput as exc:
            messages.error(request, exc.summary())
        else:
            return redirect("scheduling:replay_job", job_id=job.pk)
    page = Paginator(selectors.replay_jobs(user=user), 20).get_page(request.GET.get("page"))
    names = {f.pk: f for f in facilities}
    rows = [{"job": job, "facility": names.get(job.params.get("facility"))} for job in page]
    return render(
        request,
        "scheduling/replay.html",
        {
            "tab": "replay",
            "page": page,
            "rows": rows,
            "facilities": facilities,
            "weeks_choices": jobs.REPLAY_WEEKS,
            "can_run": can_run,
        },
    )


@login_required
def replay_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A replay's progress (polled by HTMX; the page reloads when it ends), then waits per urgency with and without
    the foreign courses side by side and the domestic courses they delayed."""
    user = request_user(request)
    require_view(user)
    job = get_visible(user, selectors.replay_jobs(user=user), pk=job_id)
    if request.headers.get("HX-Request"):
        return _job_progress(request, job, "scheduling/_replay_job.html")
    result = job.result if job.status == "succeeded" and job.result else None
    context: dict[str, Any] = {
        "tab": "replay",
        "job": job,
        "facility": Facility.objects.filter(pk=job.params.get("facility")).first(),
        "result": result,
        "urgency_labels": URGENCY_LABELS,
    }
    if result:
        runs = result["runs"]
        context |= {
            "alone": runs.get("domestic_only", {}),
            "mixed": runs.get("with_foreign", {}),
            "comparison": result.get("comparison", {}),
            "chart": charts.replay_chart(runs),
        }
    return render(request, "scheduling/replay_job.html", context)
