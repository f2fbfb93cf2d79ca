"""Machine calendars and the minutes used on them, as numpy arrays indexed by open day.

A course occupies consecutive *open* days of one machine, so every placement is described by the machine
and the position `k` of its first fraction in that machine's list of open days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .instance import Course, Instance

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Placement:
    course: int  # index into Instance.courses
    machine: int  # index into Instance.machines
    pos: int  # open-day position of the first fraction on that machine
    start_day: int  # horizon day of the first fraction (negative for a fixed course started earlier)
    days: tuple[int, ...]  # horizon days of the fractions inside the horizon
    loads: tuple[int, ...]  # minutes of those fractions


class Calendar:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.machine_index = {m.id: i for i, m in enumerate(instance.machines)}
        self.capacity: list[IntArray] = []
        self.open_days: list[IntArray] = []
        self.position: list[IntArray] = []  # day -> open-day position, -1 when closed
        for m in instance.machines:
            cap = np.array([instance.capacity(m, d) for d in range(instance.days)], dtype=np.int64)
            opened = np.flatnonzero(cap > 0).astype(np.int64)
            pos = np.full(instance.days, -1, dtype=np.int64)
            pos[opened] = np.arange(len(opened), dtype=np.int64)
            self.capacity.append(cap)
            self.open_days.append(opened)
            self.position.append(pos)
        # Capacity per open-day position (the solver works on positions).
        self.open_capacity = [cap[od] for cap, od in zip(self.capacity, self.open_days, strict=True)]
        # The foreign allowance before any domestic minute: floor((1 - reserve) * capacity).
        share = 1 - instance.domestic_reserve
        self.open_foreign_cap = [
            np.array([(share * int(c)).__floor__() for c in oc], dtype=np.int64) for oc in self.open_capacity
        ]

    def eligible(self, course: Course) -> list[int]:
        return [self.machine_index[m] for m in course.machines]

    def placement(self, ci: int, mi: int, pos: int) -> Placement:
        course = self.instance.courses[ci]
        od = self.open_days[mi]
        days = tuple(int(d) for d in od[pos : pos + course.fractions])
        return Placement(ci, mi, pos, days[0], days, tuple(course.load(i) for i in range(len(days))))

    def fixed_placement(self, ci: int) -> Placement:
        course = self.instance.courses[ci]
        assert course.fixed is not None
        mi = self.machine_index[course.fixed.machine]
        start_day = self.instance.day(course.fixed.start_date)
        od = self.open_days[mi]
        first = int(np.searchsorted(od, max(start_day, 0)))
        remaining = course.fractions - course.fixed.delivered
        days = tuple(int(d) for d in od[first : first + remaining])
        loads = tuple(course.load(course.fixed.delivered + i) for i in range(len(days)))
        return Placement(ci, mi, first, start_day, days, loads)

    def feasible_starts(self, course: Course, mi: int, limit: IntArray, lo_day: int, hi_day: int) -> IntArray:
        """Open-day positions where the whole course fits under `limit` (minutes left per position),
        starting on a day in [lo_day, hi_day]."""
        n = course.fractions
        od = self.open_days[mi]
        count = len(od)
        if count < n:
            return np.empty(0, dtype=np.int64)
        bad = (limit < course.minutes).astype(np.int64)
        cs = np.concatenate(([0], np.cumsum(bad)))
        k = np.arange(count - n + 1, dtype=np.int64)
        ok = (limit[k] >= course.first_minutes) & (cs[k + n] - cs[k + 1] == 0)
        ok &= (od[k] >= lo_day) & (od[k] <= hi_day)
        return k[ok]


class Usage:
    """Minutes booked per machine and open-day position, split by origin."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.domestic = [np.zeros(len(od), dtype=np.int64) for od in calendar.open_days]
        self.foreign = [np.zeros(len(od), dtype=np.int64) for od in calendar.open_days]

    def copy(self) -> Usage:
        other = Usage.__new__(Usage)
        other.calendar = self.calendar
        other.domestic = [a.copy() for a in self.domestic]
        other.foreign = [a.copy() for a in self.foreign]
        return other

    def _arrays(self, p: Placement) -> IntArray:
        course = self.calendar.instance.courses[p.course]
        return (self.domestic if course.domestic else self.foreign)[p.machine]

    def add(self, p: Placement, sign: int = 1) -> None:
        target = self._arrays(p)
        positions = self.calendar.position[p.machine][list(p.days)]
        target[positions] += sign * np.array(p.loads, dtype=np.int64)

    def add_all(self, placements: Iterable[Placement], sign: int = 1) -> None:
        for p in placements:
            self.add(p, sign)

    def domestic_limit(self, mi: int) -> IntArray:
        """Minutes a domestic course may still use per position (foreign minutes are not there in phase 1)."""
        return self.calendar.open_capacity[mi] - self.domestic[mi] - self.foreign[mi]

    def foreign_limit(self, mi: int) -> IntArray:
        """Minutes a foreign course may still use: free capacity and the domestic reserve."""
        cal = self.calendar
        free = cal.open_capacity[mi] - self.domestic[mi] - self.foreign[mi]
        allowance = np.maximum(0, cal.open_foreign_cap[mi] - self.domestic[mi]) - self.foreign[mi]
        return np.minimum(free, allowance)
