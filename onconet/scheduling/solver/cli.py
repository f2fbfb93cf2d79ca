"""`onconet schedule`, `onconet schedule-replay` and `onconet schedule-generate`: the solver on the command line,
without a database.

Exit status (contract): 0 a plan was written, whatever its status; 2 the instance is invalid — every problem
is printed to stderr, one a line, with its JSON path, and nothing is written; 1 an internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from .engine import DEFAULT_TIME_LIMIT, SOLVERS, solve
from .generate import SIZES, generate, generate_department
from .instance import InvalidInstance, parse_instance
from .replay import replay


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def schedule(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="onconet schedule", description="Solve a scheduling instance into a plan.")
    parser.add_argument("instance", help="instance JSON file (onconet-schedule/2 or /1), or - for standard input")
    parser.add_argument("--solver", choices=SOLVERS, default="cpsat")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        help="search budget in CP-SAT deterministic seconds (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the plan here instead of standard output")
    args = parser.parse_args(argv)
    if args.time_limit <= 0:
        parser.error("--time-limit must be positive")
    loaded = _load(args.instance)
    if loaded is None:
        return 2
    _, instance = loaded
    try:
        began = time.perf_counter()
        plan = solve(instance, args.solver, args.time_limit, args.seed)
        elapsed = time.perf_counter() - began
        output = dumps(plan.as_document())
        if args.out:
            args.out.write_text(output, encoding="utf-8")
        else:
            sys.stdout.write(output)
    except Exception:
        print("internal error:", file=sys.stderr)
        traceback.print_exc()
        return 1
    m = plan.metrics
    print(
        f"{plan.status}: {m.domestic.scheduled} domestic courses "
        f"(weighted wait {m.domestic.weighted_wait}), "
        f"{m.foreign.admitted} foreign admitted, {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


def _load(source: str) -> tuple[dict[str, Any], Any] | None:
    """The instance document and its parsed form, or None after printing every problem (exit status 2)."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"$: cannot read the instance: {exc.strerror}: {source}", file=sys.stderr)
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"$: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=sys.stderr)
        return None
    try:
        return document, parse_instance(document)
    except InvalidInstance as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None


def schedule_replay(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="onconet schedule-replay",
        description="Replay an instance week by week, with and without its foreign courses (contract v2).",
    )
    parser.add_argument("instance", help="instance JSON file, or - for standard input")
    parser.add_argument("--solver", choices=SOLVERS, default="cpsat")
    parser.add_argument("--step", type=int, default=7, help="days between re-plans (default %(default)s)")
    parser.add_argument("--lead", type=int, default=7, help="days a course is known before it is ready")
    parser.add_argument(
        "--time-limit", type=float, default=5.0, help="CP-SAT deterministic seconds per epoch (default %(default)s)"
    )
    parser.add_argument(
        "--forecast-weeks", type=int, default=8, help="weeks of past arrivals the forecast is estimated from; 0: none"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the report here instead of standard output")
    args = parser.parse_args(argv)
    if args.time_limit <= 0 or args.step < 1 or args.lead < 0 or args.forecast_weeks < 0:
        parser.error("--time-limit must be positive, --step at least 1, --lead and --forecast-weeks at least 0")
    loaded = _load(args.instance)
    if loaded is None:
        return 2
    document, _ = loaded
    try:
        report = replay(
            document,
            solver=args.solver,
            step=args.step,
            lead=args.lead,
            time_limit=args.time_limit,
            forecast_weeks=args.forecast_weeks,
            seed=args.seed,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
        output = dumps(report)
        if args.out:
            args.out.write_text(output, encoding="utf-8")
        else:
            sys.stdout.write(output)
    except Exception:
        print("internal error:", file=sys.stderr)
        traceback.print_exc()
        return 1
    return 0


def schedule_generate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="onconet schedule-generate", description="Write a generated instance.")
    parser.add_argument(
        "size", choices=[*sorted(SIZES), "department"], help="S, M, L, or a radiotherapy department (see --load)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--foreign-share", type=float, default=0.10)
    parser.add_argument("--machines", type=int, default=10, help="department: linacs (default %(default)s)")
    parser.add_argument("--weeks", type=int, default=26, help="department: horizon in weeks (default %(default)s)")
    parser.add_argument(
        "--load", type=float, default=0.85, help="department: domestic demand ÷ capacity (default %(default)s)"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.size == "department":
        if args.machines < 1 or args.weeks < 1 or not 0 < args.load <= 3:
            parser.error("--machines and --weeks must be at least 1, --load in (0, 3]")
        document = generate_department(
            args.machines, args.weeks, args.load, seed=args.seed, foreign_share=args.foreign_share
        )
    else:
        document = generate(args.size, seed=args.seed, foreign_share=args.foreign_share)
    output = dumps(document)
    if args.out:
        args.out.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return 0


COMMANDS = {
    "schedule": schedule,
    "schedule-generate": schedule_generate,
    "schedule_generate": schedule_generate,
    "schedule-replay": schedule_replay,
    "schedule_replay": schedule_replay,
}
