"""Reads of the scheduling pages and API: machines, calendars, utilisation, courses, plans and offers.

Every read goes through `visible()`, so a regional reporter sees its region's machines, courses and plans and
nothing else; the office (coordinator) and the national roles see all of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from onconet.core.models import Facility, Holiday, Job
from onconet.core.scoping import AnyUser, require_permission, visible
from onconet.core.selectors import jobs_list
from onconet.scheduling.models import (
    Beam,
    Booking,
    CapacityOffer,
    Course,
    Downtime,
    Machine,
    MachineDay,
    Origin,
    Plan,
)
from onconet.scheduling.planner import wait_targets
from onconet.tourism.models import Referral, ReferralState

VIEW = "scheduling.view_schedule"


def require_view(user: AnyUser) -> None:
    require_permission(user, VIEW, action="see machine calendars, courses and plans")


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# ---------------------------------------------------------------- machines and facilities


def machines_list(
    *, user: AnyUser, facility: int | str | None = None, kind: str | None = None, active_only: bool = False
) -> QuerySet[Machine]:
    qs = visible(user, Machine.objects.select_related("facility__region", "beam"))
    if facility:
        qs = qs.filter(facility_id=facility)
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("facility__name", "kind", "code")


def facilities_with_machines(*, user: AnyUser) -> QuerySet[Facility]:
    """The facilities the user may see that have a machine in use."""
    return (
        visible(user, Facility.objects.select_related("region"))
        .filter(pk__in=Machine.objects.filter(active=True).values("facility"))
        .order_by("name")
    )


def weekly_minutes(machine: Machine) -> int:
    return sum(int(m) for m in machine.minutes_per_weekday or [])


# ---------------------------------------------------------------- calendars


@dataclass
class DayLoad:
    """One machine on one date: its hours, what downtime took, and the booked minutes by origin."""

    date: dt.date
    hours: int = 0
    capacity: int = 0
    downtime: int = 0
    domestic: int = 0
    foreign: int = 0
    holiday: str = ""
    bookings: list[Booking] = field(default_factory=list)
    slots: list[Any] = field(default_factory=list)  # the day view's timetable (scheduling.timetable.Slot)
    downtime_blocks: list[Downtime] = field(default_factory=list)

    @property
    def booked(self) -> int:
        return self.domestic + self.foreign

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def utilisation(self) -> float | None:
        return self.booked / self.capacity if self.capacity else None

    @cached_property
    def bar(self) -> dict[str, int]:
        """Whole percentages of the bar for domestic, foreign and downtime minutes (the bar is the day's hours)."""
        scale = max(self.hours, self.booked + self.downtime, 1)
        out, used = {}, 0
        for part in ("domestic", "foreign", "downtime"):
            value = getattr(self, part)
            width = min(100 - used, round(100 * value / scale)) if value else 0
            if value and width == 0:
                width = min(1, 100 - used)  # a booked fraction is never invisible
            out[part] = width
            used += width
        return out


def machine_loads(
    machines: list[Machine], start: dt.date, end: dt.date, *, with_bookings: bool = False
) -> dict[int, list[DayLoad]]:
    """Each machine's DayLoad for every date from `start` to `end`, in a fixed number of queries.

    Capacity is the MachineDay's where one exists (it is what bookings are checked against), otherwise what
    `services.capacity_on` would give: the weekday's hours less downtime, nothing on a holiday."""
    ids = [m.pk for m in machines]
    holidays = dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "name"))
    days = {
        (d.machine_id, d.date): d.capacity_minutes
        for d in MachineDay.objects.filter(machine_id__in=ids, date__gte=start, date__lte=end)
    }
    down: dict[tuple[int, dt.date], list[Downtime]] = defaultdict(list)
    for block in Downtime.objects.filter(machine_id__in=ids, date__gte=start, date__lte=end).order_by("created_at"):
        down[(block.machine_id, block.date)].append(block)
    booked: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    for row in (
        Booking.objects.filter(day__machine_id__in=ids, day__date__gte=start, day__date__lte=end)
        .values("day__machine_id", "day__date", "course__origin")
        .annotate(minutes=Sum("minutes"))
    ):
        booked[(row["day__machine_id"], row["day__date"], row["course__origin"])] += row["minutes"] or 0
    listed: dict[tuple[int, dt.date], list[Booking]] = defaultdict(list)
    if with_bookings:
        for booking in (
            Booking.objects.filter(day__machine_id__in=ids, day__date__gte=start, day__date__lte=end)
            .select_related("day", "course__protocol")
            .order_by("day__date", "course__origin", "course__code")
        ):
            listed[(booking.day.machine_id, booking.day.date)].append(booking)
    out: dict[int, list[DayLoad]] = {}
    for machine in machines:
        loads = []
        date = start
        while date <= end:
            hours = int((machine.minutes_per_weekday or [0] * 7)[date.weekday()])
            blocks = down.get((machine.pk, date), [])
            downtime = min(hours, sum(b.minutes for b in blocks))
            holiday = holidays.get(date, "")
            if (machine.pk, date) in days:
                capacity = days[(machine.pk, date)]
            else:
                capacity = 0 if holiday else max(0, hours - downtime)
            loads.append(
                DayLoad(
                    date=date,
                    hours=0 if holiday else hours,
                    capacity=capacity,
                    downtime=0 if holiday else downtime,
                    domestic=booked.get((machine.pk, date, Origin.DOMESTIC), 0),
                    foreign=booked.get((machine.pk, date, Origin.FOREIGN), 0),
                    holiday=holiday,
                    bookings=listed.get((machine.pk, date), []),
                    downtime_blocks=blocks,
                )
            )
            date += dt.timedelta(days=1)
        out[machine.pk] = loads
    return out


def calendar_rows(
    machines: list[Machine], start: dt.date, days: int, *, with_bookings: bool = False
) -> list[dict[str, Any]]:
    loads = machine_loads(machines, start, start + dt.timedelta(days=days - 1), with_bookings=with_bookings)
    return [{"machine": m, "days": loads[m.pk]} for m in machines]


# ---------------------------------------------------------------- utilisation by ISO week


@dataclass
class WeekLoad:
    week: str  # ISO week, e.g. "2026-W05"
    start: dt.date
    capacity: int = 0
    domestic: int = 0
    foreign: int = 0

    @property
    def booked(self) -> int:
        return self.domestic + self.foreign

    @property
    def percent(self) -> float | None:
        return round(100 * self.booked / self.capacity, 1) if self.capacity else None


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_utilisation(machines: list[Machine], first: dt.date, weeks: int = 8) -> dict[int, list[WeekLoad]]:
    """Booked minutes ÷ capacity of each machine in each of `weeks` ISO weeks from the week of `first`."""
    start = monday(first)
    end = start + dt.timedelta(days=7 * weeks - 1)
    loads = machine_loads(machines, start, end)
    out: dict[int, list[WeekLoad]] = {}
    for machine in machines:
        rows = [WeekLoad(iso_week(start + dt.timedelta(weeks=n)), start + dt.timedelta(weeks=n)) for n in range(weeks)]
        for load in loads[machine.pk]:
            row = rows[(load.date - start).days // 7]
            row.capacity += load.capacity
            row.domestic += load.domestic
            row.foreign += load.foreign
        out[machine.pk] = rows
    return out


@dataclass
class BeamLoad:
    """One accelerator and the treatment rooms it feeds, with its booked share in each of the coming weeks."""

    beam: Beam
    machines: list[Machine]
    weeks: list[WeekLoad]

    @property
    def hours_a_week(self) -> float:
        return sum(int(m) for m in self.beam.minutes_per_weekday or []) / 60


def beam_loads(*, user: AnyUser, facility: int | str | None, first: dt.date, weeks: int = 8) -> list[BeamLoad]:
    """The beams the user may see (of one facility, or all) with the minutes booked on all their machines ÷ the
    beam's own minutes (nothing on a holiday), week by week from the week of `first`."""
    qs = visible(user, Beam.objects.select_related("facility").prefetch_related("machines"))
    if facility:
        qs = qs.filter(facility_id=facility)
    beams = list(qs)
    if not beams:
        return []
    start = monday(first)
    end = start + dt.timedelta(days=7 * weeks - 1)
    holidays = set(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))
    booked: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    for row in (
        Booking.objects.filter(day__machine__beam__in=beams, day__date__gte=start, day__date__lte=end)
        .values("day__machine__beam_id", "day__date", "course__origin")
        .annotate(minutes=Sum("minutes"))
    ):
        booked[(row["day__machine__beam_id"], row["day__date"], row["course__origin"])] += row["minutes"] or 0
    out: list[BeamLoad] = []
    for beam in beams:
        rows = [WeekLoad(iso_week(start + dt.timedelta(weeks=n)), start + dt.timedelta(weeks=n)) for n in range(weeks)]
        for n in range(7 * weeks):
            date = start + dt.timedelta(days=n)
            week = rows[n // 7]
            if date not in holidays:
                week.capacity += int((beam.minutes_per_weekday or [0] * 7)[date.weekday()])
            week.domestic += booked[(beam.pk, date, Origin.DOMESTIC)]
            week.foreign += booked[(beam.pk, date, Origin.FOREIGN)]
        out.append(BeamLoad(beam, sorted(beam.machines.all(), key=lambda m: m.code), rows))
    return out


# ---------------------------------------------------------------- courses, downtime, plans


def courses_list(
    *,
    user: AnyUser,
    facility: int | str | None = None,
    status: str | None = None,
    origin: str | None = None,
) -> QuerySet[Course]:
    qs = visible(user, Course.objects.select_related("facility", "protocol", "machine"))
    if facility:
        qs = qs.filter(facility_id=facility)
    if status:
        qs = qs.filter(status=status)
    if origin:
        qs = qs.filter(origin=origin)
    return qs.order_by("ready_date", "code")


def downtime_list(*, user: AnyUser, facility: int | str | None = None, since: dt.date | None = None) -> Any:
    qs = visible(user, Downtime.objects.select_related("machine__facility", "created_by"))
    if facility:
        qs = qs.filter(machine__facility_id=facility)
    if since:
        qs = qs.filter(date__gte=since)
    return qs.order_by("-date", "machine__code")


def plans_list(*, user: AnyUser, facility: int | str | None = None) -> QuerySet[Plan]:
    qs = visible(user, Plan.objects.select_related("facility", "created_by", "decided_by", "job"))
    if facility:
        qs = qs.filter(facility_id=facility)
    return qs.order_by("-created_at", "-pk")


def plan_jobs(*, user: AnyUser) -> QuerySet[Job]:
    """The planner jobs the user started that have not finished yet."""

    return jobs_list(user=user).filter(kind="schedule_plan", status__in=["queued", "running"]).order_by("-pk")


def offers() -> QuerySet[CapacityOffer]:
    return CapacityOffer.objects.select_related("facility", "published_by").order_by("facility__code", "kind", "month")


def simulation_jobs(*, user: AnyUser) -> QuerySet[Job]:
    """Capacity simulations: everyone who sees the schedule sees them (they hold no patient data)."""
    if not user.is_authenticated or not user.has_perm("scheduling.view_schedule"):
        return Job.objects.none()
    return Job.objects.filter(kind="capacity_simulation").select_related("created_by").order_by("-pk")


# ---------------------------------------------------------------- the office's foreign courses


def prepaid_referrals(*, user: AnyUser) -> Any:
    """Prepaid referrals the user may see that are not in planning yet."""

    return (
        visible(user, Referral.objects.select_related("partner", "service", "contract"))
        .filter(state=ReferralState.PREPAID, course__isnull=True)
        .order_by("state_changed_at", "pk")
    )


def foreign_courses(*, user: AnyUser) -> QuerySet[Course]:
    return courses_list(user=user, origin=Origin.FOREIGN).select_related("referral__partner")


def day_bookings(*, user: AnyUser, machines: QuerySet[Machine], start: dt.date, end: dt.date) -> QuerySet[Booking]:
    """Booked fractions on the machines between two dates (API)."""
    return (
        visible(user, Booking.objects.all())
        .filter(day__machine__in=machines, day__date__gte=start, day__date__lte=end)
        .select_related("day__machine", "course__protocol")
        .order_by("day__date", "day__machine__code", "course__code")
    )


def course_with_bookings(queryset: QuerySet[Course]) -> QuerySet[Course]:
    return queryset.prefetch_related(
        Prefetch("bookings", queryset=Booking.objects.select_related("day__machine").order_by("fraction"))
    )


def waits_by_urgency(*, user: AnyUser, facility: int | str | None, since: dt.date, until: dt.date) -> dict[str, Any]:
    """Domestic courses that started in [since, until) in the user's scope, per urgency: how many, their waits
    (mean, 95th percentile, longest, in days from ready to start) and how many waited longer than their target
    (the protocol's, or the urgency's national target when shorter) — the shape of a plan's `by_urgency`."""

    targets = wait_targets()
    qs = visible(user, Course.objects.filter(origin="domestic", start_date__gte=since, start_date__lt=until))
    if facility:
        qs = qs.filter(facility_id=facility)
    waits: dict[str, list[tuple[int, int]]] = {"1": [], "2": [], "3": []}
    for ready, start, urgency, target in qs.values_list("ready_date", "start_date", "urgency", "protocol__target_days"):
        if start is not None:  # filtered on start_date: always set here
            u = str(urgency)
            waits[u].append(((start - ready).days, min(target, targets[u])))
    out: dict[str, Any] = {}
    for u, rows in waits.items():
        values = sorted(max(0, w) for w, _ in rows)
        out[u] = {
            "scheduled": len(values),
            "wait_days_mean": round(sum(values) / len(values), 1) if values else None,
            "wait_days_p95": values[min(len(values) - 1, int(0.95 * len(values)))] if values else None,
            "wait_days_max": values[-1] if values else None,
            "over_target": sum(1 for w, t in rows if w > t),
        }
    return out


def replay_jobs(*, user: AnyUser) -> QuerySet[Job]:
    """Replays of the facilities the user sees (they list pseudonymous course codes of those facilities)."""
    if not user.is_authenticated or not user.has_perm("scheduling.view_schedule"):
        return Job.objects.none()
    facilities = list(visible(user, Facility.objects.all()).values_list("pk", flat=True))
    return (
        Job.objects.filter(kind="schedule_replay", params__facility__in=facilities)
        .select_related("created_by")
        .order_by("-pk")
    )
