"""The experiment: every level and replication, paired against level 0, and the recommended offer."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from onconet.scheduling.simulation.config import Progress, SimulationConfig
from onconet.scheduling.simulation.model import _run, _Setup
from onconet.scheduling.simulation.results import LevelResult, MonthOffer, ReplicationResult, SimulationResult
from onconet.scheduling.simulation.statistics import mean_ci

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
