"""Benchmark: the capacity scheduler on the generated instances S, M and L, CP-SAT and greedy side by side.

    python -m bench.scheduling                 # every size and solver, then the rolling replay (bench.scheduling_replay);
                                               # writes bench/results/scheduling.json and scheduling_replay.json
    python -m bench.scheduling --sizes S M     # some sizes only
    python -m bench.scheduling --no-replay     # without the replay

Each solve runs in a fresh process, so that its peak resident memory is its own. The child also solves the
instance with its foreign courses not under way removed (the reference of the domestic-first guarantee) and runs the
independent verifier against it; that second solve is timed apart and is not part of the reported solve times.
Time limits are CP-SAT deterministic seconds (the plan is reproducible); greedy ignores them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Deterministic seconds per size, chosen so that the complete cpsat solve meets the wall-clock targets below on the
# 2-core machine (CP-SAT's deterministic time is reported beside the wall time).
TIME_LIMITS = {"S": 5.0, "M": 3.0, "L": 12.0}
SOLVERS = ("cpsat", "greedy")
# The targets (v2): wall-clock seconds of the complete cpsat solve.
WALL_TARGETS = {"M": 10.0, "L": 60.0}


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kilobytes on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def child(size: str, solver: str, time_limit: float, seed: int) -> dict[str, Any]:
    """One solve, in this (fresh) process; returns its measurements."""
    from onconet.scheduling.solver import parse_instance, solve, verify
    from onconet.scheduling.solver.generate import generate

    doc = generate(size, seed=seed)
    began = time.perf_counter()
    instance = parse_instance(doc)
    parse_seconds = time.perf_counter() - began
    stats: dict[str, float] = {}
    plan = solve(instance, solver, time_limit, seed, stats=stats)
    peak = _peak_rss_mib()  # before the reference solve, so that it is the peak of this solve alone

    domestic_doc = {**doc, "courses": [c for c in doc["courses"] if c["origin"] == "domestic" or c.get("fixed")]}
    began = time.perf_counter()
    reference = solve(parse_instance(domestic_doc), solver, time_limit, seed)
    reference_seconds = time.perf_counter() - began
    began = time.perf_counter()
    violations = verify(doc, plan, reference)
    verify_seconds = time.perf_counter() - began

    metrics = plan.metrics
    domestic = metrics.domestic
    utilization = list(metrics.utilization.values())
    return {
        "size": size,
        "solver": solver,
        "seed": seed,
        "time_limit": time_limit,
        "machines": len(doc["machines"]),
        "courses": len(doc["courses"]),
        "foreign_courses": len(doc["courses"]) - len(domestic_doc["courses"]),
        "days": doc["days"],
        "status": plan.status,
        "parse_seconds": round(parse_seconds, 3),
        "first_feasible_seconds": round(stats["first_feasible_seconds"], 3),
        "wall_seconds": round(stats["wall_seconds"], 3),
        "deterministic_seconds": metrics.solve_seconds,
        "domestic_scheduled": domestic.scheduled,
        "domestic_unscheduled": domestic.unscheduled,
        "weighted_wait": domestic.weighted_wait,
        "days_over_target": domestic.days_over_target,
        "over_target": sum(u.over_target for u in domestic.by_urgency.values()),
        "wait_days_mean": domestic.wait_days_mean,
        "wait_days_p95": domestic.wait_days_p95,
        "foreign_admitted": metrics.foreign.admitted,
        "foreign_rejected": metrics.foreign.rejected,
        "foreign_value": metrics.foreign.value,
        "utilization_mean": round(sum(utilization) / len(utilization), 4) if utilization else 0.0,
        "peak_rss_mib": peak,
        "reference_seconds": round(reference_seconds, 3),
        "reference_weighted_wait": reference.metrics.domestic.weighted_wait,
        "verify_seconds": round(verify_seconds, 3),
        "violations": len(violations),
        "violations_sample": violations[:5],
    }


def _spawn(size: str, solver: str, time_limit: float, seed: int) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.scheduling", "--child", size, solver, str(time_limit), str(seed)]
    began = time.perf_counter()
    output = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600 + 20 * time_limit)
    if output.returncode != 0:
        raise RuntimeError(f"{' '.join(args[1:])} failed:\n{output.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - began, 3)
    return result


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met."""
    out: list[dict[str, Any]] = []
    by_key = {(r["size"], r["solver"]): r for r in results}
    for r in results:
        limit = WALL_TARGETS.get(r["size"])
        if limit is not None and r["solver"] == "cpsat":
            out.append(
                {
                    "target": f"{r['size']} cpsat: the complete solve in ≤ {limit:g} s wall",
                    "value": f"{r['wall_seconds']} s (CP-SAT {r['deterministic_seconds']} det. s)",
                    "met": r["wall_seconds"] <= limit and r["status"] != "infeasible",
                }
            )
        out.append(
            {
                "target": f"{r['size']} {r['solver']}: verifier finds no violation (guarantee against the reference)",
                "value": r["violations"],
                "met": r["violations"] == 0,
            }
        )
    for size in dict.fromkeys(r["size"] for r in results):
        cpsat, greedy = by_key.get((size, "cpsat")), by_key.get((size, "greedy"))
        if cpsat is None or greedy is None:
            continue
        out.append(
            {
                "target": f"{size}: cpsat domestic (days over target, weighted wait) ≤ greedy's",
                "value": f"({cpsat['days_over_target']}, {cpsat['weighted_wait']}) vs "
                f"({greedy['days_over_target']}, {greedy['weighted_wait']})",
                "met": (cpsat["days_over_target"], cpsat["weighted_wait"])
                <= (greedy["days_over_target"], greedy["weighted_wait"]),
            }
        )
        out.append(
            {
                "target": f"{size}: cpsat foreign value ≥ greedy's",
                "value": f"{cpsat['foreign_value']} vs {greedy['foreign_value']}",
                "met": cpsat["foreign_value"] >= greedy["foreign_value"],
            }
        )
    return out


def run(sizes: list[str], seed: int = 0) -> list[dict[str, Any]]:
    results = []
    for size in sizes:
        for solver in SOLVERS:
            result = _spawn(size, solver, TIME_LIMITS[size], seed)
            print(
                f"scheduling {size} {solver}: {result['status']}, first feasible {result['first_feasible_seconds']} s, "
                f"wall {result['wall_seconds']} s, {result['violations']} violations",
                flush=True,
            )
            results.append(result)
    return results


def markdown(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> str:
    def limit(r: dict[str, Any]) -> str:
        return f"{r['time_limit']:g}" if r["solver"] == "cpsat" else "—"  # greedy has no time limit

    lines = [
        "| size | solver | limit, det. s | status | first feasible, s | solve wall, s | CP-SAT det. s "
        "| domestic scheduled / unscheduled | days over target | over target | weighted wait | p95 wait, days "
        "| foreign admitted | foreign value | mean utilisation | peak RSS, MiB | violations |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']} | {r['solver']} | {limit(r)} | {r['status']} | {r['first_feasible_seconds']} "
            f"| {r['wall_seconds']} | {r['deterministic_seconds']} "
            f"| {r['domestic_scheduled']:,} / {r['domestic_unscheduled']:,} | {r['days_over_target']:,} "
            f"| {r['over_target']:,} | {r['weighted_wait']:,} "
            f"| {r['wait_days_p95']} | {r['foreign_admitted']:,} | {r['foreign_value']:,} "
            f"| {r['utilization_mean']:.1%} | {r['peak_rss_mib']} | {r['violations']} |"
        )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {c['target']} | {c['value']} | {'yes' if c['met'] else '**no**'} |" for c in checks]
    return "\n".join(lines)


def main(
    sizes: list[str] | None = None, seed: int = 0, machine: dict[str, Any] | None = None, replay: bool = True
) -> dict[str, Any]:
    """Run the benchmark (and the replay benchmark), write bench/results/scheduling.json and return its document;
    the replay's targets join this document's, and its table is printed here."""
    began = time.perf_counter()
    results = run(sizes or list(TIME_LIMITS), seed)
    checks = targets(results)
    if replay:
        from bench import scheduling_replay

        replayed = scheduling_replay.main(seed=seed, machine=machine)
        print("\n" + scheduling_replay.markdown(replayed["results"], replayed["targets"]), flush=True)
        checks += replayed["targets"]
    document = {
        "machine": machine
        or {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "time_limits": TIME_LIMITS,
        "total_seconds": round(time.perf_counter() - began, 1),
        "results": results,
        "targets": checks,
        "all_targets_met": all(c["met"] for c in checks),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scheduling.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return document


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m bench.scheduling", description="The scheduling benchmark: sizes S, M and L, cpsat and greedy."
    )
    parser.add_argument("--sizes", nargs="+", choices=list(TIME_LIMITS), default=list(TIME_LIMITS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-replay", action="store_true", help="skip the rolling replay (bench.scheduling_replay)")
    parser.add_argument("--child", nargs=4, metavar=("SIZE", "SOLVER", "TIME_LIMIT", "SEED"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        size, solver, limit, child_seed = options.child
        print(json.dumps(child(size, solver, float(limit), int(child_seed))))
    else:
        doc = main(options.sizes, options.seed, replay=not options.no_replay)
        print()
        print(markdown(doc["results"], doc["targets"]))
        print(f"\nscheduling benchmark: {doc['total_seconds']} s in total")
        if any(r["violations"] for r in doc["results"]):
            sys.exit("the verifier found violations: a solver bug (see bench/results/scheduling.json)")
