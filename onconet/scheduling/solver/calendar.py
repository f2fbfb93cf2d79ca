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
        self._empty: list[IntArray] | None = None
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
        # Beams (v2): machines sharing one accelerator; capacity per horizon day, and each machine's beam (-1: none).
        self.beam_index = {b.id: i for i, b in enumerate(instance.beams)}
        self.beam_capacity = [
            np.array([instance.capacity(b, d) for d in range(instance.days)], dtype=np.int64) for b in instance.beams
        ]
        self.machine_beam = [self.beam_index[m.beam] if m.beam is not None else -1 for m in instance.machines]
        self.beam_machines = [
            [mi for mi, bi in enumerate(self.machine_beam) if bi == b] for b in range(len(instance.beams))
        ]
        # Capacity per open-day position (the solver works on positions).
        self.open_capacity = [cap[od] for cap, od in zip(self.capacity, self.open_days, strict=True)]
        # The foreign allowance before any domestic minute: floor((1 - reserve) * capacity).
        share = 1 - instance.domestic_reserve
        self.open_foreign_cap = [
            np.array([(share * int(c)).__floor__() for c in oc], dtype=np.int64) for oc in self.open_capacity
        ]

    def empty_limits(self) -> list[IntArray]:
        """Minutes free per open position of each machine on an empty calendar (its beam's capacity counted)."""
        if self._empty is None:
            empty = Usage(self)
            self._empty = [empty.domestic_limit(mi) for mi in range(len(self.instance.machines))]
        return self._empty

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
        # Only the positions whose first day lies in [lo_day, hi_day] and whose fractions fit in the horizon.
        k0 = int(np.searchsorted(od, lo_day))
        k1 = min(int(np.searchsorted(od, hi_day, side="right")), count - n + 1)
        if k1 <= k0:
            return np.empty(0, dtype=np.int64)
        part = limit[k0 : k1 + n - 1]
        bad = (part < course.minutes).astype(np.int64)
        cs = np.concatenate(([0], np.cumsum(bad)))
        k = np.arange(k1 - k0, dtype=np.int64)
        ok = (part[k] >= course.first_minutes) & (cs[k + n] - cs[k + 1] == 0)
        return k[ok] + k0


class Usage:
    """Minutes booked per machine and open-day position, split by origin, and per beam and horizon day.

    `protected` (per machine position) and `protected_beam` (per beam day) are minutes that the forecast domestic
    arrivals need (see `forecast.py`): foreign courses may not use them, domestic ones may."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        days = calendar.instance.days
        self.domestic = [np.zeros(len(od), dtype=np.int64) for od in calendar.open_days]
        self.foreign = [np.zeros(len(od), dtype=np.int64) for od in calendar.open_days]
        self.beam = [np.zeros(days, dtype=np.int64) for _ in calendar.beam_capacity]
        self.protected = [np.zeros(len(od), dtype=np.int64) for od in calendar.open_days]
        self.protected_beam = [np.zeros(days, dtype=np.int64) for _ in calendar.beam_capacity]

    def copy(self) -> Usage:
        other = Usage.__new__(Usage)
        other.calendar = self.calendar
        other.domestic = [a.copy() for a in self.domestic]
        other.foreign = [a.copy() for a in self.foreign]
        other.beam = [a.copy() for a in self.beam]
        other.protected = self.protected  # set once, never changed in place
        other.protected_beam = self.protected_beam
        return other

    def _arrays(self, p: Placement) -> IntArray:
        course = self.calendar.instance.courses[p.course]
        return (self.domestic if course.domestic else self.foreign)[p.machine]

    def add(self, p: Placement, sign: int = 1) -> None:
        target = self._arrays(p)
        positions = self.calendar.position[p.machine][list(p.days)]
        loads = sign * np.array(p.loads, dtype=np.int64)
        target[positions] += loads
        bi = self.calendar.machine_beam[p.machine]
        if bi >= 0:
            self.beam[bi][list(p.days)] += loads

    def add_all(self, placements: Iterable[Placement], sign: int = 1) -> None:
        for p in placements:
            self.add(p, sign)

    def beam_free(self, bi: int, foreign: bool = False) -> IntArray:
        """Minutes the beam has left per horizon day (for a foreign course: less what the forecast needs)."""
        free = self.calendar.beam_capacity[bi] - self.beam[bi]
        return free - self.protected_beam[bi] if foreign else free

    def _with_beam(self, mi: int, limit: IntArray, foreign: bool) -> IntArray:
        bi = self.calendar.machine_beam[mi]
        if bi < 0:
            return limit
        return np.minimum(limit, self.beam_free(bi, foreign)[self.calendar.open_days[mi]])

    def domestic_limit(self, mi: int) -> IntArray:
        """Minutes a domestic course may still use per position: the machine's and its beam's free capacity."""
        return self._with_beam(mi, self.calendar.open_capacity[mi] - self.domestic[mi] - self.foreign[mi], False)

    def foreign_limit(self, mi: int) -> IntArray:
        """Minutes a foreign course may still use: free capacity, the domestic reserve and what the forecast needs."""
        cal = self.calendar
        free = cal.open_capacity[mi] - self.domestic[mi] - self.foreign[mi] - self.protected[mi]
        allowance = np.maximum(0, cal.open_foreign_cap[mi] - self.domestic[mi]) - self.foreign[mi]
        return self._with_beam(mi, np.minimum(free, allowance), True)
