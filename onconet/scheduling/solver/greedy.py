"""Greedy list scheduling: each course in turn at the earliest start where all its fractions fit.

`--solver greedy` books first come, first served (by ready date, then the order of the instance) — the way a
department without software books. The same routine with other orders gives CP-SAT its warm start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .calendar import Calendar, Placement, Usage
from .instance import Course, Instance


def month_of(calendar: Calendar, day: int) -> tuple[int, int]:
    date = calendar.instance.date(day)
    return date.year, date.month


def earliest_day(calendar: Calendar, course: Course) -> int:
    return max(0, calendar.instance.day(course.ready_date))


def latest_day(calendar: Calendar, course: Course) -> int:
    if course.latest_start is None:
        return calendar.instance.days - 1
    return min(calendar.instance.days - 1, calendar.instance.day(course.latest_start))


def place_domestic(calendar: Calendar, usage: Usage, order: Sequence[int]) -> dict[int, Placement]:
    placed: dict[int, Placement] = {}
    courses = calendar.instance.courses
    for ci in order:
        course = courses[ci]
        best: Placement | None = None
        for mi in calendar.eligible(course):
            starts = calendar.feasible_starts(
                course, mi, usage.domestic_limit(mi), earliest_day(calendar, course), latest_day(calendar, course)
            )
            if len(starts) and (best is None or calendar.open_days[mi][starts[0]] < best.start_day):
                best = calendar.placement(ci, mi, int(starts[0]))
        if best is not None:
            usage.add(best)
            placed[ci] = best
    return placed


def place_foreign(
    calendar: Calendar, usage: Usage, order: Sequence[int], quota_used: Counter[tuple[str, tuple[int, int]]]
) -> dict[int, Placement]:
    """Admit foreign courses in `order` into what domestic courses left, within quotas and the reserve."""
    placed: dict[int, Placement] = {}
    courses = calendar.instance.courses
    quotas = {p.id: p.max_courses_per_month for p in calendar.instance.partners}
    for ci in order:
        course = courses[ci]
        best: Placement | None = None
        for mi in calendar.eligible(course):
            starts = calendar.feasible_starts(
                course, mi, usage.foreign_limit(mi), earliest_day(calendar, course), latest_day(calendar, course)
            )
            for k in starts:
                day = int(calendar.open_days[mi][k])
                if best is not None and day >= best.start_day:
                    break
                if quota_used[(str(course.partner), month_of(calendar, day))] < quotas[str(course.partner)]:
                    best = calendar.placement(ci, mi, int(k))
                    break
        if best is not None:
            usage.add(best)
            quota_used[(str(course.partner), month_of(calendar, best.start_day))] += 1
            placed[ci] = best
    return placed


def fcfs_order(courses: Sequence[Course], indices: Sequence[int]) -> list[int]:
    return sorted(indices, key=lambda i: (courses[i].ready_date, i))


def priority_orders(courses: Sequence[Course], indices: Sequence[int], instance: Instance) -> list[list[int]]:
    """Orders tried for CP-SAT's warm start: by the day each course's wait target runs out (earliest due date first,
    which keeps the most courses within their targets), and urgent courses considered as if they had come earlier."""

    def due(i: int) -> tuple[int, int, int]:
        c = courses[i]
        return (instance.day(c.ready_date) + c.target, c.urgency, i)

    def slack(i: int) -> tuple[int, int, int, int]:
        # Among courses already past their target, the urgent ones (weight 10) first: each day costs them more.
        c = courses[i]
        return (max(0, instance.day(c.ready_date) + c.target) // 7, -c.weight, instance.day(c.ready_date), i)

    orders = [sorted(indices, key=due), sorted(indices, key=slack), fcfs_order(courses, indices)]
    for head_start in ((0, 0, 0), (21, 7, 0), (60, 14, 0)):

        def key(i: int, h: tuple[int, int, int] = head_start) -> tuple[int, int, int]:
            c = courses[i]
            return (c.ready_date.toordinal() - h[c.urgency - 1], c.urgency, i)

        orders.append(sorted(indices, key=key))
    orders.append(sorted(indices, key=lambda i: (courses[i].urgency, courses[i].ready_date, i)))
    return orders


def value_orders(courses: Sequence[Course], indices: Sequence[int]) -> list[list[int]]:
    def by_density(i: int) -> tuple[float, int]:
        c = courses[i]
        minutes = c.first_minutes + c.minutes * (c.fractions - 1)
        return (-c.value / max(1, minutes), i)

    return [
        fcfs_order(courses, indices),
        sorted(indices, key=lambda i: (-courses[i].value, courses[i].ready_date, i)),
        sorted(indices, key=by_density),
        sorted(indices, key=lambda i: (courses[i].latest_start or courses[i].ready_date, i)),
    ]
