"""The life of a course and of a plan as state machines (`core.transitions`): who moves them, and from where."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onconet.core.transitions import StateMachine, Step, step
from onconet.scheduling.models import Course, CourseStatus, Plan, PlanStatus

W, B, U, DONE, X = (
    CourseStatus.WAITING,
    CourseStatus.BOOKED,
    CourseStatus.UNDER_WAY,
    CourseStatus.COMPLETED,
    CourseStatus.CANCELLED,
)
PLAN_SCHEDULE = "scheduling.plan_schedule"


def _course_refusal(machine: StateMachine[Course], taken: Step, state: str, allowed: list[str]) -> str:
    if state in (DONE, X):
        return f"The course is already {state}."
    return (
        f"Cannot {taken.name.replace('_', ' ')} a course that is {state}; allowed next: {', '.join(allowed) or 'none'}."
    )


# An approved plan books, re-books and frees courses (`plan_approve`); the clock moves booked courses on as their
# fractions pass (`refresh_statuses`); the department cancels.
COURSES = StateMachine(
    Course,
    noun="course",
    wrong_state=_course_refusal,
    labels={
        "book": _("Booked by a plan"),
        "book_under_way": _("Re-booked by a plan"),
        "unbook": _("Freed by a plan"),
        "start": _("Started"),
        "complete": _("Completed"),
        "cancel": _("Cancelled"),
    },
    forbidden=lambda machine, taken: f"You are not allowed to {taken.name.replace('_', ' ')} courses.",
    steps=(
        step("book", {W, B}, B, permission=PLAN_SCHEDULE, system=True),
        step("book_under_way", {W, B, U}, U, permission=PLAN_SCHEDULE, system=True),  # re-booked after its start
        step("unbook", {B, U}, W, permission=PLAN_SCHEDULE, system=True),
        step("start", {B}, U, system=True),
        step("complete", {B, U}, DONE, system=True),
        step("cancel", {W, B, U}, X, permission="scheduling.add_course"),
    ),
)

_DONE = {"approve": "approved", "discard": "discarded", "supersede": "superseded"}


def _plan_refusal(machine: StateMachine[Plan], taken: Step, state: str, allowed: list[str]) -> str:
    return f"The plan is {state}; only a proposed plan can be {_DONE[taken.name]}."


PLANS = StateMachine(
    Plan,
    noun="plan",
    wrong_state=_plan_refusal,
    labels={"approve": _("Approved"), "discard": _("Discarded"), "supersede": _("Superseded by a newer plan")},
    forbidden=lambda machine, taken: f"You are not allowed to {taken.name} plans.",
    steps=(
        step("approve", {PlanStatus.PROPOSED}, PlanStatus.APPROVED, permission=PLAN_SCHEDULE),
        step("discard", {PlanStatus.PROPOSED}, PlanStatus.DISCARDED, permission=PLAN_SCHEDULE),
        step("supersede", {PlanStatus.PROPOSED}, PlanStatus.SUPERSEDED, system=True),  # a newer plan replaces it
    ),
)
