"""The discrete-event model (SimPy): arrivals, the weekly planning with the scheduler in the loop, the daily starts."""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import simpy
from simpy.events import ProcessGenerator

from onconet.scheduling.simulation.config import DAYS_PER_MONTH, NOON, URGENCIES, SimulationConfig, _jsonable
from onconet.scheduling.simulation.results import ReplicationResult, UrgencyWaits
from onconet.scheduling.simulation.statistics import percentile
from onconet.scheduling.solver import Assignment, parse_instance, solve
from onconet.scheduling.solver.instance import FORMAT

# ---------------------------------------------------------------------------------------------- the model


@dataclass
class _Course:
    id: str
    foreign: bool
    known: int  # simulation day it became known
    ready: int
    fractions: int
    first_minutes: int
    minutes: int
    urgency: int = 3
    partner: str = ""
    value: float = 0.0
    latest: int = 0  # last allowed start day (foreign)
    machine: int = -1
    dates: tuple[int, ...] = ()  # simulation days of every fraction once started

    def load(self, fraction: int) -> int:
        return self.first_minutes if fraction == 0 else self.minutes


class _Setup:
    """What every run of one configuration shares: the calendar and the machines."""

    def __init__(self, config: SimulationConfig) -> None:
        problems = config.problems()
        if problems:
            raise ValueError("\n".join(problems))
        self.config = config
        self.days = config.days
        self.warmup = 7 * config.warmup_weeks
        self.horizon = 7 * config.horizon_weeks
        self.machines = [_jsonable(dict(m)) for m in config.machines]
        self.machine_ids = [str(m["id"]) for m in self.machines]
        self.holidays = [h.isoformat() for h in config.holidays]
        # Validate the machines with the contract's parser; it also yields the calendar.
        calendar = parse_instance(
            {
                "format": FORMAT,
                "start_date": config.start_date.isoformat(),
                "days": self.days + self.horizon,
                "holidays": self.holidays,
                "domestic_reserve": config.domestic_reserve,
                "machines": self.machines,
                "courses": [],
            }
        )
        self.capacity = [[calendar.capacity(m, d) for d in range(calendar.days)] for m in calendar.machines]
        self.downtime: list[dict[int, list[dict[str, Any]]]] = [{} for _ in self.machines]
        self.dates = [calendar.date(d) for d in range(calendar.days)]
        self.iso = [d.isoformat() for d in self.dates]
        self.day_of = {iso: d for d, iso in enumerate(self.iso)}
        self.day_on = {date: d for d, date in enumerate(self.dates)}
        for mi, m in enumerate(self.machines):
            for block in m.get("downtime", []):
                if str(block["date"]) in self.day_of:
                    self.downtime[mi].setdefault(self.day_of[str(block["date"])], []).append(block)
        self.measured_months = (self.days - self.warmup) / DAYS_PER_MONTH

    def next_planning_day(self, day: int) -> int:
        """Planning runs on the first day and on every Monday."""
        return day + (7 - self.dates[day].weekday() if self.dates[day].weekday() else 7)

    def date(self, day: int) -> dt.date:
        return self.config.start_date + dt.timedelta(days=day)

    def month(self, day: int) -> str:
        return self.iso[day][:7]


def domestic_arrivals(config: SimulationConfig, replication: int) -> list[tuple[float, _Course]]:
    """The domestic courses of one replication, by arrival time: independent of the foreign level."""
    rng = random.Random(f"{config.seed}:{replication}:domestic")
    out: list[tuple[float, int, _Course]] = []
    for s in config.domestic:
        for urgency in URGENCIES:
            rate = s.rates.get(urgency, 0.0) / 7
            t = 0.0
            while rate > 0:
                t += rng.expovariate(rate)
                if t >= config.days:
                    break
                course = _Course(
                    "",
                    False,
                    math.floor(t),
                    math.floor(t) + s.lead_days,
                    s.fractions,
                    s.first_minutes,
                    s.minutes,
                    urgency,
                )
                out.append((t, len(out), course))
    out.sort(key=lambda x: (x[0], x[1]))
    for n, (_, _, course) in enumerate(out):
        course.id = f"D{n + 1:05d}"
    return [(t, c) for t, _, c in out]


def foreign_arrivals(config: SimulationConfig, replication: int, level: int) -> list[tuple[float, _Course]]:
    """The foreign requests of one replication at `level` requests a month, spread over the partners."""
    rng = random.Random(f"{config.seed}:{replication}:{level}:foreign")
    total_weight = sum(p.weight for p in config.partners)
    out: list[tuple[float, int, _Course]] = []
    for p in config.partners:
        rate = level * p.weight / total_weight / DAYS_PER_MONTH if total_weight > 0 else 0.0
        t = 0.0
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= config.days:
                break
            x = rng.choices(p.mix, weights=[m.share for m in p.mix])[0]
            ready = math.floor(t) + p.lead_days
            course = _Course(
                "",
                True,
                math.floor(t),
                ready,
                x.fractions,
                x.first_minutes,
                x.minutes,
                partner=p.id,
                value=x.value,
                latest=ready + p.latest_start_days,
            )
            out.append((t, len(out), course))
    out.sort(key=lambda x: (x[0], x[1]))
    for n, (_, _, course) in enumerate(out):
        course.id = f"F{n + 1:05d}"
    return [(t, c) for t, _, c in out]


class _Model:
    """One run: one replication at one foreign level."""

    def __init__(
        self,
        setup: _Setup,
        level: int,
        replication: int,
        domestic: list[tuple[float, _Course]],
        foreign: list[tuple[float, _Course]],
    ) -> None:
        self.setup = setup
        self.config = setup.config
        self.level = level
        self.replication = replication
        self.env = simpy.Environment()
        self.waiting: list[_Course] = []  # domestic, known, not started
        self.pending: list[_Course] = []  # foreign requests, not started
        self.active: list[_Course] = []  # started, fractions left
        self.due: dict[int, list[_Course]] = {}  # start day → courses started by the last plan
        self.quota_used: Counter[tuple[str, str]] = Counter()  # (partner, month) → foreign courses started
        n = len(setup.machine_ids)
        self.used_domestic = [[0] * setup.days for _ in range(n)]
        self.used_foreign = [[0] * setup.days for _ in range(n)]
        self.waits: list[int] = []
        self.urgency_waits: dict[int, list[int]] = {u: [] for u in URGENCIES}
        self.admitted: list[_Course] = []
        self.offered = 0
        self.lost = 0
        self.backlog = 0
        self.env.process(self._arrivals(domestic))
        self.env.process(self._arrivals(foreign))
        self.env.process(self._planner())
        self.env.process(self._daily())

    def run(self) -> ReplicationResult:
        self.env.run(until=self.setup.days)
        s = self.setup
        capacity = sum(sum(cap[s.warmup : s.days]) for cap in s.capacity)
        used_dom = sum(sum(u[s.warmup :]) for u in self.used_domestic)
        used_for = sum(sum(u[s.warmup :]) for u in self.used_foreign)
        by_month: Counter[str] = Counter(s.month(c.dates[0]) for c in self.admitted)
        return ReplicationResult(
            level=self.level,
            replication=self.replication,
            waits=tuple(self.waits),
            p95_wait=float(percentile(self.waits, 95)),
            mean_wait=statistics.fmean(self.waits) if self.waits else 0.0,
            foreign_offered=self.offered,
            foreign_admitted=len(self.admitted),
            foreign_lost=self.lost,
            offered_per_month=self.offered / s.measured_months,
            admitted_per_month=len(self.admitted) / s.measured_months,
            utilisation=(used_dom + used_for) / capacity if capacity else 0.0,
            foreign_utilisation=used_for / capacity if capacity else 0.0,
            domestic_backlog=self.backlog / (s.days - s.warmup),
            admitted_by_month=dict(sorted(by_month.items())),
            by_urgency={
                str(u): UrgencyWaits(tuple(self.urgency_waits[u]), target)
                for u, target in zip(URGENCIES, self.config.wait_targets, strict=True)
            },
        )

    # Processes --------------------------------------------------------------------------------------------

    def _arrivals(self, arrivals: list[tuple[float, _Course]]) -> ProcessGenerator:
        for t, course in arrivals:
            yield self.env.timeout(t - self.env.now)
            if course.foreign:
                self.pending.append(course)
                if course.known >= self.setup.warmup:
                    self.offered += 1
            else:
                self.waiting.append(course)

    def _planner(self) -> ProcessGenerator:
        day = 0
        while day < self.setup.days:
            self._plan(day)
            following = self.setup.next_planning_day(day)
            yield self.env.timeout(following - self.env.now)
            day = following

    def _daily(self) -> ProcessGenerator:
        yield self.env.timeout(NOON)
        for day in range(self.setup.days):
            measured = day >= self.setup.warmup
            for course in self.due.pop(day, []):
                if course.foreign:
                    if measured:
                        self.admitted.append(course)
                elif measured:
                    self.waits.append(day - course.ready)
                    self.urgency_waits[course.urgency].append(day - course.ready)
            expired = [c for c in self.pending if c.latest <= day]
            if expired:
                self.pending = [c for c in self.pending if c.latest > day]
                self.lost += sum(1 for c in expired if c.known >= self.setup.warmup)
            if measured:
                later = sum(1 for courses in self.due.values() for c in courses if not c.foreign)
                self.backlog += len(self.waiting) + later
            yield self.env.timeout(1)

    # Planning ---------------------------------------------------------------------------------------------

    def _plan(self, today: int) -> None:
        s, config = self.setup, self.config
        end = today + s.horizon
        commit_until = min(s.next_planning_day(today), s.days)
        self.active = [c for c in self.active if c.dates[-1] >= today]
        self.pending = [c for c in self.pending if c.latest >= today]

        # Foreign courses under way: their remaining minutes become downtime (they are not courses of the instance).
        busy: list[Counter[int]] = [Counter() for _ in s.machine_ids]
        for c in self.active:
            if c.foreign:
                for i, d in enumerate(c.dates):
                    if today <= d < end:
                        busy[c.machine][d] += c.load(i)
        machines = []
        for mi, m in enumerate(s.machines):
            downtime = [b for d in range(today, end) for b in s.downtime[mi].get(d, ())]
            for d, minutes in sorted(busy[mi].items()):
                # Never close an open day: a course under way would otherwise skip it instead of being blocked.
                downtime.append({"date": s.iso[d], "minutes": min(minutes, s.capacity[mi][d] - 1)})
            machines.append({**m, "downtime": downtime})

        month = s.month(today)
        quotas = {p.id: max(0, p.max_courses_per_month - self.quota_used[(p.id, month)]) for p in config.partners}
        courses: list[dict[str, Any]] = []
        for c in self.active:
            if not c.foreign:
                delivered = sum(1 for d in c.dates if d < today)
                fixed = {"machine": s.machine_ids[c.machine], "start_date": s.iso[c.dates[0]], "delivered": delivered}
                courses.append(self._course(c) | {"fixed": fixed})
        courses += [self._course(c) for c in self.waiting]
        courses += [self._course(c) for c in self.pending]
        document = {
            "format": FORMAT,
            "start_date": s.iso[today],
            "days": s.horizon,
            "holidays": s.holidays,
            "domestic_reserve": config.domestic_reserve,
            "wait_targets": {str(u): t for u, t in zip(URGENCIES, config.wait_targets, strict=True)},
            "machines": machines,
            "partners": [{"id": p, "max_courses_per_month": q} for p, q in quotas.items()],
            "courses": courses,
        }
        forecast = self._forecast()
        if forecast is not None and self.pending:
            document["forecast"] = forecast
        plan = solve(parse_instance(document), config.solver, config.time_limit, config.seed)
        planned = plan.assignment_of()
        self._check_fixed(today, end, planned)

        waiting: list[_Course] = []
        for c in self.waiting:
            a = planned.get(c.id)
            if a is not None and s.day_on[a.start_date] < commit_until:
                self._commit(c, a)
            else:
                waiting.append(c)
        self.waiting = waiting

        next_month = (s.dates[today].replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        pending: list[_Course] = []
        for c in self.pending:
            a = planned.get(c.id)
            if a is not None:
                if s.day_on[a.start_date] < commit_until:
                    self._commit(c, a)
                else:
                    pending.append(c)  # admitted later in the horizon: planned again next week
            elif quotas[c.partner] < self._quota(c.partner) and s.date(c.latest) >= next_month:
                pending.append(c)  # rejected under what is left of this month's quota: try again
            elif c.known >= s.warmup:
                self.lost += 1
        self.pending = pending

    def _quota(self, partner: str) -> int:
        return next(p.max_courses_per_month for p in self.config.partners if p.id == partner)

    def _forecast(self) -> dict[str, Any] | None:
        """The domestic arrivals the planner does not know yet, as the contract's forecast: every stream's weekly
        rate per urgency, ready from the shortest lead on — the same admission policy the database planner uses."""
        config = self.config
        if config.protection <= 0 or not config.domestic:
            return None
        classes = [
            {
                "machines": list(self.setup.machine_ids),
                "urgency": urgency,
                "fractions": stream.fractions,
                "first_minutes": stream.first_minutes,
                "minutes": stream.minutes,
                "per_week": float(rate),
            }
            for stream in config.domestic
            for urgency, rate in sorted(stream.rates.items())
            if rate > 0
        ]
        if not classes:
            return None
        lead = min(stream.lead_days for stream in config.domestic)
        return {"lead_days": lead, "protection": config.protection, "classes": classes}

    def _course(self, c: _Course) -> dict[str, Any]:
        s = self.setup
        doc: dict[str, Any] = {
            "id": c.id,
            "origin": "foreign" if c.foreign else "domestic",
            "ready_date": s.date(c.ready).isoformat(),
            "fractions": c.fractions,
            "first_minutes": c.first_minutes,
            "minutes": c.minutes,
            "machines": s.machine_ids,
        }
        if c.foreign:
            doc["partner"] = c.partner
            doc["value"] = c.value
            doc["latest_start"] = s.date(c.latest).isoformat()
        else:
            doc["urgency"] = c.urgency
        return doc

    def _commit(self, c: _Course, assignment: Assignment) -> None:
        """Start `c` as planned: it becomes a course under way on that machine and those dates."""
        s = self.setup
        c.machine = s.machine_ids.index(assignment.machine)
        c.dates = tuple(s.day_on[d] for d in assignment.dates)
        used = self.used_foreign if c.foreign else self.used_domestic
        for i, d in enumerate(c.dates):
            if d < s.days:
                used[c.machine][d] += c.load(i)
        self.active.append(c)
        self.due.setdefault(c.dates[0], []).append(c)
        if c.foreign:
            self.quota_used[(c.partner, s.month(c.dates[0]))] += 1

    def _check_fixed(self, today: int, end: int, planned: Mapping[str, Assignment]) -> None:
        """Courses under way must go on exactly as booked; anything else is a bug of this model."""
        s = self.setup
        for c in self.active:
            if c.foreign:
                continue
            booked = tuple(s.dates[d] for d in c.dates if today <= d < end)
            got = planned.get(c.id)
            if got is None or got.dates != booked or got.machine != s.machine_ids[c.machine]:
                raise RuntimeError(f"course {c.id} under way moved on day {today}: {booked} → {got}")


def run_replication(config: SimulationConfig, level: int, replication: int) -> ReplicationResult:
    """One run of the model: replication `replication` at `level` foreign requests a month."""
    return _run(_Setup(config), level, replication)


def _run(setup: _Setup, level: int, replication: int) -> ReplicationResult:
    config = setup.config
    model = _Model(
        setup,
        level,
        replication,
        domestic_arrivals(config, replication),
        foreign_arrivals(config, replication, level),
    )
    return model.run()
