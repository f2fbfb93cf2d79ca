"""Bookings, downtime, planning and approval over the database (services + planner)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connections, transaction

from conftest import make_facility
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.models import Facility, FacilityKind, Region, User
from onconet.core.tests.factories import HolidayFactory
from onconet.scheduling import services
from onconet.scheduling.jobs import plan_facility
from onconet.scheduling.models import (
    Booking,
    Course,
    CourseStatus,
    Machine,
    MachineDay,
    Plan,
    PlanStatus,
    Protocol,
)
from onconet.scheduling.solver import parse_instance, verify
from onconet.scheduling.tests.factories import (
    BeamFactory,
    CourseFactory,
    DowntimeFactory,
    MachineFactory,
    ProtocolFactory,
)

MONDAY = dt.date(2031, 3, 3)  # a Monday far enough ahead that "today" never interferes


def _setup(region: Region) -> tuple[Facility, Machine, Machine, Protocol, Protocol]:
    facility = make_facility(region, "KLU-ONC", FacilityKind.DISPENSARY)
    linac1 = MachineFactory(
        facility=facility, code="KLU-L1", name="Linac 1", kind="linac", minutes_per_weekday=[600] * 5 + [0, 0]
    )
    linac2 = MachineFactory(
        facility=facility, code="KLU-L2", name="Linac 2", kind="linac", minutes_per_weekday=[480] * 5 + [0, 0]
    )
    short = ProtocolFactory(
        code="SBRT-1", name="Single session", fractions=1, first_minutes=10, minutes=10, machine_kinds=["linac"]
    )
    course5 = ProtocolFactory(
        code="RT-5", name="Five fractions", fractions=5, first_minutes=40, minutes=20, machine_kinds=["linac"]
    )
    return facility, linac1, linac2, short, course5


@pytest.fixture
def sched(users: dict[str, User], region: Region) -> tuple[Facility, Machine, Machine, Protocol, Protocol]:
    return _setup(region)


def _course(facility: Facility, protocol: Protocol, code: str, ready: dt.date = MONDAY, urgency: int = 3) -> Course:
    return CourseFactory(code=code, facility=facility, protocol=protocol, ready_date=ready, urgency=urgency)


def _race(bookings: list[tuple[Course, Machine]]) -> list[Any]:
    """Book one 10-minute fraction on Monday for each (course, machine), all threads released at once; each outcome
    is "booked", the DomainError or the repr of anything else."""
    barrier = threading.Barrier(len(bookings))
    outcomes: list[Any] = []
    lock = threading.Lock()

    def book(course: Course, machine: Machine) -> None:
        barrier.wait()
        try:
            services.book_fractions(course, machine, [(0, MONDAY, 10)])
            result: Any = "booked"
        except DomainError as exc:
            result = exc
        except Exception as exc:
            result = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=pair) for pair in bookings]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_for_the_last_free_minutes(users: dict[str, User], region: Region) -> None:
    facility, machine, _, short, _ = _setup(region)
    filler = _course(
        facility,
        ProtocolFactory(
            code="FILL", name="filler", fractions=1, first_minutes=550, minutes=550, machine_kinds=["linac"]
        ),
        "FILLER",
    )
    services.book_fractions(filler, machine, [(0, MONDAY, 550)])  # 50 minutes left on the machine-day
    courses = [_course(facility, short, f"C{i:02d}") for i in range(50)]
    outcomes = _race([(c, machine) for c in courses])
    booked = [o for o in outcomes if o == "booked"]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(booked) == 5, outcomes
    assert len(refused) == 45, [o for o in outcomes if not isinstance(o, DomainError) and o != "booked"]
    assert all(e.status_code == 409 and "has 0 free minutes" in e.detail for e in refused)
    day = MachineDay.objects.get(machine=machine, date=MONDAY)
    assert (day.booked_minutes, day.capacity_minutes) == (600, 600)
    assert Booking.objects.filter(day=day).count() == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_on_two_rooms_of_one_accelerator_keep_to_its_minutes(
    users: dict[str, User], region: Region
) -> None:
    facility, linac1, linac2, short, _ = _setup(region)
    beam = BeamFactory(facility=facility, code="KLU-B1", name="Shared", minutes_per_weekday=[60] * 5 + [0, 0])
    Machine.objects.filter(pk__in=[linac1.pk, linac2.pk]).update(beam=beam)
    linac1.refresh_from_db()
    linac2.refresh_from_db()
    courses = [_course(facility, short, f"B{i:02d}") for i in range(12)]
    outcomes = _race([(c, linac1 if n % 2 else linac2) for n, c in enumerate(courses)])
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert outcomes.count("booked") == 6, outcomes
    assert len(refused) == 6, outcomes
    assert all("KLU-B1 (the accelerator of" in e.detail for e in refused), outcomes
    assert services.beam_free(beam, MONDAY) == 0
    # Each room alone has 600 and 480 minutes that day: it is the accelerator that is full.
    assert sum(MachineDay.objects.filter(date=MONDAY).values_list("booked_minutes", flat=True)) == 60


def test_the_database_itself_refuses_an_overbooked_machine_day(sched: Any) -> None:
    _, machine, *_ = sched
    day = services.machine_day(machine, MONDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        MachineDay.objects.filter(pk=day.pk).update(booked_minutes=601)


def test_a_course_is_booked_all_or_nothing(sched: Any) -> None:
    facility, machine, _, _, five = sched
    course = _course(facility, five, "D-1")
    blocker = _course(facility, five, "D-2")
    services.book_fractions(blocker, machine, [(0, MONDAY + dt.timedelta(days=2), 590)])
    days = [MONDAY + dt.timedelta(days=i) for i in range(5)]
    with pytest.raises(DomainError, match="fraction 3 of D-1"):
        services.book_course(course, machine, days)
    assert not Booking.objects.filter(course=course).exists()
    assert not MachineDay.objects.filter(machine=machine, date=MONDAY, booked_minutes__gt=0).exists()


def test_holidays_and_downtime_set_capacity(sched: Any) -> None:

    _, machine, *_ = sched
    HolidayFactory(date=MONDAY, name="Test holiday")
    DowntimeFactory(machine=machine, date=MONDAY + dt.timedelta(days=1), minutes=240, reason="qa")
    assert services.capacity_on(machine, MONDAY) == 0
    assert services.capacity_on(machine, MONDAY + dt.timedelta(days=1)) == 360
    assert services.capacity_on(machine, MONDAY + dt.timedelta(days=5)) == 0  # Saturday


def test_csv_import_lists_every_problem_and_imports_nothing(sched: Any, users: dict[str, User]) -> None:
    data = (
        b"code,facility,protocol,ready_date,urgency\n"
        b"A-1,KLU-ONC,RT-5,2031-03-03,1\nA-2,KLU-ONC,NOPE,2031-13-01,7\nA-1,XX,RT-5,2031-03-03,2\n"
    )
    with pytest.raises(InvalidInput) as info:
        services.courses_import_csv(user=users["reporter"], data=data)
    messages = [f"{p.field}: {p.message}" for p in info.value.errors]
    assert "protocol: line 3: unknown protocol" in messages
    assert "ready_date: line 3: a date YYYY-MM-DD" in messages
    assert "urgency: line 3: 1 urgent, 2 soon or 3 routine" in messages
    assert "facility: line 4: unknown facility" in messages
    assert "code: line 4: duplicate in the file" in messages
    assert not Course.objects.exists()
    good = (
        b"code,facility,protocol,ready_date,urgency\nA-1,KLU-ONC,RT-5,2031-03-03,1\nA-2,KLU-ONC,SBRT-1,2031-03-04,3\n"
    )
    assert len(services.courses_import_csv(user=users["reporter"], data=good)) == 2


def test_another_regions_reporter_cannot_see_or_import_here(sched: Any, users: dict[str, User]) -> None:
    facility, machine, *_ = sched
    data = b"code,facility,protocol,ready_date,urgency\nA-1,KLU-ONC,RT-5,2031-03-03,1\n"
    with pytest.raises(InvalidInput, match="problem"):
        services.courses_import_csv(user=users["reporter2"], data=data)
    with pytest.raises(NotFound):
        services.downtime_record(user=users["reporter2"], machine=machine, date=MONDAY, minutes=60, reason="qa")
    with pytest.raises(NotAllowed):
        services.course_create(
            user=users["analyst"], facility=facility, protocol=sched[4], ready_date=MONDAY, urgency=1
        )


def test_plan_approve_writes_bookings_that_the_verifier_accepts(sched: Any, users: dict[str, User]) -> None:
    facility, _, _, short, five = sched
    for i in range(12):
        _course(facility, five, f"D-{i:02d}", urgency=1 + i % 3)
    for i in range(30):
        _course(facility, short, f"S-{i:02d}")
    plan = plan_facility(facility, kind="manual", today=MONDAY, days=28)
    assert plan.status == PlanStatus.PROPOSED
    assert verify(plan.instance, plan.plan) == []
    assert plan.diff["counts"]["added"] == 42
    parse_instance(plan.instance)
    services.plan_approve(user=users["reporter"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert Booking.objects.count() == 12 * 5 + 30
    assert not Course.objects.filter(status=CourseStatus.WAITING).exists()
    for day in MachineDay.objects.all():
        assert day.booked_minutes == sum(b.minutes for b in day.bookings.all()) <= day.capacity_minutes
    # The same state planned again changes nothing.
    again = plan_facility(facility, kind="daily", today=MONDAY, days=28)
    assert again.diff["counts"].get("unchanged") == 42
    assert again.diff["moved_patients"] == 0
    with pytest.raises(DomainError, match="approved"):
        services.plan_approve(user=users["reporter"], plan=plan)


def test_a_breakdown_displaces_the_fewest_courses_and_proposes_a_replan(sched: Any, users: dict[str, User]) -> None:
    facility, machine, _, _short, five = sched
    courses = [_course(facility, five, f"D-{i}") for i in range(3)]
    for c in courses:
        services.book_course(c, machine, [MONDAY + dt.timedelta(days=i) for i in range(5)])
        Course.objects.filter(pk=c.pk).update(status=CourseStatus.BOOKED, machine=machine, start_date=MONDAY)
    # 3 × 20 minutes on Wednesday; 580 minutes of downtime leave 20: two courses must go, one stays.
    _, displaced = services.downtime_record(
        user=users["reporter"], machine=machine, date=MONDAY + dt.timedelta(days=2), minutes=580, reason="breakdown"
    )
    assert len(displaced) == 2
    assert Booking.objects.filter(course__in=courses).count() == 5 + 2 * 2
    plan = plan_facility(facility, kind="breakdown", today=MONDAY, days=28)
    assert verify(plan.instance, plan.plan) == []
    kept = next(c for c in courses if c not in displaced)
    assert kept.code not in {r["course"] for r in plan.diff["rows"]}
    assert {r["course"] for r in plan.diff["rows"]} == {c.code for c in displaced}
    services.plan_approve(user=users["reporter"], plan=plan)
    assert Booking.objects.filter(course__in=courses).count() == 15


def test_a_plan_made_on_an_old_state_is_refused_whole(sched: Any, users: dict[str, User]) -> None:
    facility, _machine, _linac2, short, _ = sched
    _course(facility, short, "S-1")
    plan = plan_facility(facility, kind="manual", today=MONDAY, days=7)
    row = plan.diff["rows"][0]
    target = Machine.objects.get(code=row["machine"])
    other = _course(facility, short, "S-2")
    day = dt.date.fromisoformat(row["start_date"])
    free = services.machine_day(target, day).capacity_minutes
    services.book_fractions(other, target, [(0, day, free)])
    with pytest.raises(DomainError, match="free minutes"):
        services.plan_approve(user=users["reporter"], plan=plan)
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.PROPOSED
    assert not Booking.objects.filter(course__code="S-1").exists()
