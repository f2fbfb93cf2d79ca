"""From the database to a solver instance and back: the planner's reads.

Conventions (see the README's scheduling section):
- Domestic courses under way are `fixed` (machine, first date, fractions delivered before today).
- Domestic courses booked but not started are free in a daily re-plan (the solver may move them); after a
  breakdown they stay fixed where they are unless displaced, so the re-plan moves the fewest patients.
- Foreign courses booked or under way are kept where they are: their future minutes enter the instance as
  downtime. The contract compares every plan with the plan of the instance without foreign courses, so a
  foreign patient whose travel is arranged is never moved by the solver and never counted as domestic demand.
- A partner's quota is the contract's monthly quota less the most starts already booked in any month of the
  horizon (the contract's format has one quota a month per partner).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Prefetch

from onconet.core.models import Facility
from onconet.scheduling.models import Booking, Course, CourseStatus, Downtime, Holiday, Machine, Origin
from onconet.scheduling.solver.instance import FORMAT

DEFAULT_DAYS = 91


def build_instance(
    facility: Facility, today: dt.date, days: int = DEFAULT_DAYS, keep_booked: bool = False, reserve: float = 0.10
) -> tuple[dict[str, Any], list[str]]:
    """The instance of `facility` from `today`, and notes on courses that could not be included."""
    end = today + dt.timedelta(days=days - 1)
    machines = list(Machine.objects.filter(facility=facility, active=True).order_by("code"))
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
    foreign_starts: Counter[tuple[str, tuple[int, int]]] = Counter()
    for course in courses_qs.order_by("ready_date", "code"):
        p = course.protocol
        eligible = [m.code for m in machines if m.kind in p.machine_kinds]
        bookings = list(course.bookings.all())
        past = [b for b in bookings if b.day.date < today]
        future = [b for b in bookings if b.day.date >= today]
        if course.origin == Origin.FOREIGN and bookings:
            for b in future:
                if b.day.machine_id in codes:
                    downtime[codes[b.day.machine_id]][b.day.date] += b.minutes
            if course.referral and course.start_date:
                foreign_starts[(_partner_key(course), (course.start_date.year, course.start_date.month))] += 1
            continue
        if not eligible:
            notes.append(f"{course.code}: no machine of {', '.join(p.machine_kinds)} at {facility.code}")
            continue
        base: dict[str, Any] = {
            "id": course.code,
            "origin": course.origin,
            "ready_date": course.ready_date.isoformat(),
            "fractions": p.fractions,
            "first_minutes": p.first_minutes,
            "minutes": p.minutes,
            "machines": eligible,
        }
        if course.origin == Origin.DOMESTIC:
            base["urgency"] = course.urgency
            start = bookings[0].day.date if bookings else None
            machine_code = codes.get(bookings[0].day.machine_id) if bookings else None
            if past and start and machine_code:
                base["fixed"] = {"machine": machine_code, "start_date": start.isoformat(), "delivered": len(past)}
            elif keep_booked and future and start and machine_code and len(future) == p.fractions:
                base["fixed"] = {"machine": machine_code, "start_date": start.isoformat(), "delivered": 0}
            else:
                base["fixed"] = None
            courses.append(base)
        else:
            referral = course.referral
            if referral is None or (referral.latest_start is None and course.latest_start is None):
                notes.append(f"{course.code}: a foreign course needs the patient's latest start")
                continue
            key = _partner_key(course)
            quota = _monthly_quota(course)
            partners.setdefault(key, {"id": key, "max_courses_per_month": quota})
            latest = course.latest_start or referral.latest_start
            courses.append(
                {
                    **base,
                    "partner": key,
                    "value": float(course.value),
                    "latest_start": latest.isoformat() if latest else end.isoformat(),
                }
            )
    for key, partner in partners.items():
        used = max((n for (k, _), n in foreign_starts.items() if k == key), default=0)
        partner["max_courses_per_month"] = max(0, partner["max_courses_per_month"] - used)
    instance = {
        "format": FORMAT,
        "start_date": today.isoformat(),
        "days": days,
        "holidays": [
            h.isoformat() for h in Holiday.objects.filter(date__gte=today, date__lte=end).values_list("date", flat=True)
        ],
        "domestic_reserve": reserve,
        "machines": [
            {
                "id": m.code,
                "kind": m.kind,
                "minutes_per_weekday": list(m.minutes_per_weekday),
                "downtime": [
                    {"date": date.isoformat(), "minutes": min(minutes, 1440)}
                    for date, minutes in sorted(downtime[m.code].items())
                ],
            }
            for m in machines
        ],
        "partners": sorted(partners.values(), key=lambda p: p["id"]),
        "courses": courses,
    }
    return instance, notes


def _partner_key(course: Course) -> str:
    referral = course.referral
    if referral is None:
        return "none"
    contract = referral.contract.number if referral.contract else f"partner-{referral.partner_id}"
    return f"{contract}/{referral.service.code}"


def _monthly_quota(course: Course) -> int:
    from onconet.tourism.models import ContractService

    referral = course.referral
    if referral is None or referral.contract is None:
        return 1
    line = ContractService.objects.filter(contract=referral.contract, service=referral.service).first()
    return line.monthly_quota if line and line.monthly_quota is not None else 999


def diff(plan: dict[str, Any], facility: Facility, today: dt.date) -> dict[str, Any]:
    """The proposed plan against the current bookings: unchanged, moved, added, shifted, unbooked, rejected."""
    courses = {
        c.code: c
        for c in Course.objects.filter(facility=facility).prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.select_related("day__machine").order_by("fraction"))
        )
    }
    rows = []
    counts: Counter[str] = Counter()
    assigned = {a["course"]: a for a in plan["assignments"]}
    for code, a in assigned.items():
        course = courses.get(code)
        if course is None:
            continue
        bookings = list(course.bookings.all())
        current_machine = bookings[0].day.machine.code if bookings else None
        current_start = bookings[0].day.date.isoformat() if bookings else None
        current_dates = [b.day.date.isoformat() for b in bookings if b.day.date >= today]
        future_dates = [d for d in a["dates"] if d >= today.isoformat()]
        if not bookings:
            change = "added"
        elif current_machine != a["machine"] or current_start != a["start_date"]:
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
                    "machine": a["machine"],
                    "start_date": a["start_date"],
                    "dates": a["dates"],
                    "was_machine": current_machine,
                    "was_start": current_start,
                }
            )
    for r in plan["rejected"]:
        course = courses.get(r["course"])
        if course is None:
            continue
        change = "unbooked" if course.bookings.exists() else "rejected"
        counts[change] += 1
        rows.append(
            {
                "course": r["course"],
                "origin": course.origin,
                "urgency": course.urgency,
                "change": change,
                "reason": r["reason"],
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
