"""The scheduling instance (contract `onconet-schedule/2`, which reads `onconet-schedule/1` too): parsing and
validation.

`parse_instance` turns the JSON document into frozen dataclasses or raises `InvalidInstance` carrying every
problem found, each prefixed with its JSON path (`courses[17].machines[0]: unknown machine "G9"`).
A version-1 document takes the version-2 defaults (the default wait targets, no beams, no forecast); the fields new
in version 2 are refused in it, so that a document says which contract it follows.
Nothing here imports Django: the solver package runs without a database.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

FORMAT = "onconet-schedule/2"
FORMAT_V1 = "onconet-schedule/1"
FORMATS = (FORMAT_V1, FORMAT)
PLAN_FORMAT = "onconet-plan/2"
URGENCY_WEIGHTS = {1: 10, 2: 3, 3: 1}
DEFAULT_WAIT_TARGETS = {1: 2, 2: 14, 3: 28}
DEFAULT_PROTECTION = 0.9
MAX_DAYS = 3 * 366
MINUTES_PER_DAY = 24 * 60
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class InvalidInstance(ValueError):
    """The instance breaks the contract; `problems` lists every problem, one a line, with its JSON path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Machine:
    id: str
    kind: str
    minutes_per_weekday: tuple[int, ...]
    downtime: Mapping[dt.date, int] = field(default_factory=dict)
    beam: str | None = None


@dataclass(frozen=True)
class Beam:
    """One accelerator feeding several machines (treatment rooms): their minutes together on a date ≤ its capacity."""

    id: str
    minutes_per_weekday: tuple[int, ...]
    downtime: Mapping[dt.date, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ForecastClass:
    """A kind of domestic course not known yet: `per_week` of them become ready per week (Poisson)."""

    machines: tuple[str, ...]
    urgency: int
    fractions: int
    first_minutes: int
    minutes: int
    per_week: float


@dataclass(frozen=True)
class Forecast:
    lead_days: int
    protection: float
    classes: tuple[ForecastClass, ...]


@dataclass(frozen=True)
class Partner:
    id: str
    max_courses_per_month: int


@dataclass(frozen=True)
class Fixed:
    machine: str
    start_date: dt.date
    delivered: int


@dataclass(frozen=True)
class Course:
    id: str
    origin: str  # "domestic" | "foreign"
    ready_date: dt.date
    fractions: int
    first_minutes: int
    minutes: int
    machines: tuple[str, ...]
    urgency: int = 3
    fixed: Fixed | None = None
    partner: str | None = None
    value: float = 0.0
    latest_start: dt.date | None = None
    target: int = 0  # days from the ready date within which a domestic course should start (v2)

    @property
    def domestic(self) -> bool:
        return self.origin == "domestic"

    @property
    def weight(self) -> int:
        return URGENCY_WEIGHTS[self.urgency] if self.domestic else 0

    def load(self, fraction: int) -> int:
        """Minutes of the fraction with index `fraction` (0 is the first of the whole course)."""
        return self.first_minutes if fraction == 0 else self.minutes


@dataclass(frozen=True)
class Instance:
    start_date: dt.date
    days: int
    holidays: frozenset[dt.date]
    domestic_reserve: Fraction
    machines: tuple[Machine, ...]
    partners: tuple[Partner, ...]
    courses: tuple[Course, ...]
    beams: tuple[Beam, ...] = ()
    forecast: Forecast | None = None
    wait_targets: Mapping[int, int] = field(default_factory=lambda: dict(DEFAULT_WAIT_TARGETS))

    def day(self, date: dt.date) -> int:
        return (date - self.start_date).days

    def date(self, day: int) -> dt.date:
        return self.start_date + dt.timedelta(days=day)

    @property
    def end_date(self) -> dt.date:
        return self.date(self.days - 1)

    def machine(self, machine_id: str) -> Machine:
        return next(m for m in self.machines if m.id == machine_id)

    def capacity(self, machine: Machine | Beam, day: int) -> int:
        date = self.date(day)
        if date in self.holidays:
            return 0
        return max(0, machine.minutes_per_weekday[date.weekday()] - machine.downtime.get(date, 0))

    def without_foreign(self) -> Instance:
        """The reference instance of the guarantee: every foreign course that is not under way removed (v2)."""
        return replace(self, courses=tuple(c for c in self.courses if c.domestic or c.fixed is not None))


class _Reader:
    """Reads typed values out of the JSON document, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, required: set[str], optional: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, "must be an object")
            return None
        for key in sorted(required - value.keys()):
            self.problem(f"{path}.{key}" if path else key, "is required")
        for key in sorted(value.keys() - required - optional):
            self.problem(f"{path}.{key}" if path else key, "unknown field")
        return value

    def integer(self, value: Any, path: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.problem(path, f"must be a whole number, got {value!r}")
                return None
        if minimum is not None and value < minimum:
            self.problem(path, f"must be at least {minimum}, got {value}")
            return None
        if maximum is not None and value > maximum:
            self.problem(path, f"must be at most {maximum}, got {value}")
            return None
        return int(value)

    def number(self, value: Any, path: str, minimum: float, maximum: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.problem(path, f"must be a finite number, got {value!r}")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(path, f"must be {bounds}, got {value}")
            return None
        return float(value)

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"must be a non-empty string, got {value!r}")
            return None
        return value

    def date(self, value: Any, path: str) -> dt.date | None:
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(path, f"must be a date YYYY-MM-DD, got {value!r}")
        return None

    def array(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            self.problem(path, "must be an array")
            return []
        return value


V2_TOP = {"wait_targets", "beams", "forecast"}


def _week_and_downtime(r: _Reader, m: dict[str, Any], path: str) -> tuple[tuple[int, ...] | None, dict[dt.date, int]]:
    week = r.array(m.get("minutes_per_weekday"), f"{path}.minutes_per_weekday") if "minutes_per_weekday" in m else []
    minutes = [r.integer(v, f"{path}.minutes_per_weekday[{j}]", 0, MINUTES_PER_DAY) for j, v in enumerate(week)]
    if "minutes_per_weekday" in m and len(week) != 7:
        r.problem(f"{path}.minutes_per_weekday", f"must list 7 weekdays (Monday first), got {len(week)}")
    downtime: dict[dt.date, int] = {}
    for j, block in enumerate(r.array(m.get("downtime", []), f"{path}.downtime")):
        bpath = f"{path}.downtime[{j}]"
        b = r.obj(block, bpath, {"date", "minutes"}, {"reason"})
        if b is None:
            continue
        date = r.date(b.get("date"), f"{bpath}.date")
        mins = r.integer(b.get("minutes"), f"{bpath}.minutes", 0, MINUTES_PER_DAY)
        if date is not None and mins is not None:
            downtime[date] = downtime.get(date, 0) + mins
    if len(minutes) == 7 and all(v is not None for v in minutes):
        return tuple(v for v in minutes if v is not None), downtime
    return None, downtime


def parse_instance(document: Any) -> Instance:
    r = _Reader()
    top = r.obj(
        document,
        "",
        {"format", "start_date", "days", "machines", "courses"},
        {"holidays", "domestic_reserve", "partners", *V2_TOP},
    )
    if top is None:
        raise InvalidInstance(["$: the instance must be a JSON object"])
    version = 2
    if "format" in top and top["format"] not in FORMATS:
        r.problem("format", f'must be "{FORMAT}" (or "{FORMAT_V1}"), got {top["format"]!r}')
    elif top.get("format") == FORMAT_V1:
        version = 1
        for key in sorted(V2_TOP & top.keys()):
            r.problem(key, f"is new in {FORMAT}: not allowed in a {FORMAT_V1} instance")
    start = r.date(top.get("start_date"), "start_date") if "start_date" in top else None
    days = r.integer(top.get("days"), "days", 1, MAX_DAYS) if "days" in top else None
    holidays = frozenset(
        d for i, v in enumerate(r.array(top.get("holidays", []), "holidays")) if (d := r.date(v, f"holidays[{i}]"))
    )
    reserve = r.number(top.get("domestic_reserve", 0), "domestic_reserve", 0, 1)

    targets = dict(DEFAULT_WAIT_TARGETS)
    if version == 2 and "wait_targets" in top:
        raw_targets = top["wait_targets"]
        if not isinstance(raw_targets, dict):
            r.problem("wait_targets", 'must be an object of urgency ("1", "2", "3") to days')
        else:
            for key, value in raw_targets.items():
                if key not in ("1", "2", "3"):
                    r.problem(f"wait_targets.{key}", 'unknown urgency: use "1", "2" or "3"')
                    continue
                t = r.integer(value, f"wait_targets.{key}", 0, MAX_DAYS)
                if t is not None:
                    targets[int(key)] = t

    beams: list[Beam] = []
    for i, raw in enumerate(r.array(top.get("beams", []), "beams") if version == 2 else []):
        path = f"beams[{i}]"
        b = r.obj(raw, path, {"id", "minutes_per_weekday"}, {"downtime", "name"})
        if b is None:
            continue
        bid = r.text(b.get("id"), f"{path}.id")
        week, downtime = _week_and_downtime(r, b, path)
        if bid is not None and any(x.id == bid for x in beams):
            r.problem(f"{path}.id", f'duplicate beam id "{bid}"')
            continue
        if bid is not None and week is not None:
            beams.append(Beam(bid, week, downtime))
    beam_ids = {b.id for b in beams}
    raw_beams: list[Any] = top["beams"] if version == 2 and isinstance(top.get("beams"), list) else []
    named_beams = {x.get("id") for x in raw_beams if isinstance(x, dict)}

    machines: list[Machine] = []
    seen_machines: set[str] = set()
    for i, raw in enumerate(r.array(top.get("machines", []), "machines")):
        path = f"machines[{i}]"
        m = r.obj(raw, path, {"id", "kind", "minutes_per_weekday"}, {"downtime", "name", "beam"})
        if m is None:
            continue
        mid = r.text(m.get("id"), f"{path}.id")
        kind = r.text(m.get("kind"), f"{path}.kind")
        week, downtime = _week_and_downtime(r, m, path)
        beam = None
        ok = True
        if m.get("beam") is not None:
            if version == 1:
                r.problem(f"{path}.beam", f"is new in {FORMAT}: not allowed in a {FORMAT_V1} instance")
                ok = False
            elif not isinstance(m["beam"], str) or m["beam"] not in named_beams:
                r.problem(f"{path}.beam", f"unknown beam {_quote(m['beam'])}")
                ok = False
            elif m["beam"] in beam_ids:
                beam = m["beam"]
            else:
                ok = False  # a beam with problems of its own, reported already
        if mid is not None and mid in seen_machines:
            r.problem(f"{path}.id", f'duplicate machine id "{mid}"')
            continue
        if mid is not None:
            seen_machines.add(mid)
        if ok and mid is not None and kind is not None and week is not None:
            machines.append(Machine(mid, kind, week, downtime, beam))
    if "machines" in top and isinstance(top["machines"], list) and not top["machines"]:
        r.problem("machines", "must list at least one machine")

    partners: list[Partner] = []
    seen_partners: set[str] = set()
    for i, raw in enumerate(r.array(top.get("partners", []), "partners")):
        path = f"partners[{i}]"
        p = r.obj(raw, path, {"id", "max_courses_per_month"}, {"name"})
        if p is None:
            continue
        pid = r.text(p.get("id"), f"{path}.id")
        quota = r.integer(p.get("max_courses_per_month"), f"{path}.max_courses_per_month", 0)
        if pid is not None and pid in seen_partners:
            r.problem(f"{path}.id", f'duplicate partner id "{pid}"')
            continue
        if pid is not None:
            seen_partners.add(pid)
        if pid is not None and quota is not None:
            partners.append(Partner(pid, quota))

    courses: list[Course] = []
    seen: set[str] = set()
    for i, raw in enumerate(r.array(top.get("courses", []), "courses")):
        path = f"courses[{i}]"
        origin = raw.get("origin") if isinstance(raw, dict) else None
        base = {"id", "origin", "ready_date", "fractions", "first_minutes", "minutes", "machines"}
        if origin == "foreign":
            c = r.obj(raw, path, base | {"partner", "value", "latest_start"}, {"fixed", "urgency"})
        else:
            c = r.obj(raw, path, base | {"urgency"}, {"fixed", "target_days"})
        if c is None:
            continue
        ok = True
        cid = r.text(c.get("id"), f"{path}.id")
        if cid is not None and cid in seen:
            r.problem(f"{path}.id", f'duplicate course id "{cid}"')
            ok = False
        if cid is not None:
            seen.add(cid)
        if origin not in ("domestic", "foreign"):
            r.problem(f"{path}.origin", f'must be "domestic" or "foreign", got {origin!r}')
            ok = False
        ready = r.date(c.get("ready_date"), f"{path}.ready_date")
        fractions = r.integer(c.get("fractions"), f"{path}.fractions", 1)
        first = r.integer(c.get("first_minutes"), f"{path}.first_minutes", 0, MINUTES_PER_DAY)
        later = r.integer(c.get("minutes"), f"{path}.minutes", 0, MINUTES_PER_DAY)
        eligible: list[str] = []
        for j, mid in enumerate(r.array(c.get("machines"), f"{path}.machines") if "machines" in c else []):
            # An invalid machine with a valid id is known (its own problems are reported already).
            if not isinstance(mid, str) or mid not in seen_machines:
                r.problem(f"{path}.machines[{j}]", f"unknown machine {_quote(mid)}")
                ok = False
            elif mid in eligible:
                r.problem(f"{path}.machines[{j}]", f'machine "{mid}" listed twice')
                ok = False
            else:
                eligible.append(mid)
        if "machines" in c and isinstance(c["machines"], list) and not c["machines"]:
            r.problem(f"{path}.machines", "must list at least one eligible machine")
            ok = False
        urgency = 3
        if "urgency" in c:
            u = r.integer(c["urgency"], f"{path}.urgency", 1, 3)
            ok = ok and u is not None
            urgency = u or 3
        target = targets[urgency] if origin == "domestic" else 0
        if c.get("target_days") is not None:
            if version == 1:
                r.problem(f"{path}.target_days", f"is new in {FORMAT}: not allowed in a {FORMAT_V1} instance")
                ok = False
            else:
                t = r.integer(c["target_days"], f"{path}.target_days", 0, MAX_DAYS)
                ok = ok and t is not None
                target = t if t is not None else target
        partner = None
        value = 0.0
        latest = None
        if origin == "foreign":
            partner = r.text(c.get("partner"), f"{path}.partner")
            if partner is not None and partner not in seen_partners:
                r.problem(f"{path}.partner", f"unknown partner {_quote(partner)}")
                ok = False
            v = r.number(c.get("value"), f"{path}.value", 0)
            value = v or 0.0
            latest = r.date(c.get("latest_start"), f"{path}.latest_start")
            ok = ok and v is not None and latest is not None
        fixed = None
        if c.get("fixed") is not None:
            fpath = f"{path}.fixed"
            f = r.obj(c["fixed"], fpath, {"machine", "start_date", "delivered"}, set())
            if f is not None:
                fm = f.get("machine")
                if not isinstance(fm, str) or fm not in eligible:
                    r.problem(f"{fpath}.machine", f"must be one of the course's machines, got {fm!r}")
                fs = r.date(f.get("start_date"), f"{fpath}.start_date")
                fd = r.integer(f.get("delivered"), f"{fpath}.delivered", 0)
                if fd is not None and fractions is not None and fd >= fractions:
                    r.problem(f"{fpath}.delivered", f"must be less than fractions ({fractions}), got {fd}")
                    fd = None
                if fs is not None and start is not None and days is not None and fs > start + dt.timedelta(days - 1):
                    r.problem(f"{fpath}.start_date", f"{fs.isoformat()} is after the horizon")
                    fs = None
                if isinstance(fm, str) and fm in eligible and fs is not None and fd is not None:
                    fixed = Fixed(fm, fs, fd)
            ok = ok and fixed is not None
        if fractions is not None and days is not None and fixed is None and fractions > days:
            r.problem(f"{path}.fractions", f"{fractions} fractions cannot fit in a horizon of {days} days")
            ok = False
        if ok and None not in (cid, ready, fractions, first, later) and eligible:
            assert cid is not None
            assert ready is not None
            assert fractions is not None
            assert first is not None
            assert later is not None
            courses.append(
                Course(
                    id=cid,
                    origin=str(origin),
                    ready_date=ready,
                    fractions=fractions,
                    first_minutes=first,
                    minutes=later,
                    machines=tuple(eligible),
                    urgency=urgency,
                    fixed=fixed,
                    partner=partner,
                    value=value,
                    latest_start=latest,
                    target=target,
                )
            )
    forecast = _forecast(r, top["forecast"], seen_machines) if version == 2 and "forecast" in top else None
    if r.problems or start is None or days is None or reserve is None:
        raise InvalidInstance(r.problems or ["$: the instance is incomplete"])
    return Instance(
        start_date=start,
        days=days,
        holidays=holidays,
        domestic_reserve=Fraction(str(reserve)),
        machines=tuple(machines),
        partners=tuple(partners),
        courses=tuple(courses),
        beams=tuple(beams),
        forecast=forecast,
        wait_targets=targets,
    )


def _forecast(r: _Reader, raw: Any, machines: set[str]) -> Forecast | None:
    if raw is None:
        return None
    f = r.obj(raw, "forecast", {"classes"}, {"lead_days", "protection"})
    if f is None:
        return None
    lead = r.integer(f.get("lead_days", 0), "forecast.lead_days", 0, MAX_DAYS)
    protection: float | None = DEFAULT_PROTECTION
    if "protection" in f:
        p = f["protection"]
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or not 0 < p <= 1:
            r.problem("forecast.protection", f"must be a number in (0, 1], got {p!r}")
            protection = None
        else:
            protection = float(p)
    classes: list[ForecastClass] = []
    for i, raw_class in enumerate(r.array(f.get("classes"), "forecast.classes") if "classes" in f else []):
        path = f"forecast.classes[{i}]"
        c = r.obj(raw_class, path, {"machines", "fractions", "first_minutes", "minutes", "per_week"}, {"urgency"})
        if c is None:
            continue
        eligible: list[str] = []
        ok = True
        for j, mid in enumerate(r.array(c.get("machines"), f"{path}.machines") if "machines" in c else []):
            if not isinstance(mid, str) or mid not in machines:
                r.problem(f"{path}.machines[{j}]", f"unknown machine {_quote(mid)}")
                ok = False
            elif mid in eligible:
                r.problem(f"{path}.machines[{j}]", f'machine "{mid}" listed twice')
                ok = False
            else:
                eligible.append(mid)
        if "machines" in c and isinstance(c["machines"], list) and not c["machines"]:
            r.problem(f"{path}.machines", "must list at least one eligible machine")
            ok = False
        urgency = r.integer(c.get("urgency", 3), f"{path}.urgency", 1, 3)
        fractions = r.integer(c.get("fractions"), f"{path}.fractions", 1, MAX_DAYS)
        first = r.integer(c.get("first_minutes"), f"{path}.first_minutes", 0, MINUTES_PER_DAY)
        later = r.integer(c.get("minutes"), f"{path}.minutes", 0, MINUTES_PER_DAY)
        per_week = r.number(c.get("per_week"), f"{path}.per_week", 0, 10_000)
        if ok and eligible and None not in (urgency, fractions, first, later, per_week):
            assert urgency is not None
            assert fractions is not None
            assert first is not None
            assert later is not None
            assert per_week is not None
            classes.append(ForecastClass(tuple(eligible), urgency, fractions, first, later, per_week))
    if lead is None or protection is None:
        return None
    return Forecast(lead, protection, tuple(classes))


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
