"""The solver's result, typed: `solve()` returns a `Plan`; `Plan.as_document()` is the contract's plan JSON.

The dataclasses mirror `docs/contracts/scheduling.md` § Plan field for field, so code that reads a result (the
planner's diff, the replay, the simulation, the CLI) names what it reads, and the one place that writes the contract's
document is `as_document`. `Plan.from_document` reads a stored or submitted plan back (the planner keeps plans as
JSON); it checks the shape it reads and raises `ValueError` naming the first field that is missing or wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .instance import PLAN_FORMAT

Number = int | float


@dataclass(frozen=True)
class Assignment:
    """A course on a machine: its first day and every treatment day (the first included)."""

    course: str
    machine: str
    start_date: dt.date
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class Rejection:
    """A course the plan does not schedule, and why in words a coordinator can act on."""

    course: str
    reason: str


@dataclass(frozen=True)
class UrgencyMetrics:
    scheduled: int
    wait_days_mean: Number
    wait_days_p95: int
    wait_days_max: int
    over_target: int


@dataclass(frozen=True)
class DomesticMetrics:
    scheduled: int
    unscheduled: int
    wait_days_mean: Number
    wait_days_p50: int
    wait_days_p95: int
    weighted_wait: int
    days_over_target: int
    by_urgency: Mapping[int, UrgencyMetrics]


@dataclass(frozen=True)
class ForeignMetrics:
    admitted: int
    rejected: int
    value: Number


@dataclass(frozen=True)
class Metrics:
    domestic: DomesticMetrics
    foreign: ForeignMetrics
    utilization: Mapping[str, float]
    solve_seconds: float


@dataclass(frozen=True)
class Guarantee:
    """The domestic-first check: every domestic course starts no later than in the domestic-only plan."""

    domestic_only_weighted_wait: int
    domestic_weighted_wait: int
    later_than_domestic_only: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return not self.later_than_domestic_only


@dataclass(frozen=True)
class Plan:
    solver: str
    status: str
    assignments: tuple[Assignment, ...]
    rejected: tuple[Rejection, ...]
    metrics: Metrics
    guarantee: Guarantee
    format: str = PLAN_FORMAT

    def assignment_of(self) -> dict[str, Assignment]:
        """Assignments by course id."""
        return {a.course: a for a in self.assignments}

    def as_document(self) -> dict[str, Any]:
        """The contract's plan JSON (key order as in the contract, dates as ISO strings)."""
        d, f = self.metrics.domestic, self.metrics.foreign
        return {
            "format": self.format,
            "solver": self.solver,
            "status": self.status,
            "assignments": [
                {
                    "course": a.course,
                    "machine": a.machine,
                    "start_date": a.start_date.isoformat(),
                    "dates": [day.isoformat() for day in a.dates],
                }
                for a in self.assignments
            ],
            "rejected": [{"course": r.course, "reason": r.reason} for r in self.rejected],
            "metrics": {
                "domestic": {
                    "scheduled": d.scheduled,
                    "unscheduled": d.unscheduled,
                    "wait_days_mean": d.wait_days_mean,
                    "wait_days_p50": d.wait_days_p50,
                    "wait_days_p95": d.wait_days_p95,
                    "weighted_wait": d.weighted_wait,
                    "days_over_target": d.days_over_target,
                    "by_urgency": {
                        str(u): {
                            "scheduled": m.scheduled,
                            "wait_days_mean": m.wait_days_mean,
                            "wait_days_p95": m.wait_days_p95,
                            "wait_days_max": m.wait_days_max,
                            "over_target": m.over_target,
                        }
                        for u, m in d.by_urgency.items()
                    },
                },
                "foreign": {"admitted": f.admitted, "rejected": f.rejected, "value": f.value},
                "utilization": dict(self.metrics.utilization),
                "solve_seconds": self.metrics.solve_seconds,
            },
            "guarantee": {
                "domestic_only_weighted_wait": self.guarantee.domestic_only_weighted_wait,
                "domestic_weighted_wait": self.guarantee.domestic_weighted_wait,
                "later_than_domestic_only": list(self.guarantee.later_than_domestic_only),
                "holds": self.guarantee.holds,
            },
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Plan:
        """The plan of a contract document (as `as_document` writes it); `ValueError` names what is wrong."""
        path = "plan"
        try:
            path = "assignments"
            assignments = tuple(
                Assignment(
                    course=str(a["course"]),
                    machine=str(a["machine"]),
                    start_date=dt.date.fromisoformat(a["start_date"]),
                    dates=tuple(dt.date.fromisoformat(day) for day in a["dates"]),
                )
                for a in document["assignments"]
            )
            path = "rejected"
            rejected = tuple(Rejection(course=str(r["course"]), reason=str(r["reason"])) for r in document["rejected"])
            path = "metrics.domestic"
            d = document["metrics"]["domestic"]
            domestic = DomesticMetrics(
                scheduled=int(d["scheduled"]),
                unscheduled=int(d["unscheduled"]),
                wait_days_mean=d["wait_days_mean"],
                wait_days_p50=int(d["wait_days_p50"]),
                wait_days_p95=int(d["wait_days_p95"]),
                weighted_wait=int(d["weighted_wait"]),
                days_over_target=int(d["days_over_target"]),
                by_urgency={int(u): UrgencyMetrics(**m) for u, m in d["by_urgency"].items()},
            )
            path = "metrics.foreign"
            f = document["metrics"]["foreign"]
            foreign = ForeignMetrics(admitted=int(f["admitted"]), rejected=int(f["rejected"]), value=f["value"])
            path = "metrics"
            metrics = Metrics(
                domestic=domestic,
                foreign=foreign,
                utilization={str(k): float(v) for k, v in document["metrics"]["utilization"].items()},
                solve_seconds=document["metrics"]["solve_seconds"],
            )
            path = "guarantee"
            g = document["guarantee"]
            guarantee = Guarantee(
                domestic_only_weighted_wait=int(g["domestic_only_weighted_wait"]),
                domestic_weighted_wait=int(g["domestic_weighted_wait"]),
                later_than_domestic_only=tuple(str(c) for c in g["later_than_domestic_only"]),
            )
            path = "status"
            return cls(
                solver=str(document["solver"]),
                status=str(document["status"]),
                assignments=assignments,
                rejected=rejected,
                metrics=metrics,
                guarantee=guarantee,
                format=str(document["format"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a plan document: {path}: {exc!r}") from exc
