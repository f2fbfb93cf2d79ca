"""`onconet schedule` and `onconet schedule-generate`: the solver on the command line, without a database.

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
from .generate import SIZES, generate
from .instance import InvalidInstance, parse_instance


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def schedule(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="onconet schedule", description="Solve a scheduling instance into a plan.")
    parser.add_argument("instance", help="instance JSON file (onconet-schedule/1), or - for standard input")
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
    try:
        text = sys.stdin.read() if args.instance == "-" else Path(args.instance).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"$: cannot read the instance: {exc.strerror}: {args.instance}", file=sys.stderr)
        return 2
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"$: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=sys.stderr)
        return 2
    try:
        instance = parse_instance(document)
    except InvalidInstance as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    try:
        began = time.perf_counter()
        plan = solve(instance, args.solver, args.time_limit, args.seed)
        elapsed = time.perf_counter() - began
        output = dumps(plan)
        if args.out:
            args.out.write_text(output, encoding="utf-8")
        else:
            sys.stdout.write(output)
    except Exception:
        print("internal error:", file=sys.stderr)
        traceback.print_exc()
        return 1
    m = plan["metrics"]
    print(
        f"{plan['status']}: {m['domestic']['scheduled']} domestic courses "
        f"(weighted wait {m['domestic']['weighted_wait']}), "
        f"{m['foreign']['admitted']} foreign admitted, {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


def schedule_generate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="onconet schedule-generate", description="Write a generated instance.")
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--foreign-share", type=float, default=0.10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    output = dumps(generate(args.size, seed=args.seed, foreign_share=args.foreign_share))
    if args.out:
        args.out.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return 0


COMMANDS = {"schedule": schedule, "schedule-generate": schedule_generate, "schedule_generate": schedule_generate}
