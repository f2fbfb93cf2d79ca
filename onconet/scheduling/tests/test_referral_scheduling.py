"""The planner books foreign referrals through tourism's `referral_schedule` service, with no bypass flag: the
planner's own right is checked, every start (and every move of a start) is audited and in the referral's history."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import pytest

from onconet.core.errors import NotAllowed, NotFound
from onconet.core.models import AuditEntry
from onconet.scheduling import jobs, services
from onconet.scheduling.models import Course
from onconet.tourism import services as office
from onconet.tourism.models import ReferralEvent, ReferralState


def test_no_service_takes_a_flag_that_switches_a_check_off() -> None:
    assert "by_planner" not in inspect.signature(office.referral_transition).parameters
    assert "internal" not in inspect.signature(services.start_plan).parameters


def test_plan_approval_schedules_the_referral_as_the_planner_and_audits_it(users, sched, prepaid_referral) -> None:
    referral = prepaid_referral
    services.foreign_course_create(user=users["coordinator"], referral=referral, facility=sched["klu"])
    plan = jobs.plan_facility(sched["klu"], kind="manual", user=users["reporter"])
    services.plan_approve(user=users["reporter"], plan=plan)
    referral.refresh_from_db()
    assert referral.state == ReferralState.SCHEDULED
    event = ReferralEvent.objects.get(referral=referral, action="schedule")
    assert (event.actor, event.from_state, event.to_state) == (users["reporter"], "prepaid", "scheduled")
    entry = AuditEntry.objects.filter(object_id=str(referral.pk), message="booked by an approved plan: schedule").get()
    assert entry.actor == users["reporter"]
    assert entry.changes == {"state": ["prepaid", "scheduled"], "start_date": ["", referral.start_date.isoformat()]}


def test_a_moved_start_is_written_through_the_service_not_a_raw_update(users, sched, prepaid_referral) -> None:
    referral = prepaid_referral
    services.foreign_course_create(user=users["coordinator"], referral=referral, facility=sched["klu"])
    services.plan_approve(user=users["reporter"], plan=jobs.plan_facility(sched["klu"], kind="manual"))
    referral.refresh_from_db()
    old = referral.start_date
    new = old + dt.timedelta(days=7)
    office.referral_schedule(referral=referral, planner=users["reporter"], start_date=new)
    referral.refresh_from_db()
    assert (referral.state, referral.start_date) == (ReferralState.SCHEDULED, new)
    event = ReferralEvent.objects.get(referral=referral, action="reschedule")
    assert (event.from_state, event.to_state, event.actor) == ("scheduled", "scheduled", users["reporter"])
    entry = AuditEntry.objects.get(object_id=str(referral.pk), message="reschedule")
    assert entry.changes["start_date"] == [old.isoformat(), new.isoformat()]
    # the same start again writes nothing
    office.referral_schedule(referral=referral, planner=users["reporter"], start_date=new)
    assert ReferralEvent.objects.filter(referral=referral, action="reschedule").count() == 1


@pytest.mark.parametrize("role", ["coordinator", "partner", "analyst"])
def test_only_a_planner_may_schedule_from_a_plan(users, prepaid_referral, role: str) -> None:
    with pytest.raises(NotAllowed):
        office.referral_schedule(referral=prepaid_referral, planner=users[role], start_date=dt.date(2031, 3, 3))
    prepaid_referral.refresh_from_db()
    assert prepaid_referral.state == ReferralState.PREPAID


def test_the_planner_is_started_only_on_a_facility_in_the_users_scope(users, sched) -> None:
    with pytest.raises(NotFound):
        services.start_plan(user=users["reporter"], facility=sched["mow"])


def test_foreign_course_create_looks_up_the_referral_in_the_actors_scope(users, sched, prepaid_referral: Any) -> None:
    # a regional reporter given the right by hand still sees no partner's referral: 404, nothing created
    reporter = users["reporter"]
    from django.contrib.auth.models import Permission

    reporter.user_permissions.add(Permission.objects.get(codename="add_foreign_course"))
    reporter = type(reporter).objects.get(pk=reporter.pk)
    with pytest.raises(NotFound):
        services.foreign_course_create(user=reporter, referral=prepaid_referral, facility=sched["klu"])
    assert not Course.objects.exists()
