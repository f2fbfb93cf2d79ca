"""`make bench`: run every benchmark on SQLite and on PostgreSQL (when DATABASE_URL or the local server is up),
write bench/results/*.json and print a markdown table for the README.

    python -m bench                           # everything
    python -m bench national_load             # only the named parts: passport_import (with the indicators),
                                              # national_load, scheduling
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import national_load as national
from bench import scheduling

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def _run(args: list[str], env: dict[str, str]) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, "-m", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def _postgres_url(name: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc}); benchmarking SQLite only")
        return None
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def passport_import() -> list[dict[str, object]]:
    results = []
    work = Path(tempfile.mkdtemp(prefix="onconet-bench-"))
    try:
        # one signing key for the benchmark process and the server it starts, so that its session is valid there
        base_env = {**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": "1", "SECRET_KEY": "bench-" + "k" * 44}
        base_env.pop("DATABASE_URL", None)
        gen_env = {**base_env, "ONCONET_VAR_DIR": str(work / "gen")}
        totals = _run(["bench.passport_import", "generate", str(work / "workbooks")], gen_env)
        print("generated", totals)
        targets = [("sqlite", {"ONCONET_VAR_DIR": str(work / "sqlite")})]
        pg = _postgres_url("onconet_bench")
        if pg:
            targets.append(("postgresql", {"ONCONET_VAR_DIR": str(work / "pg"), "DATABASE_URL": pg}))
        for name, extra in targets:
            result = _run(["bench.passport_import", "import", str(work / "workbooks")], {**base_env, **extra})
            result.update(totals=totals)
            print(name, result)
            results.append(result)
            # the indicators, on the same database that the import filled
            indicators = _run(["bench.indicators", str(work / "workbooks")], {**base_env, **extra})
            print(name, indicators)
            INDICATORS.append(indicators)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


INDICATORS: list[dict[str, object]] = []


def national_load(machine: dict[str, Any]) -> dict[str, Any] | None:
    """The national demo on PostgreSQL behind gunicorn under a mixed load (bench/national_load.py, ~4 minutes)."""
    try:
        import psycopg

        psycopg.connect(POSTGRES_ADMIN, connect_timeout=3).close()
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc}); no national load test")
        return None
    env = {**os.environ, "LOG_LEVEL": "WARNING", "BENCH_POSTGRES": POSTGRES_ADMIN}
    env.pop("DATABASE_URL", None)  # it makes (and drops) its own database
    result = _run(["bench.national_load"], env)
    (RESULTS / "national_load.json").write_text(json.dumps({"machine": machine, "result": result}, indent=2) + "\n")
    return result


PARTS = ("passport_import", "national_load", "scheduling")


def main(parts: list[str]) -> None:
    unknown = set(parts) - set(PARTS)
    if unknown:
        sys.exit(f"unknown benchmark {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    parts = parts or list(PARTS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    imports: list[dict[str, object]] = []
    if "passport_import" in parts:
        imports = passport_import()
        (RESULTS / "passport_import.json").write_text(
            json.dumps({"machine": machine, "results": imports}, indent=2) + "\n"
        )
        (RESULTS / "indicators.json").write_text(
            json.dumps({"machine": machine, "results": INDICATORS}, indent=2) + "\n"
        )
    loaded = national_load(machine) if "national_load" in parts else None  # writes bench/results/national_load.json
    schedules = scheduling.main(machine=machine) if "scheduling" in parts else None  # writes …/scheduling.json
    if imports:
        _print_imports(imports)
    if loaded:
        print("\n" + national.markdown(loaded))
    if schedules:
        print("\n" + scheduling.markdown(schedules["results"], schedules["targets"]))
        if any(r["violations"] for r in schedules["results"]):
            sys.exit("the scheduling verifier found violations: a solver bug (see bench/results/scheduling.json)")


def _print_imports(imports: list[dict[str, object]]) -> None:
    print("\n| database | all indicators, s | hand-written SQL, s | ratio |")
    print("|---|---|---|---|")
    for r in INDICATORS:
        print(f"| {r['database']} | {r['all_indicators_seconds']} | {r['hand_sql_seconds']} | {r['ratio']} |")
    print("\n| database | connections | requests/s | p50, ms | p95, ms | p99, ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for r in INDICATORS:
        for d in r.get("dashboard", []):  # type: ignore[attr-defined]
            print(
                f"| {r['database']} | {d['connections']} | {d['requests_per_second']} | {d['p50_ms']} | {d['p95_ms']} "
                f"| {d['p99_ms']} | {d['errors']} |"
            )
    print("\n| database | workbooks | staff rows | import, s | rows/s | peak RSS, MiB | validate largest region, s |")
    print("|---|---|---|---|---|---|---|")
    for r in imports:
        print(
            f"| {r['database']} | {r['workbooks']} | {r['staff_rows']:,} | {r['import_seconds']} "
            f"| {r['rows_per_second']:,} | {r['peak_rss_mib']} | {r['validate_largest_region_seconds_median']} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
