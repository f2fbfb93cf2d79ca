"""Pages of capacity scheduling: overview, machine calendar, courses, downtime, plans, capacity offer and the
office's foreign courses. Reads go through the selectors, writes through the services; a record outside the
user's scope answers 404, an action the role may not take 403."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, InvalidInput, NotFound, is_refusal
from onconet.core.http import request_user
from onconet.core.models import Facility, Job
from onconet.core.params import date_or_none, id_or_none
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.selectors import jobs_list
from onconet.core.uploads import csv_max_bytes, upload_view
from onconet.scheduling import charts, jobs, selectors, services
from onconet.scheduling.charts import URGENCY_LABELS
from onconet.scheduling.forms import (
    CourseForm,
    CourseImportForm,
    DowntimeForm,
    ForeignPlanForm,
    PlanRunForm,
    SimulationForm,
    format_rates,
)
from onconet.scheduling.models import (
    CourseStatus,
    MachineKind,
    Origin,
    Plan,
    PlanKind,
    PlanStatus,
)
from onconet.scheduling.reasons import reason_text
from onconet.scheduling.selectors import require_view
from onconet.tourism.models import Referral

PAGE_SIZE = 200
WAIT_WEEKS = 8  # the overview's waits: domestic courses that started in the last eight weeks
CHANGES = [
    ("moved", gettext_lazy("moved"), "text-bg-warning"),
    ("shifted", gettext_lazy("shifted"), "text-bg-info"),
    ("added", gettext_lazy("added"), "text-bg-success"),
    ("unbooked", gettext_lazy("unbooked"), "text-bg-danger"),
    ("rejected", gettext_lazy("rejected"), "text-bg-secondary"),
    ("unchanged", gettext_lazy("unchanged"), "text-bg-light border"),
]


def _int(value: str | None) -> int | None:
    return id_or_none(value)  # a bad filter is ignored ("²" is a digit to isdigit(), not to int())


def _date(value: str | None, default: dt.date) -> dt.date:
    return date_or_none(value) or default


# ================================================================ overview


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Machines by facility with their weekly hours, utilisation for the next eight ISO weeks, latest plans."""
    user = request_user(request)
    require_view(user)
    facility = _int(request.GET.get("facility"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in MachineKind.values else ""
    machines = list(selectors.machines_list(user=user, facility=facility, kind=kind or None))
    today = timezone.localdate()
    loads = selectors.weekly_utilisation(machines, today, 8)
    start = selectors.monday(today)
    weeks = [selectors.iso_week(start + dt.timedelta(weeks=n)) for n in range(8)]
    groups: dict[Facility, list[dict[str, Any]]] = {}
    cells = []
    totals = {"domestic": [0.0] * 8, "foreign": [0.0] * 8, "capacity": [0.0] * 8}
    for y, machine in enumerate(machines):
        rows = loads[machine.pk]
        groups.setdefault(machine.facility, []).append(
            {"machine": machine, "weekly_hours": selectors.weekly_minutes(machine) / 60, "weeks": rows}
        )
        for x, row in enumerate(rows):
            cells.append([x, y, row.percent if row.percent is not None else "-"])
            totals["domestic"][x] += row.domestic / 60
            totals["foreign"][x] += row.foreign / 60
            totals["capacity"][x] += row.capacity / 60
    rounded = {key: [round(v, 1) for v in values] for key, values in totals.items()}
    return render(
        request,
        "scheduling/overview.html",
        {
            "tab": "overview",
            "groups": list(groups.items()),
            "weeks": weeks,
            "machine_count": len(machines),
            "heatmap": charts.utilisation_heatmap(machines, weeks, cells),
            "bars": charts.weekly_bars(weeks, rounded["domestic"], rounded["foreign"], rounded["capacity"]),
            "plans": selectors.plans_list(user=user)[:8],
            "by_urgency": selectors.waits_by_urgency(
                user=user,
                facility=facility,
                since=today - dt.timedelta(weeks=WAIT_WEEKS),
                until=today + dt.timedelta(1),
            ),
            "wait_weeks": WAIT_WEEKS,
            "urgency_labels": URGENCY_LABELS,
            "facilities": selectors.facilities_with_machines(user=user),
            "facility": facility,
            "kind": kind,
            "kinds": MachineKind.choices,
            "waiting": selectors.courses_list(user=user, status=CourseStatus.WAITING).count(),
            "beams": selectors.beam_loads(user=user, facility=facility, first=today),
        },
    )


# ================================================================ calendar


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """A facility's machines by week (capacity against booked minutes) or by day (the booked fractions)."""
    user = request_user(request)
    require_view(user)
    facilities = selectors.facilities_with_machines(user=user)
    facility_id = _int(request.GET.get("facility"))
    facility = (
        get_visible(user, Facility.objects.all(), pk=facility_id) if facility_id is not None else facilities.first()
    )
    today = timezone.localdate()
    date = _date(request.GET.get("date"), today)
    view = "day" if request.GET.get("view") == "day" else "week"
    if view == "week":
        start, days, step = selectors.monday(date), 7, 7
    else:
        start, days, step = date, 1, 1
    machines = list(selectors.machines_list(user=user, facility=facility.pk, active_only=True)) if facility else []
    rows = selectors.calendar_rows(machines, start, days, with_bookings=view == "day")
    return render(
        request,
        "scheduling/calendar.html",
        {
            "tab": "calendar",
            "facilities": facilities,
            "facility": facility,
            "view": view,
            "date": date,
            "start": start,
            "end": start + dt.timedelta(days=days - 1),
            "dates": [start + dt.timedelta(days=n) for n in range(days)],
            "previous": start - dt.timedelta(days=step),
            "next": start + dt.timedelta(days=step),
            "today": today,
            "rows": rows,
        },
    )


# ================================================================ courses


LINE = re.compile(r"^line (\d+): (.*)$")


def _import_problems(error: InvalidInput) -> list[dict[str, Any]]:
    rows = []
    for problem in error.errors:
        match = LINE.match(problem.message)
        rows.append(
            {
                "line": int(match.group(1)) if match else None,
                "field": problem.field,
                "value": problem.value,
                "message": match.group(2) if match else problem.message,
            }
        )
    return rows


@upload_view(permission="scheduling.add_course", action="add courses", max_bytes=csv_max_bytes)
@login_required
def courses(request: HttpRequest) -> HttpResponse:
    """Courses waiting for or holding a machine (pseudonymous ids), a form to add one, a CSV import."""
    user = request_user(request)
    require_view(user)
    form = CourseForm(user=user)
    import_form = CourseImportForm()
    import_error: InvalidInput | None = None
    if request.method == "POST":
        require_permission(user, "scheduling.add_course", action="add courses")
        if request.POST.get("action") == "import":
            import_form = CourseImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                try:
                    created = services.courses_import_csv(user=user, data=import_form.cleaned_data["file"].read())
                except InvalidInput as exc:
                    import_error = exc
                else:
                    messages.success(request, _("%(n)s courses were imported.") % {"n": len(created)})
                    return redirect("scheduling:courses")
        else:
            form = CourseForm(request.POST, user=user)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    course = services.course_create(
                        user=user,
                        facility=data["facility"],
                        protocol=data["protocol"],
                        ready_date=data["ready_date"],
                        urgency=data["urgency"],
                        code=data["code"],
                    )
                except InvalidInput as exc:
                    form.add_service_errors(exc)
                else:
                    messages.success(request, _("Course %(code)s was added.") % {"code": course.code})
                    return redirect("scheduling:courses")
    facility = _int(request.GET.get("facility"))
    status = request.GET.get("status", "")
    origin = request.GET.get("origin", "")
    qs = selectors.courses_list(
        user=user,
        facility=facility,
        status=status if status in CourseStatus.values else None,
        origin=origin if origin in Origin.values else None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scheduling/courses.html",
        {
            "tab": "courses",
            "page": page,
            "form": form,
            "import_form": import_form,
            "import_error": import_error,
            "import_problems": _import_problems(import_error) if import_error else [],
            "can_add": user.has_perm("scheduling.add_course"),
            "facilities": selectors.facilities_with_machines(user=user),
            "facility": facility,
            "status": status,
            "origin": origin,
            "statuses": CourseStatus.choices,
            "origins": Origin.choices,
            "cancellable": {CourseStatus.WAITING, CourseStatus.BOOKED, CourseStatus.UNDER_WAY},
        },
    )


@login_required
@require_POST
def course_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_view(user)
    course = get_visible(user, selectors.courses_list(user=user), pk=pk)
    try:
        services.course_cancel(user=user, course=course)
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(
            request, _("Course %(code)s was cancelled; its bookings were released.") % {"code": course.code}
        )
    return redirect("scheduling:courses")


# ================================================================ downtime


@login_required
def downtime(request: HttpRequest) -> HttpResponse:
    """Downtime blocks (from 30 days ago) and a form to record one; a breakdown's displaced courses."""
    user = request_user(request)
    require_view(user)
    form = DowntimeForm(user=user)
    displaced = None
    replan: Job | None = None
    if request.method == "POST":
        require_permission(user, "scheduling.manage_resources", action="record downtime")
        form = DowntimeForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                block, displaced = services.downtime_record(
                    user=user,
                    machine=data["machine"],
                    date=data["date"],
                    minutes=data["minutes"],
                    reason=data["reason"],
                    note=data["note"],
                )
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                if not displaced:
                    messages.success(request, _("The downtime was recorded; no booking had to move."))
                    return redirect("scheduling:downtime")
                replan = (
                    jobs_list(user=user)
                    .filter(kind="schedule_plan", params__facility=block.machine.facility_id)
                    .order_by("-pk")
                    .first()
                )
                form = DowntimeForm(user=user)
    since = timezone.localdate() - dt.timedelta(days=30)
    facility = _int(request.GET.get("facility"))
    return render(
        request,
        "scheduling/downtime.html",
        {
            "tab": "downtime",
            "form": form,
            "rows": selectors.downtime_list(user=user, facility=facility, since=since)[:PAGE_SIZE],
            "since": since,
            "displaced": displaced,
            "replan": replan,
            "can_record": user.has_perm("scheduling.manage_resources"),
            "facilities": selectors.facilities_with_machines(user=user),
            "facility": facility,
        },
    )


# ================================================================ plans


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
    facility = _int(request.GET.get("facility"))
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


# ================================================================ capacity offer


@login_required
def offer(request: HttpRequest) -> HttpResponse:
    """The published capacity offer: foreign courses a month the office may sell, per machine kind, with 95 % CI."""
    user = request_user(request)
    require_view(user)
    rows = list(selectors.offers())
    labels_by_kind = dict(MachineKind.choices)
    scopes: list[tuple[str, str]] = []  # ("<facility pk>:<kind>", label), in table order
    for r in rows:
        key = f"{r.facility_id}:{r.kind}"
        if not scopes or scopes[-1][0] != key:
            scopes.append((key, f"{r.facility.code} · {labels_by_kind.get(r.kind, r.kind)}"))
    scope = request.GET.get("scope") or f"{request.GET.get('facility', '')}:{request.GET.get('kind', '')}"
    if scope not in {k for k, _label in scopes}:
        scope = scopes[0][0] if scopes else ""
    chosen = [r for r in rows if f"{r.facility_id}:{r.kind}" == scope]
    labels = (str(_("foreign courses a month")), str(_("95 % CI from")), str(_("95 % CI to")))
    return render(
        request,
        "scheduling/offer.html",
        {
            "tab": "offer",
            "rows": rows,
            "scopes": scopes,
            "scope": scope,
            "chosen": chosen[0] if chosen else None,
            "chosen_rows": chosen,
            "chart": charts.offer_chart(chosen, labels) if chosen else None,
            "can_simulate": user.has_perm("scheduling.run_simulation"),
        },
    )


# ================================================================ the office's foreign courses


@login_required
def foreign(request: HttpRequest) -> HttpResponse:
    """Prepaid referrals not yet in planning, with a form to send each to a facility; foreign courses in planning."""
    user = request_user(request)
    require_view(user)
    can_send = user.has_perm("scheduling.add_foreign_course")
    referrals = list(selectors.prepaid_referrals(user=user)) if can_send else []
    return render(
        request,
        "scheduling/foreign.html",
        {
            "tab": "foreign",
            "referrals": referrals,
            "form": ForeignPlanForm(user=user),
            "courses": selectors.foreign_courses(user=user)
            .exclude(status=CourseStatus.CANCELLED)
            .order_by("status", "start_date", "code"),
            "can_send": can_send,
            "counts": selectors.foreign_courses(user=user).aggregate(
                waiting=Count("pk", filter=Q(status=CourseStatus.WAITING)),
                booked=Count("pk", filter=Q(status__in=[CourseStatus.BOOKED, CourseStatus.UNDER_WAY])),
            ),
        },
    )


@login_required
@require_POST
def referral_plan(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Send a prepaid referral to planning at a facility (the office)."""

    user = request_user(request)
    require_permission(user, "scheduling.add_foreign_course", action="send referrals to planning")
    referral = get_visible(user, Referral.objects.select_related("service"), pk=referral_id)
    form = ForeignPlanForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, _("Choose a facility with machines."))
        return redirect("scheduling:foreign")
    try:
        course = services.foreign_course_create(user=user, referral=referral, facility=form.cleaned_data["facility"])
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(
            request,
            _("R-%(referral)s was sent to planning at %(facility)s as course %(code)s.")
            % {"referral": referral.pk, "facility": course.facility.code, "code": course.code},
        )
    return redirect("scheduling:foreign")


# ================================================================ capacity simulation


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


# ================================================================ the rolling replay of the facility's own history


@login_required
def replay(request: HttpRequest) -> HttpResponse:
    """Start a replay of a facility's last weeks (a background job); the replays run so far."""
    user = request_user(request)
    require_view(user)
    can_run = user.has_perm("scheduling.run_planner")
    facilities = selectors.facilities_with_machines(user=user)
    if request.method == "POST":
        require_permission(user, "scheduling.run_planner", action="replay the schedule")
        facility_id = _int(request.POST.get("facility"))
        try:
            if facility_id is None:
                raise InvalidInput(_("Choose a facility."))
            facility = get_visible(user, facilities, pk=facility_id)
            job = jobs.start_replay(
                user=user,
                facility=facility,
                weeks=_int(request.POST.get("weeks")) or 0,
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
