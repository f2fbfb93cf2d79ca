"""Courses and plans through the one transition mechanism: the department cancels, an approved plan books, the
clock moves courses on; each step locked, checked and audited."""

from __future__ import annotations

import re

import pytest

from onconet.core.errors import DomainError, NotAllowed
from onconet.core.models import AuditAction, AuditEntry
from onconet.scheduling import services
from onconet.scheduling.jobs import plan_facility
from onconet.scheduling.models import Course
from onconet.scheduling.tests.conftest import TODAY


def _states(object_type):
    return list(
        AuditEntry.objects.filter(object_type=object_type, action=AuditAction.STATE_CHANGE)
        .order_by("id")
        .values_list("actor_username", "changes__status")
    )


def test_a_course_is_cancelled_once_by_its_department(users, course, row_locks):
    with pytest.raises(NotAllowed, match=re.escape("You are not allowed to cancel courses.")):
        services.course_cancel(user=users["analyst"], course=course)
    with row_locks:
        services.course_cancel(user=users["reporter"], course=course)
    row_locks.assert_locked("scheduling_course")
    with pytest.raises(DomainError) as err:
        services.course_cancel(user=users["reporter"], course=course)
    assert (err.value.status_code, err.value.detail) == (409, "The course is already cancelled.")
    assert Course.objects.get(pk=course.pk).status == "cancelled"
    assert _states("scheduling.course") == [("reporter", ["waiting", "cancelled"])]


def test_an_approved_plan_books_its_courses_and_supersedes_the_older_proposal(users, sched, course, row_locks):
    older = plan_facility(sched["klu"], kind="manual", today=TODAY, days=28)
    plan = plan_facility(sched["klu"], kind="manual", today=TODAY, days=28)
    older.refresh_from_db()
    assert older.status == "superseded"
    with pytest.raises(DomainError, match=re.escape("The plan is superseded; only a proposed plan can be approved.")):
        services.plan_approve(user=users["reporter"], plan=older)
    with row_locks:
        services.plan_approve(user=users["reporter"], plan=plan)
    row_locks.assert_locked("scheduling_plan")
    row_locks.assert_locked("scheduling_course")
    course.refresh_from_db()
    assert course.status == "booked"
    assert course.machine is not None
    assert _states("scheduling.plan") == [("", ["proposed", "superseded"]), ("reporter", ["proposed", "approved"])]
    assert _states("scheduling.course") == [("reporter", ["waiting", "booked"])]
