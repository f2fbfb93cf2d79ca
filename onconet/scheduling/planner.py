"""From the database to a solver instance and back: the planner's reads.

Conventions (see the README's scheduling section and ../shared/contracts/scheduling.md, version 2):
- Domestic courses under way are `fixed` (machine, first date, fractions delivered before today).
- Domestic courses booked but not started are free in a daily re-plan (the solver may move them); after a
  breakdown they stay fixed where they are unless displaced, so the re-plan moves the fewest patients.
- Foreign courses booked or under way are `fixed` foreign courses: a foreign patient whose travel is arranged is
  never moved, they stay in the domestic-only reference plan (they are on the machine), and their starts count
  in their partner's quota of the month they start (the solver counts them).
- A domestic course's wait target is its protocol's `target_days`, or its urgency's national target
  (SCHEDULING_WAIT_TARGETS) when that is shorter.
- The forecast is the facility's own history: its domestic courses that became ready in the last
  SCHEDULING_FORECAST_WEEKS weeks, grouped by protocol, urgency and eligible machines, as arrivals per week; new
  foreign courses take only what those arrivals will not need at SCHEDULING_PROTECTION.
- Machines sharing an accelerator (a `Beam`) carry its id; the beam's minutes bound them together.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from onconet.core.models import Facility, Holiday
from onconet.scheduling.models import Booking, Course, CourseStatus, Downtime, Machine, Origin
from onconet.scheduling.solver import Plan as SolvedPlan
from onconet.scheduling.solver.instance import FORMAT
from onconet.tourism.models import ContractService

DEFAULT_DAYS = 91


def wait_targets() -> dict[str, int]:
    """The national wait target of each urgency, in days from ready to start."""
    return {str(k): int(v) for k, v in settings.SCHEDULING_WAIT_TARGETS.items()}


def build_instance(
    facility: Facility,
    today: dt.date,
    days: int = DEFAULT_DAYS,
    keep_booked: bool = False,
    reserve: float = 0.10,
    forecast_weeks: int | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The instance of `facility` from `today`, and notes on courses that could not be included."""
    end = today + dt.timedelta(days=days - 1)
    targets = wait_targets()
    machines = list(Machine.objects.filter(facility=facility, active=True).select_related("beam").order_by("code"))
    codes = {m.pk: m.code for m in machines}
    downtime: dict[str, Counter[dt.date]] = defaultdict(Counter)
    for d in Downtime.objects.filter(machine__in=machines, date__gte=today, date__lte=end):
        downtime[codes[d.machine_id]][d.date] += d.minutes
    courses_qs = (
        Course.objects.filter(
            facility=facility, status__in=[CourseStatus.WAITING, CourseStatus.BOOKED, CourseStatus.UNDER_WAY]
        )
        .select_related("protocol", "referral__contract", "referral__service")
        .prefetch_related(Prefetch("bookings", queryset=Booking.objects.select_related("day").order_by("fraction")))
    )
    notes: list[str] = []
    courses: list[dict[str, Any]] = []
    partners: dict[str, dict[str, Any]] = {}
    for course in courses_qs.order_by("ready_date", "code"):
        p = course.protocol
        eligible = [m.code for m in machines if m.kind in p.machine_kinds]
        bookings = list(course.bookings.all())
        past = [b for b in bookings if b.day.date < today]
        future = [b for b in bookings if b.day.date >= today]
        start = bookings[0].day.date if bookings else None
        machine_code = codes.get(bookings[0].day.machine_id) if bookings else None
        if not eligible and not (course.origin == Origin.FOREIGN and machine_code):
            notes.append(f"{course.code}: no machine of {', '.join(p.machine_kinds)} at {facility.code}")
            continue
        base: dict[str, Any] = {
            "id": course.code,
            "origin": course.origin,
            "ready_date": course.ready_date.isoformat(),
            "fractions": p.fractions,
            "first_minutes": p.first_minutes,
            "minutes": p.minutes,
            "machines": eligible or [machine_code],
        }
        if course.origin == Origin.DOMESTIC:
            base["urgency"] = course.urgency
            base["target_days"] = min(p.target_days, targets[str(course.urgency)])
            if past and start and machine_code:
                base["fixed"] = {"machine": machine_code, "start_date": start.isoformat(), "delivered": len(past)}
            elif keep_booked and future and start and machine_code and len(future) == p.fractions:
                base["fixed"] = {"machine": machine_code, "start_date": start.isoformat(), "delivered": 0}
            else:
                base["fixed"] = None
            courses.append(base)
            continue
        referral = course.referral
        latest = course.latest_start or (referral.latest_start if referral else None)
        committed = bool(bookings and start and machine_code and len(past) < p.fractions)
        if referral is None or (latest is None and not committed):
            notes.append(f"{course.code}: a foreign course needs the patient's latest start")
            continue
        key = _partner_key(course)
        partners.setdefault(key, {"id": key, "max_courses_per_month": _monthly_quota(course)})
        foreign = {**base, "partner": key, "value": float(course.value)}
        if committed and start and machine_code:
            if machine_code not in foreign["machines"]:
                foreign["machines"] = [*foreign["machines"], machine_code]
            foreign["latest_start"] = max(start, latest or start).isoformat()
            foreign["fixed"] = {"machine": machine_code, "start_date": start.isoformat(), "delivered": len(past)}
        else:
            foreign["latest_start"] = latest.isoformat() if latest else end.isoformat()
        courses.append(foreign)
    instance: dict[str, Any] = {
        "format": FORMAT,
        "start_date": today.isoformat(),
        "days": days,
        "holidays": [
            h.isoformat() for h in Holiday.objects.filter(date__gte=today, date__lte=end).values_list("date", flat=True)
        ],
        "domestic_reserve": reserve,
        "wait_targets": targets,
        **_machines_and_beams(machines, downtime),
        "partners": sorted(partners.values(), key=lambda p: p["id"]),
        "courses": courses,
    }
    weeks = int(settings.SCHEDULING_FORECAST_WEEKS) if forecast_weeks is None else forecast_weeks
    if any(c["origin"] == "foreign" and not c.get("fixed") for c in courses):
        estimated = forecast_from_history(facility, machines, today, weeks)
        if estimated is not None:
            instance["forecast"] = estimated
    return instance, notes


def forecast_from_history(
    facility: Facility, machines: list[Machine], today: dt.date, weeks: int
) -> dict[str, Any] | None:
    """The domestic arrivals to expect, from the facility's own last `weeks` weeks: courses by the day they became
    ready (cancelled ones too — they asked for the machine), grouped into classes of identical courses, per week.
    None without history (or with `weeks` 0): then foreign courses take what the known courses leave."""
    if weeks <= 0 or float(settings.SCHEDULING_PROTECTION) <= 0:
        return None
    since = today - dt.timedelta(days=7 * weeks)
    counts: Counter[tuple[tuple[str, ...], int, int, int, int]] = Counter()
    history = Course.objects.filter(
        facility=facility, origin=Origin.DOMESTIC, ready_date__gte=since, ready_date__lt=today
    ).select_related("protocol")
    for course in history:
        p = course.protocol
        eligible = tuple(m.code for m in machines if m.kind in p.machine_kinds)
        if eligible:
            counts[(eligible, course.urgency, p.fractions, p.first_minutes, p.minutes)] += 1
    if not counts:
        return None
    return {
        "lead_days": int(settings.SCHEDULING_FORECAST_LEAD_DAYS),
        "protection": float(settings.SCHEDULING_PROTECTION),
        "classes": [
            {
                "machines": list(eligible),
                "urgency": urgency,
                "fractions": fractions,
                "first_minutes": first,
                "minutes": minutes,
                "per_week": round(n / weeks, 4),
            }
            for (eligible, urgency, fractions, first, minutes), n in sorted(counts.items())
        ],
    }


def _partner_key(course: Course) -> str:
    referral = course.referral
    if referral is None:
        return "none"
    contract = referral.contract.number if referral.contract else f"partner-{referral.partner_id}"
    return f"{contract}/{referral.service.code}"


def _monthly_quota(course: Course) -> int:

    referral = course.referral
    if referral is None or referral.contract is None:
        return 1
    line = ContractService.objects.filter(contract=referral.contract, service=referral.service).first()
    return line.monthly_quota if line and line.monthly_quota is not None else 999


def diff(plan: SolvedPlan, facility: Facility, today: dt.date) -> dict[str, Any]:
    """The proposed plan against the current bookings: unchanged, moved, added, shifted, unbooked, rejected."""
    courses = {
        c.code: c
        for c in Course.objects.filter(facility=facility).prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.select_related("day__machine").order_by("fraction"))
        )
    }
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for a in plan.assignments:
        code = a.course
        course = courses.get(code)
        if course is None:
            continue
        bookings = list(course.bookings.all())
        current_machine = bookings[0].day.machine.code if bookings else None
        current_start = bookings[0].day.date if bookings else None
        current_dates = [b.day.date for b in bookings if b.day.date >= today]
        future_dates = [d for d in a.dates if d >= today]
        if not bookings:
            change = "added"
        elif current_machine != a.machine or current_start != a.start_date:
            change = "moved"
        elif current_dates != future_dates:
            change = "shifted"
        else:
            change = "unchanged"
        counts[change] += 1
        if change != "unchanged":
            rows.append(
                {
                    "course": code,
                    "origin": course.origin,
                    "urgency": course.urgency,
                    "change": change,
                    "machine": a.machine,
                    "start_date": a.start_date.isoformat(),
                    "dates": [d.isoformat() for d in a.dates],
                    "was_machine": current_machine,
                    "was_start": current_start.isoformat() if current_start else None,
                }
            )
    for r in plan.rejected:
        course = courses.get(r.course)
        if course is None:
            continue
        change = "unbooked" if course.bookings.exists() else "rejected"
        counts[change] += 1
        rows.append(
            {
                "course": r.course,
                "origin": course.origin,
                "urgency": course.urgency,
                "change": change,
                "reason": r.reason,
                "was_machine": course.machine.code if course.machine else None,
                "was_start": course.start_date.isoformat() if course.start_date else None,
            }
        )
    order = {"moved": 0, "shifted": 1, "added": 2, "unbooked": 3, "rejected": 4}
    rows.sort(key=lambda r: (order[r["change"]], r["course"]))
    return {
        "counts": dict(counts),
        "rows": rows,
        "moved_patients": counts["moved"] + counts["shifted"] + counts["unbooked"],
    }


def replay_document(facility: Facility, since: dt.date, until: dt.date) -> dict[str, Any]:
    """The facility's own history from `since` as a contract instance to replay (`schedule-replay`): its machines,
    beams, downtime and holidays, the domestic courses that became ready from `since` to `until` and the foreign
    courses that asked for the machines then, each free (the replay decides when it starts), and the courses already
    under way on `since` fixed where they were. Cancelled courses are left out."""
    days = (until - since).days
    end = until + dt.timedelta(days=70)  # the replay plans as far as the horizon plus 70 days
    targets = wait_targets()
    machines = list(Machine.objects.filter(facility=facility, active=True).select_related("beam").order_by("code"))
    codes = {m.pk: m.code for m in machines}
    downtime: dict[str, Counter[dt.date]] = defaultdict(Counter)
    for d in Downtime.objects.filter(machine__in=machines, date__gte=since, date__lte=end):
        downtime[codes[d.machine_id]][d.date] += d.minutes
    courses: list[dict[str, Any]] = []
    partners: dict[str, dict[str, Any]] = {}
    qs = (
        Course.objects.filter(facility=facility, ready_date__lt=until)
        .exclude(status=CourseStatus.CANCELLED)
        .select_related("protocol", "referral__contract", "referral__service")
        .prefetch_related(Prefetch("bookings", queryset=Booking.objects.select_related("day").order_by("fraction")))
    )
    for course in qs.order_by("ready_date", "code"):
        p = course.protocol
        eligible = [m.code for m in machines if m.kind in p.machine_kinds]
        bookings = list(course.bookings.all())
        before = [b for b in bookings if b.day.date < since]
        under_way = bool(before) and len(before) < p.fractions and codes.get(bookings[0].day.machine_id)
        if course.ready_date < since and not under_way:
            continue  # done before the period, or never started: not part of it
        if not eligible:
            continue
        base: dict[str, Any] = {
            "id": course.code,
            "origin": course.origin,
            "ready_date": max(course.ready_date, since).isoformat() if under_way else course.ready_date.isoformat(),
            "fractions": p.fractions,
            "first_minutes": p.first_minutes,
            "minutes": p.minutes,
            "machines": eligible,
        }
        if under_way:
            base["fixed"] = {
                "machine": codes[bookings[0].day.machine_id],
                "start_date": bookings[0].day.date.isoformat(),
                "delivered": len(before),
            }
        if course.origin == Origin.DOMESTIC:
            courses.append(
                {**base, "urgency": course.urgency, "target_days": min(p.target_days, targets[str(course.urgency)])}
            )
            continue
        latest = course.latest_start or (course.referral.latest_start if course.referral else None)
        key = _partner_key(course)
        partners.setdefault(key, {"id": key, "max_courses_per_month": _monthly_quota(course)})
        latest_start = latest or (course.ready_date + dt.timedelta(days=90))
        if under_way:
            latest_start = max(latest_start, bookings[0].day.date)
        courses.append({**base, "partner": key, "value": float(course.value), "latest_start": latest_start.isoformat()})
    return {
        "format": FORMAT,
        "start_date": since.isoformat(),
        "days": days,
        "holidays": [
            h.isoformat() for h in Holiday.objects.filter(date__gte=since, date__lte=end).values_list("date", flat=True)
        ],
        "domestic_reserve": 0.10,
        "wait_targets": targets,
        **_machines_and_beams(machines, downtime),
        "partners": sorted(partners.values(), key=lambda p: p["id"]),
        "courses": courses,
    }


def _machines_and_beams(machines: list[Machine], downtime: dict[str, Counter[dt.date]]) -> dict[str, Any]:
    """The instance's `machines` (with their downtime and beam) and `beams`."""
    beams = {m.beam.code: m.beam for m in machines if m.beam is not None}
    return {
        "machines": [
            {
                "id": m.code,
                "kind": m.kind,
                **({"beam": m.beam.code} if m.beam is not None else {}),
                "minutes_per_weekday": list(m.minutes_per_weekday),
                "downtime": [
                    {"date": date.isoformat(), "minutes": min(minutes, 1440)}
                    for date, minutes in sorted(downtime[m.code].items())
                ],
            }
            for m in machines
        ],
        "beams": [
            {"id": code, "minutes_per_weekday": list(beam.minutes_per_weekday), "downtime": []}
            for code, beam in sorted(beams.items())
        ],
    }
