"""Writes of the scheduling app: resources, courses, bookings, downtime, plan approval and capacity offers.

Bookings never overlap capacity: `book_fractions` adds each fraction's minutes to its MachineDay with one
conditional UPDATE (`… SET booked = booked + m WHERE booked + m <= capacity`). On PostgreSQL the row lock of
the UPDATE serialises concurrent bookers and the condition is re-checked on the newest row; SQLite runs one
writer at a time. Either way the loser gets a DomainError (409) and its transaction changes nothing; the
MachineDay CHECK constraint backs this up.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, NotAllowed
from onconet.core.models import Facility, Holiday, Job, User
from onconet.core.roles import Role
from onconet.core.scoping import AnyUser, get_visible, require_permission, visible
from onconet.core.services import job_start
from onconet.scheduling.models import (
    Beam,
    Booking,
    CapacityOffer,
    Course,
    CourseStatus,
    Downtime,
    DowntimeReason,
    Machine,
    MachineDay,
    MachineKind,
    Origin,
    Plan,
    PlanKind,
    PlanStatus,
    Protocol,
)
from onconet.scheduling.planner import DEFAULT_DAYS
from onconet.scheduling.selectors import simulation_jobs
from onconet.scheduling.workflow import COURSES, PLANS
from onconet.tourism.models import QuoteStatus, Referral, ReferralState
from onconet.tourism.services import referral_schedule

MAX_MINUTES = 24 * 60


# ---------------------------------------------------------------- calendars


def capacity_on(machine: Machine, date: dt.date) -> int:
    """Minutes the machine has on `date`: its weekday hours, less downtime, nothing on a holiday."""
    if Holiday.objects.filter(date=date).exists():
        return 0
    hours = int(machine.minutes_per_weekday[date.weekday()])
    down = Downtime.objects.filter(machine=machine, date=date).aggregate(m=Sum("minutes"))["m"] or 0
    return max(0, hours - down)


def machine_day(machine: Machine, date: dt.date) -> MachineDay:
    """The MachineDay row, created with its capacity on first use (safe when two bookers race to create it)."""
    day = MachineDay.objects.filter(machine=machine, date=date).first()
    if day is not None:
        return day
    try:
        with transaction.atomic():
            return MachineDay.objects.create(machine=machine, date=date, capacity_minutes=capacity_on(machine, date))
    except IntegrityError:
        return MachineDay.objects.get(machine=machine, date=date)


def beam_free(beam: Beam, date: dt.date) -> int:
    """Minutes the beam has left on `date`: its weekday minutes (none on a holiday) less what all its machines have
    booked. Call it with the beam's row locked when a booking follows."""
    if Holiday.objects.filter(date=date).exists():
        return 0
    total = int((beam.minutes_per_weekday or [0] * 7)[date.weekday()])
    booked = MachineDay.objects.filter(machine__beam=beam, date=date).aggregate(m=Sum("booked_minutes"))["m"] or 0
    return total - booked


def book_fractions(course: Course, machine: Machine, fractions: Sequence[tuple[int, dt.date, int]]) -> list[Booking]:
    """Book (fraction number, date, minutes) for `course` on `machine`, all or nothing; 409 when one does not fit
    the machine's day or, on a machine fed by a shared accelerator, the beam's minutes of that day (the beam's row is
    locked, so bookings on its rooms are taken one at a time)."""
    bookings = []
    with transaction.atomic():
        beam = Beam.objects.select_for_update().get(pk=machine.beam_id) if machine.beam_id else None
        for number, date, minutes in fractions:
            if beam is not None and minutes > (left := beam_free(beam, date)):
                raise DomainError(
                    f"{beam.code} (the accelerator of {machine.code}) on {date.isoformat()} has {max(0, left)} free "
                    f"minutes; fraction {number + 1} of {course.code} needs {minutes}.",
                    errors=[FieldProblem("no beam capacity", "date", date.isoformat())],
                )
            day = machine_day(machine, date)
            added = MachineDay.objects.filter(pk=day.pk, booked_minutes__lte=F("capacity_minutes") - minutes).update(
                booked_minutes=F("booked_minutes") + minutes
            )
            if not added:
                day.refresh_from_db()
                free = max(0, day.capacity_minutes - day.booked_minutes)
                raise DomainError(
                    f"{machine.code} on {date.isoformat()} has {free} free minutes; fraction {number + 1} of "
                    f"{course.code} needs {minutes}.",
                    errors=[FieldProblem("no capacity", "date", date.isoformat())],
                )
            bookings.append(Booking(course=course, day=day, fraction=number, minutes=minutes))
        Booking.objects.bulk_create(bookings)
    return bookings


def release_bookings(course: Course, from_date: dt.date) -> int:
    """Give back the course's bookings on or after `from_date`; returns how many were released."""
    released = 0
    with transaction.atomic():
        for booking in Booking.objects.filter(course=course, day__date__gte=from_date).select_related("day"):
            MachineDay.objects.filter(pk=booking.day_id).update(booked_minutes=F("booked_minutes") - booking.minutes)
            booking.delete()
            released += 1
    return released


def book_course(course: Course, machine: Machine, dates: Sequence[dt.date], first_fraction: int = 0) -> None:
    """Book the course's fractions from `first_fraction` on the given dates (consecutive open days)."""
    protocol = course.protocol
    fractions = [
        (first_fraction + i, date, protocol.first_minutes if first_fraction + i == 0 else protocol.minutes)
        for i, date in enumerate(dates)
    ]
    book_fractions(course, machine, fractions)


def refresh_statuses(today: dt.date | None = None) -> int:
    """Booked courses whose first fraction is past are under way; those whose last is past are completed."""
    today = today or timezone.localdate()
    changed = 0
    for course in Course.objects.filter(status__in=[CourseStatus.BOOKED, CourseStatus.UNDER_WAY]).prefetch_related(
        "bookings__day"
    ):
        dates = sorted(b.day.date for b in course.bookings.all())
        if not dates:
            continue
        delivered = sum(1 for d in dates if d < today)
        status = course.status
        if delivered >= course.protocol.fractions or (delivered and delivered == len(dates) and dates[-1] < today):
            status = CourseStatus.COMPLETED
        elif delivered:
            status = CourseStatus.UNDER_WAY
        if status != course.status:
            COURSES.move(course, name="complete" if status == CourseStatus.COMPLETED else "start", actor=None)
            changed += 1
    return changed


# ---------------------------------------------------------------- resources


def machine_save(
    *, user: User, facility: Facility, code: str, name: str, kind: str, minutes_per_weekday: Sequence[Any]
) -> Machine:
    require_permission(user, "scheduling.manage_resources", action="manage machines")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    problems = []
    if kind not in MachineKind.values:
        problems.append(FieldProblem(f"must be one of {', '.join(MachineKind.values)}", "kind", kind))
    week = list(minutes_per_weekday)
    if len(week) != 7 or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_MINUTES for v in week
    ):
        problems.append(FieldProblem("seven whole numbers of minutes 0–1440, Monday first", "minutes_per_weekday"))
    if not code.strip():
        problems.append(FieldProblem("required", "code"))
    if problems:
        raise InvalidInput("The machine is not valid.", errors=problems)
    machine, created = Machine.objects.update_or_create(
        code=code.strip(),
        defaults={"facility": facility, "name": name.strip() or code, "kind": kind, "minutes_per_weekday": week},
    )
    audit_record(actor=user, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=machine)
    return machine


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


def downtime_record(
    *, user: User, machine: Machine, date: dt.date, minutes: int, reason: str, note: str = ""
) -> tuple[Downtime, list[Course]]:
    """Record downtime; bookings that no longer fit are released (fewest courses first: foreign, then the least
    urgent, latest-booked), and a re-plan is proposed for them. Returns the downtime and the displaced courses."""
    require_permission(user, "scheduling.manage_resources", action="record downtime")
    machine = get_visible(user, Machine.objects.all(), pk=machine.pk)
    if reason not in DowntimeReason.values:
        raise InvalidInput(
            "Unknown reason.", errors=[FieldProblem(f"one of {', '.join(DowntimeReason.values)}", "reason", reason)]
        )
    if not 0 < minutes <= MAX_MINUTES:
        raise InvalidInput("Downtime is 1 to 1440 minutes.", errors=[FieldProblem("1–1440", "minutes", str(minutes))])
    displaced: list[Course] = []
    with transaction.atomic():
        downtime = Downtime.objects.create(
            machine=machine, date=date, minutes=minutes, reason=reason, note=note, created_by=user
        )
        day = MachineDay.objects.select_for_update().filter(machine=machine, date=date).first()
        if day is not None:
            capacity = capacity_on(machine, date)
            excess = day.booked_minutes - capacity
            if excess > 0:
                bookings = list(
                    Booking.objects.filter(day=day)
                    .select_related("course")
                    .order_by("-course__origin", "-course__urgency", "-course__start_date", "-course__code")
                )
                for booking in bookings:
                    if excess <= 0:
                        break
                    course = booking.course
                    excess -= booking.minutes
                    release_bookings(course, date)
                    displaced.append(course)
                day.refresh_from_db()
            MachineDay.objects.filter(pk=day.pk).update(capacity_minutes=capacity)
        audit_record(actor=user, action=AuditAction.CREATE, obj=downtime, message=f"displaced {len(displaced)}")
    if displaced:
        start_plan(user=user, facility=machine.facility, kind=PlanKind.BREAKDOWN)
    return downtime, displaced


# ---------------------------------------------------------------- courses


def _next_code(prefix: str) -> str:
    count = Course.objects.filter(code__startswith=prefix).count() + 1
    while Course.objects.filter(code=f"{prefix}{count:05d}").exists():
        count += 1
    return f"{prefix}{count:05d}"


def course_create(
    *,
    user: User,
    facility: Facility,
    protocol: Protocol,
    ready_date: dt.date,
    urgency: int,
    code: str = "",
) -> Course:
    """A domestic course entered by its department (pseudonymous id: never a name)."""
    require_permission(user, "scheduling.add_course", action="add courses")
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    problems = _course_problems(code, urgency, facility, protocol)
    if problems:
        raise InvalidInput("The course is not valid.", errors=problems)
    course = Course.objects.create(
        code=code.strip() or _next_code("D-"),
        facility=facility,
        protocol=protocol,
        ready_date=ready_date,
        urgency=urgency,
        created_by=user,
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=course)
    return course


def _course_problems(code: str, urgency: Any, facility: Facility, protocol: Protocol | None) -> list[FieldProblem]:
    problems = []
    if code.strip() and Course.objects.filter(code=code.strip()).exists():
        problems.append(FieldProblem("already used", "code", code))
    if urgency not in (1, 2, 3):
        problems.append(FieldProblem("1 urgent, 2 soon or 3 routine", "urgency", str(urgency)))
    if (
        protocol is not None
        and not Machine.objects.filter(facility=facility, kind__in=protocol.machine_kinds, active=True).exists()
    ):
        problems.append(FieldProblem(f"{facility.code} has no machine for this protocol", "protocol", protocol.code))
    return problems


CSV_COLUMNS = ("code", "facility", "protocol", "ready_date", "urgency")


def courses_import_csv(*, user: User, data: bytes) -> list[Course]:
    """Domestic courses from CSV (code, facility, protocol, ready_date, urgency): all rows or none, every problem
    listed with its line."""
    require_permission(user, "scheduling.add_course", action="import courses")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text.", errors=[FieldProblem("not UTF-8", "file")]) from exc
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput("The file is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        records = list(reader)
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InvalidInput(
            "The file cannot be read as CSV.", errors=[FieldProblem(f"line {reader.line_num}: {exc}", "file")]
        ) from exc
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            f"Missing columns: {', '.join(missing)}.", errors=[FieldProblem("missing", c) for c in missing]
        )
    facilities = {f.code: f for f in visible(user, Facility.objects.all())}
    protocols = {p.code: p for p in Protocol.objects.all()}
    problems: list[FieldProblem] = []
    rows: list[tuple[str, Facility, Protocol, dt.date, int]] = []
    codes: set[str] = set()
    longest = Course._meta.get_field("code").max_length
    for line, row in enumerate(records, start=2):
        where = f"line {line}"
        code = (row.get("code") or "").strip()
        facility = facilities.get((row.get("facility") or "").strip())
        protocol = protocols.get((row.get("protocol") or "").strip())
        if facility is None:
            problems.append(FieldProblem(f"{where}: unknown facility", "facility", row.get("facility")))
        if protocol is None:
            problems.append(FieldProblem(f"{where}: unknown protocol", "protocol", row.get("protocol")))
        try:
            ready = dt.date.fromisoformat((row.get("ready_date") or "").strip())
        except ValueError:
            problems.append(FieldProblem(f"{where}: a date YYYY-MM-DD", "ready_date", row.get("ready_date")))
            ready = None
        urgency_text = (row.get("urgency") or "").strip()
        try:
            urgency: int | None = int(urgency_text)
        except ValueError:  # also "²", a digit to isdigit() but not to int()
            urgency = None
        if longest is not None and len(code) > longest:
            problems.append(FieldProblem(f"{where}: at most {longest} characters", "code", code))
        if code and code in codes:
            problems.append(FieldProblem(f"{where}: duplicate in the file", "code", code))
        codes.add(code)
        if facility is not None:
            problems += [
                FieldProblem(f"{where}: {p.message}", p.field, p.value)
                for p in _course_problems(code, urgency, facility, protocol)
            ]
        if facility is not None and protocol is not None and ready is not None and urgency is not None:
            rows.append((code, facility, protocol, ready, urgency))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s); nothing was imported.", errors=problems)
    if not rows:
        raise InvalidInput("The file has no courses.", errors=[FieldProblem("no rows", "file")])
    with transaction.atomic():
        created = [
            Course.objects.create(
                code=code or _next_code("D-"),
                facility=facility,
                protocol=protocol,
                ready_date=ready,
                urgency=urgency,
                created_by=user,
            )
            for code, facility, protocol, ready, urgency in rows
        ]
        audit_record(actor=user, action=AuditAction.CREATE, obj=created[0], message=f"imported {len(created)} courses")
    return created


def foreign_course_create(*, user: User, referral: Any, facility: Facility) -> Course:
    """Send a prepaid referral to planning at `facility` (protocol from the referral's service); the referral and
    the facility are looked up in the actor's scope and the referral row is locked, so two clicks plan it once."""

    require_permission(user, "scheduling.add_foreign_course", action="send referrals to planning")
    with transaction.atomic():
        # the actor's own scope decides: a referral or a facility it may not see is not there (404)
        referral = get_visible(user, Referral.objects.select_for_update().select_related("service"), pk=referral.pk)
        facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
        return _foreign_course_create(user=user, referral=referral, facility=facility)


def _foreign_course_create(*, user: User, referral: Any, facility: Facility) -> Course:

    if referral.state != ReferralState.PREPAID:
        raise DomainError(f"Only prepaid referrals are planned; this one is {referral.state}.")
    if Course.objects.filter(referral=referral).exists():
        raise DomainError("This referral is already in planning.")
    protocol = Protocol.objects.filter(code=referral.service.protocol).first()
    if protocol is None:
        raise DomainError(f"The service {referral.service.code} has no protocol in the catalogue.")
    problems = _course_problems("", 3, facility, protocol)
    if problems:
        raise InvalidInput("The course cannot be planned there.", errors=problems)
    quote = referral.quotes.filter(status=QuoteStatus.ACCEPTED).order_by("-id").first()
    value = (quote.total * quote.rate).quantize(Decimal("0.01")) if quote else referral.service.base_price
    course = Course.objects.create(
        code=f"F-{referral.pk:05d}",
        facility=facility,
        origin=Origin.FOREIGN,
        protocol=protocol,
        ready_date=max(timezone.localdate(), referral.created_at.date()),
        referral=referral,
        latest_start=referral.latest_start,
        value=value,
        created_by=user,
    )
    audit_record(actor=user, action=AuditAction.CREATE, obj=course)
    return course


def course_cancel(*, user: User, course: Course) -> Course:
    """Cancel a course that is not over: its bookings from today are released (the department)."""
    require_permission(user, "scheduling.add_course", action="cancel courses")

    def release(row: Course) -> None:
        release_bookings(row, timezone.localdate())

    return COURSES.move(course, name="cancel", actor=user, guard=release)


# ---------------------------------------------------------------- plans


@dataclass(frozen=True)
class OfferExcess:
    """A month in which a plan starts more foreign courses on a kind of machine than the published offer sells."""

    month: dt.date  # its first day
    kind: str
    starts: int  # foreign courses starting that month with the plan (booked already and new)
    offer: int
    booked: int

    @property
    def kind_label(self) -> str:
        return str(MachineKind(self.kind).label) if self.kind in MachineKind.values else self.kind

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} {self.kind}: {self.starts} foreign starts, the published offer is {self.offer} "
            f"({self.booked} booked already)"
        )


def offer_excess(plan: Plan) -> list[OfferExcess]:
    """Months in which this plan would start more foreign courses on a kind of machine at its facility than the
    published capacity offer of that month sells (whole courses: the offer's mean rounded down), one each.
    Months without a published offer are not limited here (the plan's own guarantee still holds)."""
    new = {
        row["course"]: row
        for row in plan.diff.get("rows", [])
        if row.get("origin") == Origin.FOREIGN and row["change"] in ("added", "moved")
    }
    if not new:
        return []
    machines = {m.code: m.kind for m in Machine.objects.filter(facility=plan.facility)}
    starts: Counter[tuple[str, dt.date]] = Counter()
    for row in new.values():
        start = dt.date.fromisoformat(row["start_date"])
        starts[(machines.get(row["machine"], ""), start.replace(day=1))] += 1
    lines: list[OfferExcess] = []
    for (kind, month), added in sorted(starts.items()):
        offer = CapacityOffer.objects.filter(facility=plan.facility, kind=kind, month=month).first()
        if offer is None:
            continue
        booked = (
            Course.objects.filter(
                facility=plan.facility,
                origin=Origin.FOREIGN,
                machine__kind=kind,
                start_date__year=month.year,
                start_date__month=month.month,
            )
            .exclude(status=CourseStatus.CANCELLED)
            .exclude(code__in=list(new))
            .count()
        )
        allowed = int(offer.courses)
        if booked + added > allowed:
            lines.append(OfferExcess(month, kind, booked + added, allowed, booked))
    return lines


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
            PLANS.move(other, name="supersede", actor=None)
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


# ---------------------------------------------------------------- capacity offers


MIN_OFFER_DAYS = 14  # a simulated month with fewer measured days is too short to quote


def offer_publish(*, user: User, job: Job) -> list[CapacityOffer]:
    """Publish a finished simulation's per-month offer as the capacity offer of its facility and machine kind.

    A month the simulation covers only in part (after the warm-up, or at the end) is scaled to the whole month;
    one with fewer than MIN_OFFER_DAYS simulated days is left out. Months published before are replaced."""
    require_permission(user, "scheduling.run_simulation", action="publish capacity offers")
    job = get_visible(user, simulation_jobs(user=user), pk=job.pk)
    if job.status != "succeeded" or not job.result:
        raise DomainError("Only a finished simulation can be published.")
    facility = Facility.objects.get(pk=job.params["facility"])
    kind = job.params["kind"]
    months: Iterable[dict[str, Any]] = job.result.get("offer_by_month", [])
    with transaction.atomic():
        offers = []
        for row in months:
            if row["days"] < MIN_OFFER_DAYS:
                continue
            scale = row["month_days"] / row["days"]

            def one(value: float, scale: float = scale) -> Decimal:
                return Decimal(str(round(max(0.0, value * scale), 1)))

            offer, _ = CapacityOffer.objects.update_or_create(
                facility=facility,
                kind=kind,
                month=dt.date.fromisoformat(f"{row['month']}-01"),
                defaults={
                    "courses": one(row["admitted_mean"]),
                    "ci_low": one(row["admitted_ci_low"]),
                    "ci_high": one(row["admitted_ci_high"]),
                    "job": job,
                    "published_by": user,
                    "published_at": timezone.now(),
                },
            )
            offers.append(offer)
        if not offers:
            raise DomainError("The simulation covers no month long enough to quote; simulate more weeks.")
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=job,
            message=f"capacity offer {facility.code} {kind}: {len(offers)} months",
        )
    return offers


def holidays_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))


def visible_courses(user: AnyUser) -> Any:
    return visible(user, Course.objects.select_related("protocol", "facility", "machine"))
