"""What a simulation is asked: the calendar, the domestic streams, the foreign partners and the levels to test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from onconet.scheduling.solver.instance import MAX_DAYS

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
