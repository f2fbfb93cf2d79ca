"""Capacity simulation: how many foreign courses a month machine kind K can take while domestic waits stay put.

A discrete-event model (SimPy; one time unit is one calendar day) of `weeks` weeks of the machines of one kind,
with the real calendar (weekday minutes, downtime, holidays) and the scheduler of `onconet.scheduling.solver`
in the loop:

- **Domestic arrivals**: per protocol and urgency a Poisson process (weekly rate, estimated from the booked
  history with `estimate_rates` or entered). A course becomes known on arrival and is ready `lead_days` later.
- **Foreign requests**: a Poisson process with the tested level (requests per month) spread over the partners by
  their `weight`; each request draws a protocol from the partner's mix and may start from `lead_days` after
  arrival until `latest_start_days` after that. Nothing is enforced here: the scheduler applies quotas and the
  domestic reserve.
- **Planning**, on the first day and every Monday: an instance of the contract (`docs/contracts/scheduling.md`)
  over `horizon_weeks` from that day. Domestic courses already started are `fixed` (with the fractions
  delivered); waiting domestic courses and pending foreign requests are free. Foreign courses already under way
  are *not* courses of the instance: their remaining minutes are machine downtime, because the contract compares
  against the plan with every foreign course removed and they must keep their place in it. Courses the plan starts
  before the next planning day are started there and then (they become fixed); a foreign request the plan
  rejects is lost, and so is one whose latest start has passed. With `protection` > 0 the instance carries the
  contract's forecast — the domestic streams' rates — so foreign requests are admitted by the same policy as the
  database planner's (which estimates the rates from the booked history): only into capacity that domestic
  patients not yet known will not need. The offer published from the result is then what planning admits.
- **Every day** (at noon) the courses due start, waits are recorded and expired requests are dropped.

Partner quotas: the contract counts a partner's courses per calendar month among the courses *of the instance*,
and foreign courses under way are not in it, so each planning run gives every partner the quota it has left in the
current month (for every month of the horizon: conservative for later months, where nothing is started yet). A
request rejected while its partner's quota was so reduced stays pending if it could still start in a later month.
The domestic reserve is likewise computed on the capacity left by foreign courses under way (slightly stricter
than the contract's, never looser).

Common random numbers: the domestic arrivals of replication r come from their own stream, seeded from
`(seed, r, "domestic")`, and are the same at every level; foreign requests use `(seed, r, level, "foreign")`. The
comparison against level 0 is therefore paired, replication by replication.

The answer (`SimulationResult.recommended_level`) is the largest tested level L such that, for L and every smaller
level, the 95 % confidence interval of the paired difference in domestic p95 wait (level − level 0) has an upper
bound ≤ `tolerance_days` (step-down: a level is not recommended past a smaller one that fails), and at which some
foreign course was started — 0 when none qualifies (e.g. a saturated machine, where domestic-first planning leaves
foreign requests no room at any level). The recommended offer is the number of foreign courses actually started
per month at that level, overall and per calendar month of the simulated period (after the warm-up).

Nothing here imports Django: the Celery job, models and pages call `simulate` and store `SimulationResult.to_dict()`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import simpy
from scipy.stats import t as student_t
from simpy.events import ProcessGenerator

from onconet.scheduling.solver import parse_instance, solve
from onconet.scheduling.solver.instance import FORMAT, MAX_DAYS

URGENCIES = (1, 2, 3)
DAYS_PER_MONTH = 365.25 / 12
SOLVER_NAMES = ("greedy", "cpsat")
NOON = 0.5  # the daily process runs at noon, after the morning's planning

Progress = Callable[[float, str], None]


# --------------------------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class DomesticStream:
    """Domestic courses of one protocol: Poisson arrivals with `rates[urgency]` courses a week (urgency 1..3)."""

    protocol: str
    rates: Mapping[int, float]
    fractions: int
    first_minutes: int
    minutes: int
    lead_days: int = 7  # arrival (known to the planner) → ready date


@dataclass(frozen=True)
class ForeignProtocol:
    """One entry of a partner's protocol mix, drawn with probability proportional to `share`."""

    protocol: str
    share: float
    fractions: int
    first_minutes: int
    minutes: int
    value: float = 0.0


@dataclass(frozen=True)
class ForeignPartner:
    id: str
    max_courses_per_month: int
    mix: tuple[ForeignProtocol, ...]
    latest_start_days: int = 42  # latest_start = ready date + this
    lead_days: int = 14  # request → ready date (travel, visa)
    weight: float = 1.0  # share of the tested level that comes from this partner


@dataclass(frozen=True)
class SimulationConfig:
    """`machines` are contract machine dicts (`id`, `kind`, `minutes_per_weekday`, `downtime`: [{date, minutes}])
    of one kind; every course may be treated on any of them."""

    machines: tuple[Mapping[str, Any], ...]
    start_date: dt.date
    domestic: tuple[DomesticStream, ...]
    partners: tuple[ForeignPartner, ...] = ()
    holidays: tuple[dt.date, ...] = ()
    weeks: int = 26
    domestic_reserve: float = 0.10
    levels: tuple[int, ...] = (0, 2, 4, 6, 8)  # foreign requests per month; 0 is added when missing
    replications: int = 5
    seed: int = 0
    solver: str = "greedy"
    time_limit: float = 1.0  # per planning run (cpsat only)
    warmup_weeks: int = 6
    horizon_weeks: int = 12
    tolerance_days: float = 0.0
    # The planner's admission policy (contract v2): new foreign courses take only the capacity that the domestic
    # arrivals not yet known will not need, in this share of plausible futures; 0 admits into what the known
    # courses leave (version 1). The forecast is the domestic streams' own rates, as the planner's is the history.
    protection: float = 0.9
    # Days from ready to start that each urgency (1, 2, 3) may wait: the planner's national targets.
    wait_targets: tuple[int, int, int] = (2, 14, 28)

    @property
    def kind(self) -> str:
        return str(self.machines[0]["kind"]) if self.machines else ""

    @property
    def days(self) -> int:
        return 7 * self.weeks

    @property
    def tested_levels(self) -> tuple[int, ...]:
        return tuple(sorted({0, *self.levels}))

    def problems(self) -> list[str]:
        """Everything wrong with the configuration, one a line (empty when it can be simulated)."""
        out: list[str] = []
        if not self.machines:
            out.append("machines: list at least one machine")
        kinds = {str(m.get("kind")) for m in self.machines}
        if len(kinds) > 1:
            out.append(f"machines: all machines must be of one kind, got {', '.join(sorted(kinds))}")
        if self.weeks < 1:
            out.append("weeks: must be at least 1")
        if not 0 <= self.warmup_weeks < self.weeks:
            out.append("warmup_weeks: must be at least 0 and less than weeks")
        if self.horizon_weeks < 1:
            out.append("horizon_weeks: must be at least 1")
        if 7 * (self.weeks + self.horizon_weeks) > MAX_DAYS:
            out.append(f"weeks + horizon_weeks: at most {MAX_DAYS // 7} weeks")
        if not 0 <= self.domestic_reserve <= 1:
            out.append("domestic_reserve: must be between 0 and 1")
        if self.replications < 2:
            out.append("replications: at least 2 are needed for a confidence interval")
        if any(level < 0 for level in self.levels):
            out.append("levels: must not be negative")
        if self.solver not in SOLVER_NAMES:
            out.append(f"solver: must be one of {', '.join(SOLVER_NAMES)}, got {self.solver!r}")
        if self.time_limit <= 0:
            out.append("time_limit: must be positive")
        if not 0 <= self.protection <= 1:
            out.append("protection: must be between 0 (no forecast) and 1")
        if len(self.wait_targets) != len(URGENCIES) or any(t < 0 for t in self.wait_targets):
            out.append("wait_targets: one target ≥ 0 days for each urgency 1, 2, 3")
        horizon = 7 * self.horizon_weeks
        for i, s in enumerate(self.domestic):
            path = f"domestic[{i}]"
            if set(s.rates) - set(URGENCIES) or any(r < 0 for r in s.rates.values()):
                out.append(f"{path}.rates: weekly rates ≥ 0 for urgencies 1, 2, 3")
            out += _course_problems(path, s.fractions, s.first_minutes, s.minutes, horizon)
            if s.lead_days < 0:
                out.append(f"{path}.lead_days: must not be negative")
        ids = [p.id for p in self.partners]
        if len(set(ids)) != len(ids):
            out.append("partners: duplicate partner id")
        for i, p in enumerate(self.partners):
            path = f"partners[{i}]"
            if not p.mix or any(x.share < 0 for x in p.mix) or sum(x.share for x in p.mix) <= 0:
                out.append(f"{path}.mix: at least one protocol, shares ≥ 0 with a positive sum")
            if p.max_courses_per_month < 0 or p.latest_start_days < 0 or p.lead_days < 0 or p.weight < 0:
                out.append(f"{path}: quota, lead_days, latest_start_days and weight must not be negative")
            for j, x in enumerate(p.mix):
                out += _course_problems(f"{path}.mix[{j}]", x.fractions, x.first_minutes, x.minutes, horizon)
        if self.partners and sum(p.weight for p in self.partners) <= 0:
            out.append("partners: the weights must have a positive sum")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "machines": [_jsonable(dict(m)) for m in self.machines],
            "start_date": self.start_date.isoformat(),
            "domestic": [
                {
                    "protocol": s.protocol,
                    "rates": {str(u): float(r) for u, r in sorted(s.rates.items())},
                    "fractions": s.fractions,
                    "first_minutes": s.first_minutes,
                    "minutes": s.minutes,
                    "lead_days": s.lead_days,
                }
                for s in self.domestic
            ],
            "partners": [
                {
                    "id": p.id,
                    "max_courses_per_month": p.max_courses_per_month,
                    "mix": [
                        {
                            "protocol": x.protocol,
                            "share": x.share,
                            "fractions": x.fractions,
                            "first_minutes": x.first_minutes,
                            "minutes": x.minutes,
                            "value": x.value,
                        }
                        for x in p.mix
                    ],
                    "latest_start_days": p.latest_start_days,
                    "lead_days": p.lead_days,
                    "weight": p.weight,
                }
                for p in self.partners
            ],
            "holidays": [h.isoformat() for h in self.holidays],
            "weeks": self.weeks,
            "domestic_reserve": self.domestic_reserve,
            "levels": list(self.levels),
            "replications": self.replications,
            "seed": self.seed,
            "solver": self.solver,
            "time_limit": self.time_limit,
            "warmup_weeks": self.warmup_weeks,
            "horizon_weeks": self.horizon_weeks,
            "tolerance_days": self.tolerance_days,
            "protection": self.protection,
            "wait_targets": {str(u): t for u, t in zip(URGENCIES, self.wait_targets, strict=False)},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimulationConfig:
        """The inverse of `to_dict` (for job arguments); missing optional keys take their defaults."""
        optional = {
            k: data[k]
            for k in (
                "weeks",
                "domestic_reserve",
                "replications",
                "seed",
                "solver",
                "time_limit",
                "warmup_weeks",
                "horizon_weeks",
                "tolerance_days",
                "protection",
            )
            if k in data
        }
        if "levels" in data:
            optional["levels"] = tuple(int(v) for v in data["levels"])
        if "wait_targets" in data:
            optional["wait_targets"] = tuple(int(data["wait_targets"][str(u)]) for u in URGENCIES)
        return cls(
            machines=tuple(dict(m) for m in data["machines"]),
            start_date=_date(data["start_date"]),
            domestic=tuple(
                DomesticStream(
                    protocol=str(s["protocol"]),
                    rates={int(u): float(r) for u, r in s["rates"].items()},
                    fractions=int(s["fractions"]),
                    first_minutes=int(s["first_minutes"]),
                    minutes=int(s["minutes"]),
                    lead_days=int(s.get("lead_days", 7)),
                )
                for s in data["domestic"]
            ),
            partners=tuple(
                ForeignPartner(
                    id=str(p["id"]),
                    max_courses_per_month=int(p["max_courses_per_month"]),
                    mix=tuple(
                        ForeignProtocol(
                            protocol=str(x["protocol"]),
                            share=float(x["share"]),
                            fractions=int(x["fractions"]),
                            first_minutes=int(x["first_minutes"]),
                            minutes=int(x["minutes"]),
                            value=float(x.get("value", 0.0)),
                        )
                        for x in p["mix"]
                    ),
                    latest_start_days=int(p.get("latest_start_days", 42)),
                    lead_days=int(p.get("lead_days", 14)),
                    weight=float(p.get("weight", 1.0)),
                )
                for p in data.get("partners", [])
            ),
            holidays=tuple(_date(h) for h in data.get("holidays", [])),
            **optional,
        )


def _course_problems(path: str, fractions: int, first: int, minutes: int, horizon: int) -> list[str]:
    out = []
    if fractions < 1 or first < 0 or minutes < 0:
        out.append(f"{path}: fractions ≥ 1 and minutes ≥ 0")
    if fractions > horizon:
        out.append(f"{path}.fractions: {fractions} fractions cannot fit in a planning horizon of {horizon} days")
    return out


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# -------------------------------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a two-sided 95 % Student t confidence interval."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> dict[str, float]:
        return {"mean": _round(self.mean), "ci_low": _round(self.ci_low), "ci_high": _round(self.ci_high)}


@dataclass(frozen=True)
class ReplicationResult:
    level: int
    replication: int
    waits: tuple[int, ...]  # domestic waits (start − ready, days) of courses started after the warm-up
    p95_wait: float
    mean_wait: float
    foreign_offered: int  # requests arriving after the warm-up
    foreign_admitted: int  # foreign courses started after the warm-up
    foreign_lost: int  # requests rejected or expired after the warm-up
    offered_per_month: float
    admitted_per_month: float
    utilisation: float  # minutes used ÷ capacity after the warm-up, all machines of the kind
    foreign_utilisation: float  # the foreign part of it
    domestic_backlog: float  # mean number of domestic courses known but not started, after the warm-up
    admitted_by_month: Mapping[str, int]  # "YYYY-MM" → foreign courses started (after the warm-up)
    # urgency "1".."3" → its domestic waits and how many started later than the urgency's target
    by_urgency: Mapping[str, UrgencyWaits] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "replication": self.replication,
            "domestic_started": len(self.waits),
            "p95_wait": self.p95_wait,
            "mean_wait": _round(self.mean_wait),
            "foreign_offered": self.foreign_offered,
            "foreign_admitted": self.foreign_admitted,
            "foreign_lost": self.foreign_lost,
            "offered_per_month": _round(self.offered_per_month),
            "admitted_per_month": _round(self.admitted_per_month),
            "utilisation": _round(self.utilisation, 4),
            "foreign_utilisation": _round(self.foreign_utilisation, 4),
            "domestic_backlog": _round(self.domestic_backlog),
            "admitted_by_month": dict(self.admitted_by_month),
            "by_urgency": {u: w.to_dict() for u, w in self.by_urgency.items()},
        }


@dataclass(frozen=True)
class UrgencyWaits:
    """The domestic courses of one urgency started in one run (after the warm-up)."""

    waits: tuple[int, ...]
    target: int

    @property
    def over_target(self) -> int:
        return sum(1 for w in self.waits if w > self.target)

    def to_dict(self) -> dict[str, Any]:
        return {
            "started": len(self.waits),
            "wait_days_mean": _round(statistics.fmean(self.waits)) if self.waits else 0,
            "wait_days_p95": percentile(list(self.waits), 95),
            "wait_days_max": max(self.waits, default=0),
            "over_target": self.over_target,
            "target_days": self.target,
        }


@dataclass(frozen=True)
class MonthOffer:
    """Foreign courses started in one calendar month (only days after the warm-up count: `days` of `month_days`)."""

    month: str  # "YYYY-MM"
    days: int
    month_days: int
    admitted: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "days": self.days,
            "month_days": self.month_days,
            "admitted_mean": _round(self.admitted.mean),
            "admitted_ci_low": _round(self.admitted.ci_low),
            "admitted_ci_high": _round(self.admitted.ci_high),
        }


@dataclass(frozen=True)
class LevelResult:
    level: int  # foreign requests per month offered to the scheduler
    p95_wait: Estimate  # domestic p95 wait (days)
    p95_difference: Estimate  # paired with level 0, replication by replication
    passes: bool  # p95_difference.ci_high ≤ tolerance
    mean_wait: Estimate
    offered_per_month: Estimate
    admitted_per_month: Estimate
    utilisation: Estimate
    foreign_utilisation: Estimate
    domestic_backlog: Estimate
    by_month: tuple[MonthOffer, ...]
    replications: tuple[ReplicationResult, ...]

    def by_urgency(self) -> dict[str, dict[str, Any]]:
        """Per urgency, the mean over replications of each run's mean, p95 and longest wait and of its courses
        over target (with the 95 % interval of the p95)."""
        out: dict[str, dict[str, Any]] = {}
        for u in (str(u) for u in URGENCIES):
            runs = [r.by_urgency[u].to_dict() for r in self.replications if u in r.by_urgency]
            if not runs:
                continue
            p95 = mean_ci([float(r["wait_days_p95"]) for r in runs], floor=0)
            out[u] = {
                "started": _round(statistics.fmean(r["started"] for r in runs)),
                "wait_days_mean": _round(statistics.fmean(r["wait_days_mean"] for r in runs)),
                "wait_days_p95": _round(p95.mean),
                "wait_days_p95_ci_high": _round(p95.ci_high),
                "wait_days_max": _round(statistics.fmean(r["wait_days_max"] for r in runs)),
                "over_target": _round(statistics.fmean(r["over_target"] for r in runs)),
                "target_days": runs[0]["target_days"],
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "p95_mean": _round(self.p95_wait.mean),
            "p95_ci_low": _round(self.p95_wait.ci_low),
            "p95_ci_high": _round(self.p95_wait.ci_high),
            "p95_difference": self.p95_difference.to_dict(),
            "passes": self.passes,
            "mean_wait": self.mean_wait.to_dict(),
            "offered_per_month": self.offered_per_month.to_dict(),
            "admitted_per_month": self.admitted_per_month.to_dict(),
            "utilisation": self.utilisation.to_dict(),
            "foreign_utilisation": self.foreign_utilisation.to_dict(),
            "domestic_backlog": self.domestic_backlog.to_dict(),
            "by_month": [m.to_dict() for m in self.by_month],
            "by_urgency": self.by_urgency(),
            "replications": [r.to_dict() for r in self.replications],
        }


@dataclass(frozen=True)
class SimulationResult:
    kind: str
    machines: tuple[str, ...]
    start_date: dt.date
    weeks: int
    warmup_weeks: int
    replications: int
    solver: str
    seed: int
    tolerance_days: float
    levels: tuple[LevelResult, ...]
    baseline_p95: Estimate  # domestic p95 wait without foreign courses (level 0)
    recommended_level: int
    offer_per_month: Estimate  # foreign courses started per month at the recommended level
    offer_by_month: tuple[MonthOffer, ...]  # the same per calendar month
    seconds: float = field(compare=False)  # wall-clock time of the whole simulation

    def level(self, level: int) -> LevelResult:
        return next(row for row in self.levels if row.level == level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "machines": list(self.machines),
            "start_date": self.start_date.isoformat(),
            "weeks": self.weeks,
            "warmup_weeks": self.warmup_weeks,
            "replications": self.replications,
            "solver": self.solver,
            "seed": self.seed,
            "tolerance_days": self.tolerance_days,
            "baseline_p95": self.baseline_p95.to_dict(),
            "recommended_level": self.recommended_level,
            "offer_per_month": self.offer_per_month.to_dict(),
            "offer_by_month": [m.to_dict() for m in self.offer_by_month],
            "levels": [row.to_dict() for row in self.levels],
            "seconds": round(self.seconds, 2),
        }


# ---------------------------------------------------------------------------------------------- statistics


def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (the two-sided 95 % interval's)."""
    if df < 1:
        raise ValueError("at least one degree of freedom")
    return float(student_t.ppf(0.975, df))


def mean_ci(values: Sequence[float], floor: float | None = None) -> Estimate:
    """Mean and 95 % confidence interval (Student t) of independent replications. For a quantity that cannot be
    negative (waits, counts, shares) pass `floor=0`: the interval is cut there instead of reaching below it."""
    if len(values) < 2:
        raise ValueError("a confidence interval needs at least two values")
    mean = statistics.fmean(values)
    half = t_quantile(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    low = mean - half if floor is None else max(floor, mean - half)
    return Estimate(mean, low, mean + half, len(values))


def percentile(values: Sequence[int], p: float) -> int:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def estimate_rates(
    history: Iterable[tuple[str, int, dt.date]], weeks: float, end: dt.date | None = None
) -> dict[str, dict[int, float]]:
    """Weekly Poisson rates per protocol and urgency from booked courses `(protocol, urgency, ready_date)`:
    the maximum-likelihood estimate, count ÷ weeks. With `end`, only courses ready in the `weeks` weeks before
    `end` (exclusive) count. Every urgency 1..3 of a protocol seen appears (0.0 when it never occurred)."""
    if weeks <= 0:
        raise ValueError("weeks must be positive")
    since = end - dt.timedelta(days=7 * weeks) if end is not None else None
    counts: Counter[tuple[str, int]] = Counter()
    protocols: list[str] = []
    for protocol, urgency, ready in history:
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be 1, 2 or 3, got {urgency!r}")
        if end is not None and since is not None and not since <= ready < end:
            continue
        if protocol not in protocols:
            protocols.append(protocol)
        counts[(protocol, urgency)] += 1
    return {p: {u: counts[(p, u)] / weeks for u in URGENCIES} for p in protocols}


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
        planned = {a["course"]: a for a in plan["assignments"]}
        self._check_fixed(today, end, planned)

        waiting: list[_Course] = []
        for c in self.waiting:
            a = planned.get(c.id)
            if a is not None and s.day_of[a["start_date"]] < commit_until:
                self._commit(c, a)
            else:
                waiting.append(c)
        self.waiting = waiting

        next_month = (s.dates[today].replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        pending: list[_Course] = []
        for c in self.pending:
            a = planned.get(c.id)
            if a is not None:
                if s.day_of[a["start_date"]] < commit_until:
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

    def _commit(self, c: _Course, assignment: Mapping[str, Any]) -> None:
        """Start `c` as planned: it becomes a course under way on that machine and those dates."""
        s = self.setup
        c.machine = s.machine_ids.index(assignment["machine"])
        c.dates = tuple(s.day_of[d] for d in assignment["dates"])
        used = self.used_foreign if c.foreign else self.used_domestic
        for i, d in enumerate(c.dates):
            if d < s.days:
                used[c.machine][d] += c.load(i)
        self.active.append(c)
        self.due.setdefault(c.dates[0], []).append(c)
        if c.foreign:
            self.quota_used[(c.partner, s.month(c.dates[0]))] += 1

    def _check_fixed(self, today: int, end: int, planned: Mapping[str, Mapping[str, Any]]) -> None:
        """Courses under way must go on exactly as booked; anything else is a bug of this model."""
        s = self.setup
        for c in self.active:
            if c.foreign:
                continue
            booked = [s.iso[d] for d in c.dates if today <= d < end]
            got = planned.get(c.id)
            if got is None or got["dates"] != booked or got["machine"] != s.machine_ids[c.machine]:
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


# --------------------------------------------------------------------------------------------- experiment


def simulate(config: SimulationConfig, progress: Progress | None = None) -> SimulationResult:
    """Every tested level × every replication; `progress(fraction_done, message)` after each run."""
    began = time.perf_counter()
    setup = _Setup(config)
    levels = config.tested_levels
    total = len(levels) * config.replications
    runs: dict[int, list[ReplicationResult]] = {level: [] for level in levels}
    done = 0
    for r in range(config.replications):  # replication-major: a partial run holds complete pairs
        for level in levels:
            runs[level].append(_run(setup, level, r))
            done += 1
            if progress is not None:
                progress(done / total, f"replication {r + 1}/{config.replications}, {level} foreign requests/month")

    baseline = runs[0]
    months = _months(setup)
    rows: list[LevelResult] = []
    for level in levels:
        reps = runs[level]
        difference = mean_ci([a.p95_wait - b.p95_wait for a, b in zip(reps, baseline, strict=True)])
        rows.append(
            LevelResult(
                level=level,
                p95_wait=mean_ci([x.p95_wait for x in reps], floor=0),
                p95_difference=difference,
                passes=difference.ci_high <= config.tolerance_days + 1e-9,
                mean_wait=mean_ci([x.mean_wait for x in reps], floor=0),
                offered_per_month=mean_ci([x.offered_per_month for x in reps], floor=0),
                admitted_per_month=mean_ci([x.admitted_per_month for x in reps], floor=0),
                utilisation=mean_ci([x.utilisation for x in reps], floor=0),
                foreign_utilisation=mean_ci([x.foreign_utilisation for x in reps], floor=0),
                domestic_backlog=mean_ci([x.domestic_backlog for x in reps], floor=0),
                by_month=tuple(
                    MonthOffer(
                        month, days, month_days, mean_ci([x.admitted_by_month.get(month, 0) for x in reps], floor=0)
                    )
                    for month, days, month_days in months
                ),
                replications=tuple(reps),
            )
        )
    recommended = rows[0]
    for row in rows:  # step-down: stop at the first level that lengthens domestic waits
        if not row.passes:
            break
        if row.admitted_per_month.mean > 0:  # a level at which nothing gets in offers nothing
            recommended = row
    return SimulationResult(
        kind=config.kind,
        machines=tuple(setup.machine_ids),
        start_date=config.start_date,
        weeks=config.weeks,
        warmup_weeks=config.warmup_weeks,
        replications=config.replications,
        solver=config.solver,
        seed=config.seed,
        tolerance_days=config.tolerance_days,
        levels=tuple(rows),
        baseline_p95=rows[0].p95_wait,
        recommended_level=recommended.level,
        offer_per_month=recommended.admitted_per_month,
        offer_by_month=recommended.by_month,
        seconds=time.perf_counter() - began,
    )


def _months(setup: _Setup) -> list[tuple[str, int, int]]:
    """(month, measured days in it, days of the month) for every calendar month after the warm-up."""
    counts: Counter[str] = Counter(setup.month(d) for d in range(setup.warmup, setup.days))
    out = []
    for month in sorted(counts):
        first = dt.date.fromisoformat(f"{month}-01")
        following = (first + dt.timedelta(days=32)).replace(day=1)
        out.append((month, counts[month], (following - first).days))
    return out


def _round(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


__all__ = [
    "DomesticStream",
    "Estimate",
    "ForeignPartner",
    "ForeignProtocol",
    "LevelResult",
    "MonthOffer",
    "ReplicationResult",
    "SimulationConfig",
    "SimulationResult",
    "estimate_rates",
    "mean_ci",
    "percentile",
    "run_replication",
    "simulate",
    "t_quantile",
]
