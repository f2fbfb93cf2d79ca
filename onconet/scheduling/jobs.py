"""Background jobs of the scheduler: the planner (solver over the database state) and the capacity simulation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.jobs import Progress, register_job_kind
from onconet.core.models import Facility, Job, User
from onconet.core.scoping import get_visible
from onconet.core.services import job_start
from onconet.scheduling.models import Plan, PlanKind, PlanStatus
from onconet.scheduling.planner import DEFAULT_DAYS, build_instance, diff
from onconet.scheduling.solver import parse_instance, solve

PLAN_TIME_LIMIT = 5.0  # CP-SAT deterministic seconds for a facility's plan


def start_plan(
    *,
    user: User,
    facility: Facility,
    kind: str = PlanKind.MANUAL,
    solver: str = "cpsat",
    days: int = DEFAULT_DAYS,
    internal: bool = False,
) -> Job:
    if not internal:
        facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    params = {"facility": facility.pk, "kind": kind, "solver": solver, "days": days}
    return job_start(user=user, kind="schedule_plan", params=params, internal=True)


def plan_facility(
    facility: Facility,
    *,
    kind: str,
    solver: str = "cpsat",
    days: int = DEFAULT_DAYS,
    user: User | None = None,
    job: Job | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Solve the facility's state from today and store the proposal with its diff against the bookings."""
    from onconet.scheduling.services import refresh_statuses

    today = today or timezone.localdate()
    refresh_statuses(today)
    keep = kind == PlanKind.BREAKDOWN
    instance, notes = build_instance(facility, today, days, keep_booked=keep)
    if progress:
        progress(20, "solving")
    result = solve(parse_instance(instance), solver, PLAN_TIME_LIMIT)
    if keep and result["status"] == "infeasible":
        # Courses under way pushed by the breakdown do not fit around the fixed bookings: free those not started.
        notes.append("The courses under way did not fit around the bookings; not-yet-started courses were freed.")
        instance, more = build_instance(facility, today, days, keep_booked=False)
        notes += more
        result = solve(parse_instance(instance), solver, PLAN_TIME_LIMIT)
    if progress:
        progress(80, "comparing with the bookings")
    with transaction.atomic():
        plan = Plan.objects.create(
            facility=facility,
            kind=kind,
            solver=solver,
            start_date=today,
            days=days,
            instance=instance,
            plan=result,
            diff=diff(result, facility, today),
            job=job,
            created_by=user,
            note="\n".join(notes),
        )
        Plan.objects.filter(facility=facility, status=PlanStatus.PROPOSED).exclude(pk=plan.pk).update(
            status=PlanStatus.SUPERSEDED
        )
    return plan


@register_job_kind(
    "schedule_plan", label=_("Scheduling plan"), permission="scheduling.plan_schedule", user_startable=False
)
def schedule_plan_job(job: Job, progress: Progress) -> dict[str, Any]:
    facility = Facility.objects.get(pk=job.params["facility"])
    progress(5, "reading the calendar")
    plan = plan_facility(
        facility,
        kind=job.params.get("kind", PlanKind.MANUAL),
        solver=job.params.get("solver", "cpsat"),
        days=int(job.params.get("days", DEFAULT_DAYS)),
        user=job.created_by,
        job=job,
        progress=progress,
    )
    return {"plan": plan.pk, "url": reverse("scheduling:plan", args=[plan.pk]), "counts": plan.diff["counts"]}


def daily_replan(today: dt.date | None = None) -> list[Plan]:
    """The daily re-plan of every facility with machines (Celery beat, or `onconet replan` from cron)."""
    from onconet.scheduling.models import Machine

    facilities = Facility.objects.filter(pk__in=Machine.objects.filter(active=True).values("facility"))
    return [plan_facility(f, kind=PlanKind.DAILY, today=today) for f in facilities.order_by("code")]
