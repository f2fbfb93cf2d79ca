"""Plans: queueing the planner, approving a plan (its bookings written all or none, within the published
capacity offer unless a national admin overrides it) and discarding one."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from onconet.core.errors import DomainError, FieldProblem, NotAllowed
from onconet.core.models import Facility, Job, User
from onconet.core.roles import Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.services import job_start
from onconet.core.transitions import System
from onconet.scheduling.models import Course, Machine, Origin, Plan, PlanKind, PlanStatus
from onconet.scheduling.planner import DEFAULT_DAYS
from onconet.scheduling.services.bookings import book_course, release_bookings
from onconet.scheduling.services.offer import OfferExcess, offer_excess
from onconet.scheduling.workflow import COURSES, PLANS
from onconet.tourism.services import referral_schedule


def start_plan(
    *,
    user: User,
    facility: Facility,
    kind: str = PlanKind.MANUAL,
    solver: str = "cpsat",
    days: int = DEFAULT_DAYS,
) -> Job:
    """Queue the planner for `facility`; the facility must be in the user's scope (404 otherwise)."""
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    params = {"facility": facility.pk, "kind": kind, "solver": solver, "days": days}
    return job_start(user=user, kind="schedule_plan", params=params, internal=True)


def plan_approve(*, user: User, plan: Plan, override_offer: bool = False) -> Plan:
    """Write the plan's bookings: all of them or none. A plan made on a state that has changed since is refused
    (409) when a booking no longer fits; re-plan then. A plan that starts more foreign courses in a month than the
    published capacity offer sells is refused too, unless a national admin overrides it (`override_offer`, audited):
    the offer is what the simulation found the centre can take over time without delaying domestic patients."""
    require_permission(user, "scheduling.plan_schedule", action="approve plans")
    if override_offer and user.role != Role.NATIONAL_ADMIN:
        raise NotAllowed("Only a national admin may approve foreign starts beyond the published capacity offer.")
    today = timezone.localdate()
    excess: list[OfferExcess] = []

    def book(row: Plan) -> None:
        if row.plan.get("status") == "infeasible":
            raise DomainError("The plan is infeasible: courses under way do not fit. Record the cause and re-plan.")
        excess.extend(offer_excess(row))
        if excess and not override_offer:
            raise DomainError(
                "The plan starts more foreign courses than the published capacity offer: "
                + "; ".join(str(line) for line in excess)
                + ". Discard it and re-plan, or a national admin may approve it beyond the offer.",
                errors=[FieldProblem(str(line), "offer") for line in excess],
            )
        _write_bookings(row, user, today)
        for other in Plan.objects.filter(facility=row.facility, status=PlanStatus.PROPOSED).exclude(pk=row.pk):
            PLANS.move(other, name="supersede", actor=System(f"plan {row.pk} approved", by=user))
        row.decided_by = user
        row.decided_at = timezone.now()

    def override() -> str:  # the log says when the approval went beyond the capacity offer
        return ("approved beyond the capacity offer: " + "; ".join(str(line) for line in excess)) if excess else ""

    return PLANS.move(plan, name="approve", actor=user, guard=book, message=override)


def _write_bookings(plan: Plan, user: User, today: dt.date) -> None:
    """The plan's changes against the bookings: free what moves, then book each course where the plan puts it."""
    courses = {c.code: c for c in Course.objects.filter(code__in=_plan_course_codes(plan)).select_related("protocol")}
    changes = [row for row in plan.diff.get("rows", []) if row["change"] in ("moved", "added", "unbooked", "shifted")]
    for row in changes:
        release_bookings(courses[row["course"]], today)
    for row in changes:
        course = courses[row["course"]]
        if row["change"] == "unbooked":

            def unbook(locked: Course) -> None:
                locked.machine, locked.start_date = None, None

            COURSES.move(course, name="unbook", actor=user, guard=unbook)
            continue
        machine = Machine.objects.get(code=row["machine"])
        dates = [dt.date.fromisoformat(d) for d in row["dates"] if dt.date.fromisoformat(d) >= today]
        delivered = course.bookings.filter(day__date__lt=today).count()
        book_course(course, machine, dates, first_fraction=delivered)
        start = dt.date.fromisoformat(row["start_date"])

        def place(locked: Course, machine: Machine = machine, start: dt.date = start) -> None:
            locked.machine, locked.start_date = machine, start

        COURSES.move(
            course,
            name="book_under_way" if delivered else "book",
            actor=user,
            guard=place,
            changes={"machine": [course.machine_id, machine.pk], "start_date": [_iso(course.start_date), str(start)]},
        )
        if course.origin == Origin.FOREIGN and course.referral is not None:
            referral_schedule(referral=course.referral, planner=user, start_date=start)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _plan_course_codes(plan: Plan) -> list[str]:
    return [row["course"] for row in plan.diff.get("rows", [])]


def plan_discard(*, user: User, plan: Plan, note: str = "") -> Plan:
    require_permission(user, "scheduling.plan_schedule", action="discard plans")

    def decide(row: Plan) -> None:
        row.decided_by, row.decided_at, row.note = user, timezone.now(), note

    return PLANS.move(plan, name="discard", actor=user, guard=decide)
