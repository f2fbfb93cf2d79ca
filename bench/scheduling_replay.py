"""Benchmark: the rolling replay (contract v2) on generated radiotherapy departments at three load levels.

    python -m bench.scheduling_replay                   # loads 0.6, 0.85 and 1.0; writes bench/results/scheduling_replay.json
    python -m bench.scheduling_replay --loads 0.85      # one load only

Each department (`onconet schedule-generate department`: 10 linacs of two kinds, 26 weeks, Poisson arrivals on working
days, palliative 1–5 and radical 15–35 fractions, downtime, holidays, foreign requests) is replayed week by week
(step 7, lead 7) in four variants, each in a fresh process:

- `cpsat`: the contract's solver with a forecast estimated from the last 8 weeks, with and without foreign courses;
- `cpsat, no forecast`: foreign courses admitted into what the known domestic courses leave (as in version 1);
- `fcfs`: greedy, first come, first served, without foreign courses (the department without software);
- `cpsat v1`: version 1's objective (weighted wait only), without foreign courses ("today's cpsat").

Time limits are CP-SAT deterministic seconds per epoch; every epoch's plan is checked by the independent verifier.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOADS = (0.6, 0.85, 1.0)
CONGESTED = (0.85, 1.0)
MACHINES, WEEKS = 10, 26
TIME_LIMIT = 3.0
EPOCH_TARGET_SECONDS = 10.0
# variant: (solver, runs with foreign / without, forecast weeks, objective)
VARIANTS: dict[str, tuple[str, tuple[bool, ...], int, str]] = {
    "cpsat": ("cpsat", (True, False), 8, "targets"),
    "cpsat, no forecast": ("cpsat", (True,), 0, "targets"),
    "fcfs": ("greedy", (False,), 0, "targets"),
    "cpsat v1": ("cpsat", (False,), 0, "weighted-wait"),
}


def child(load: float, variant: str, time_limit: float, seed: int) -> dict[str, Any]:
    from onconet.scheduling.solver.generate import generate_department
    from onconet.scheduling.solver.replay import replay

    solver, runs, weeks, objective = VARIANTS[variant]
    doc = generate_department(MACHINES, WEEKS, load, seed=seed)
    stats: dict[str, list[float]] = {}
    began = time.perf_counter()
    report = replay(
        doc,
        solver=solver,
        time_limit=time_limit,
        forecast_weeks=weeks,
        seed=seed,
        runs=runs,
        objective=objective,
        stats=stats,
    )
    walls = [w for values in stats.values() for w in values]
    return {
        "load": load,
        "variant": variant,
        "courses": len(doc["courses"]),
        "domestic_courses": sum(1 for c in doc["courses"] if c["origin"] == "domestic"),
        "replay_seconds": round(time.perf_counter() - began, 1),
        "epoch_wall_mean": round(sum(walls) / len(walls), 2) if walls else 0,
        "epoch_wall_max": round(max(walls, default=0), 2),
        "report": report,
    }


def _spawn(load: float, variant: str, time_limit: float, seed: int) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.scheduling_replay", "--child", str(load), variant, str(time_limit), str(seed)]
    output = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=7200)
    if output.returncode != 0:
        raise RuntimeError(f"{' '.join(args[1:])} failed:\n{output.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    print(
        f"replay load {load} {variant}: {result['replay_seconds']} s, epoch wall mean {result['epoch_wall_mean']} s, "
        f"max {result['epoch_wall_max']} s, {len(result['report']['failed_epochs'])} failed epochs",
        flush=True,
    )
    return result


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's replay targets, each with the measured value and whether it is met."""
    out: list[dict[str, Any]] = []
    by = {(r["load"], r["variant"]): r["report"] for r in results}

    def add(target: str, value: Any, met: bool) -> None:
        out.append({"target": target, "value": value, "met": met})

    for r in results:
        add(
            f"load {r['load']} {r['variant']}: every epoch verified, none failed",
            len(r["report"]["failed_epochs"]),
            not r["report"]["failed_epochs"],
        )
        if r["variant"] == "cpsat":
            add(
                f"load {r['load']}: one replay epoch ≤ {EPOCH_TARGET_SECONDS:g} s wall ({r['domestic_courses']:,} "
                "domestic courses)",
                r["epoch_wall_max"],
                r["epoch_wall_max"] <= EPOCH_TARGET_SECONDS,
            )
    for load in CONGESTED:
        if not all((load, v) in by for v in VARIANTS):
            continue
        ours = by[(load, "cpsat")]["runs"]
        alone, mixed = ours["domestic_only"], ours["with_foreign"]
        fcfs = by[(load, "fcfs")]["runs"]["domestic_only"]
        v1 = by[(load, "cpsat v1")]["runs"]["domestic_only"]
        blind = by[(load, "cpsat, no forecast")]["runs"]["with_foreign"]
        best = min(fcfs["over_target"], v1["over_target"])
        add(
            f"load {load}: courses over target ≤ half the better of cpsat v1 and FCFS",
            f"{alone['over_target']} vs {v1['over_target']} / {fcfs['over_target']}",
            alone["over_target"] <= best / 2,
        )
        for u in ("1", "2", "3"):
            add(
                f"load {load}: urgency {u} longest wait ≤ FCFS's",
                f"{alone['by_urgency'][u]['wait_days_max']} vs {fcfs['by_urgency'][u]['wait_days_max']}",
                alone["by_urgency"][u]["wait_days_max"] <= fcfs["by_urgency"][u]["wait_days_max"],
            )
        for name in ("days_over_target", "weighted_wait"):
            add(
                f"load {load}: {name.replace('_', ' ')} with foreign patients ≤ +0.5 % of domestic only",
                f"{mixed[name]} vs {alone[name]}",
                mixed[name] <= alone[name] * 1.005,
            )
        for u in ("1", "2", "3"):
            add(
                f"load {load}: urgency {u} p95 wait with foreign patients ≤ domestic only",
                f"{mixed['by_urgency'][u]['wait_days_p95']} vs {alone['by_urgency'][u]['wait_days_p95']}",
                mixed["by_urgency"][u]["wait_days_p95"] <= alone["by_urgency"][u]["wait_days_p95"],
            )
        value, without = mixed["foreign"]["value"], blind["foreign"]["value"]
        add(
            f"load {load}: foreign value with a forecast ≥ 70 % of without one",
            f"{value:,} vs {without:,} ({value / without:.0%})" if without else f"{value:,} vs 0",
            value >= 0.7 * without,
        )
    return out


def markdown(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> str:
    lines = [
        "| load | variant | run | weighted wait | days over target | over target | max wait u1/u2/u3 "
        "| p95 wait u1/u2/u3 | later with foreign | foreign admitted | foreign value | epoch wall mean / max, s "
        "| CP-SAT det. s | failed epochs |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        report = r["report"]
        for name, run in report["runs"].items():
            by = run["by_urgency"]
            later = (
                f"{report['comparison']['started_later_with_foreign']} (≤ {report['comparison']['largest_delay_days']} d)"
                if name == "with_foreign" and "comparison" in report
                else "—"
            )
            lines.append(
                f"| {r['load']} | {r['variant']} | {name.replace('_', ' ')} | {run['weighted_wait']:,} "
                f"| {run['days_over_target']:,} | {run['over_target']} "
                f"| {'/'.join(str(by[u]['wait_days_max']) for u in '123')} "
                f"| {'/'.join(str(by[u]['wait_days_p95']) for u in '123')} | {later} "
                f"| {run['foreign']['admitted']} | {run['foreign']['value']:,} "
                f"| {r['epoch_wall_mean']} / {r['epoch_wall_max']} | {run['deterministic_seconds']} "
                f"| {len(run['failed_epochs'])} |"
            )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {c['target']} | {c['value']} | {'yes' if c['met'] else '**no**'} |" for c in checks]
    return "\n".join(lines)


def main(
    loads: tuple[float, ...] = LOADS,
    seed: int = 0,
    time_limit: float = TIME_LIMIT,
    jobs: int = 1,
    machine: dict[str, Any] | None = None,
) -> dict[str, Any]:
    began = time.perf_counter()
    tasks = [(load, variant) for load in loads for variant in VARIANTS]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda t: _spawn(t[0], t[1], time_limit, seed), tasks))
    checks = targets(results)
    document = {
        "machine": machine
        or {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "machines": MACHINES,
        "weeks": WEEKS,
        "time_limit": time_limit,
        "total_seconds": round(time.perf_counter() - began, 1),
        "results": results,
        "targets": checks,
        "all_targets_met": all(c["met"] for c in checks),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scheduling_replay.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return document


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.scheduling_replay", description=__doc__.splitlines()[0])
    parser.add_argument("--loads", nargs="+", type=float, default=list(LOADS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    parser.add_argument("--jobs", type=int, default=1, help="replays run side by side (default %(default)s)")
    parser.add_argument("--child", nargs=4, metavar=("LOAD", "VARIANT", "TIME_LIMIT", "SEED"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        load, variant, limit, child_seed = options.child
        print(json.dumps(child(float(load), variant, float(limit), int(child_seed))))
    else:
        doc = main(tuple(options.loads), options.seed, options.time_limit, options.jobs)
        print()
        print(markdown(doc["results"], doc["targets"]))
        print(f"\nreplay benchmark: {doc['total_seconds']} s in total")
