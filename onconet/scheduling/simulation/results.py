"""What a simulation answers: estimates, per-replication and per-level results, waits per urgency, the monthly offer."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from onconet.scheduling.simulation.config import URGENCIES
from onconet.scheduling.simulation.statistics import Estimate, _round, mean_ci, percentile

# -------------------------------------------------------------------------------------------------- output


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
