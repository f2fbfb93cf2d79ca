"""Benchmark: the national demo on PostgreSQL behind the production server (gunicorn, DEBUG=0) under a mixed load
of dashboard pages, registry searches, referral reads and API writes at 10 and 50 concurrent users; then the
registry search over 100,000 foreign patients against the raw SQL it runs.

    python -m bench.national_load      # about 4 minutes; prints one JSON line at the end
    python -m bench national_load      # the same through `make bench`'s runner: writes bench/results/, prints tables

It creates a fresh database `onconet_bench_national` on the server of BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432/postgres), migrates, loads `onconet demo --scale national`, adds foreign patients
up to 100,000 (names of the partner countries in Latin and native scripts), runs VACUUM ANALYZE, starts gunicorn and
drives it with bench/load.py's `run_mix`. The database and the temporary files are removed at the end.

The server is the production one: `gunicorn -c deploy/gunicorn.conf.py` with DEBUG=0, collected static files and
persistent database connections (DATABASE_CONN_MAX_AGE=60); every GUNICORN_* variable of the environment reaches it
(e.g. GUNICORN_MAX_REQUESTS=0). BENCH_GUNICORN_WORKERS / BENCH_GUNICORN_THREADS (default 4 × 4) become its
WEB_CONCURRENCY / GUNICORN_THREADS; BENCH_LOAD_SECONDS (default 60) sets each measured run.

The parts, by purpose (this module creates and drops the database, runs them in order and reports):
- bench/national_data.py: the partner countries' names and the foreign patients made from them
- bench/national_mix.py: the demo users' sessions and tokens, the search terms, the mix of requests
- bench/national_search.py: the registry search timed over HTTP and as its SQL
- bench/national_server.py: the production server (gunicorn) it drives
"""

from __future__ import annotations

import io
import json
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.load import run_mix
from bench.national_data import SEED, add_patients
from bench.national_mix import actions, api_token, search_term, session_key
from bench.national_search import search_sql, summary, time_http, time_sql
from bench.national_server import THREADS, WORKERS, free_port, serve

POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "onconet_bench_national"
PATIENTS = 100_000
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WARMUP_SECONDS = 5.0

# ---------------------------------------------------------------- the database


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def _database_url() -> str:
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{DATABASE}"


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="onconet-national-load-"))
    url = _database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": url,
        # persistent connections, as in production: a new PostgreSQL connection per request costs a few ms
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),  # the same key signs the sessions and serves them
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "ONCONET_VAR_DIR": str(work / "var"),
        # every simulated user comes from 127.0.0.1: the API's per-address limit would measure itself, not the system
        "API_RATE_LIMIT_PER_ADDRESS": "",
        "API_RATE_LIMIT_PER_CREDENTIAL": "",
    }
    _admin(f"DROP DATABASE IF EXISTS {DATABASE}")
    _admin(f"CREATE DATABASE {DATABASE}")
    try:
        # this process also answers the in-process request that captures the search's SQL (Django's test host)
        os.environ.update({**env, "ALLOWED_HOSTS": "127.0.0.1,testserver"})
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from onconet.tourism.models import ForeignPatient, Referral

        timings: dict[str, float] = {}
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        timings["migrate_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        call_command("demo", scale="national", seed=SEED, stdout=io.StringIO())
        timings["demo_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        patients = add_patients(PATIENTS)
        timings["patients_seconds"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            # what autovacuum does to a registry in service: statistics, and the trigram indexes' pending entries
            # of the bulk insert merged (a GIN index answers slowly while they wait in its pending list)
            cursor.execute("VACUUM ANALYZE")
        referrals = list(Referral.objects.order_by("pk").values_list("pk", flat=True))
        rng = random.Random(SEED)
        sample = list(ForeignPatient.objects.order_by("?").values_list("pk", "passport_number")[:500])
        ids = [pk for pk, _ in sample]
        passports = [number for _, number in sample]
        analyst, coordinator = session_key("analyst"), session_key("coordinator")
        coordinator_token, partner_token = api_token("coordinator"), api_token("partner")
        terms = [search_term(rng, ids, passports) for _ in range(40)]
        statements, every_statement = search_sql(coordinator_token, terms)
        connection.close()

        port = free_port()
        log = work / "gunicorn.log"
        server = serve(env, port, log)
        try:
            mix_actions = actions(
                analyst=analyst,
                coordinator=coordinator,
                coordinator_token=coordinator_token,
                partner_token=partner_token,
                referrals=referrals,
                ids=ids,
                passports=passports,
            )
            base = f"http://127.0.0.1:{port}"
            # every worker fills its caches (the indicator snapshot) before anything is measured
            run_mix(base, mix_actions, users=WORKERS * THREADS, seconds=5, seed=0)
            http_samples = time_http(port, coordinator_token, terms)
            sql_samples = time_sql(url, statements, terms)
            every_sql_samples = time_sql(url, every_statement, terms)
            mixes = []
            for users in (10, 50):
                load_before = os.getloadavg()[0]  # the machine may be shared: other work skews every number
                mix = run_mix(base, mix_actions, users=users, seconds=LOAD_SECONDS, seed=users, warmup=WARMUP_SECONDS)
                mixes.append({**mix.as_dict(), "load_average_before": round(load_before, 2)})
                print(json.dumps(mixes[-1]["overall"]), file=sys.stderr)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        # OncoNet logs a JSON line per request at warning level and above: any line here is worth reading
        server_errors = [line[:500] for line in log.read_text().splitlines() if "error" in line.lower()]
        http_search, sql_search, every_sql = summary(http_samples), summary(sql_samples), summary(every_sql_samples)
        by_kind = mixes[0]["by_kind"]
        assert isinstance(by_kind, dict)
        return {
            "database": "postgresql",
            "cpus": os.cpu_count(),
            "server": f"gunicorn -c deploy/gunicorn.conf.py, WEB_CONCURRENCY={WORKERS}, GUNICORN_THREADS={THREADS}, "
            f"DEBUG=0, DATABASE_CONN_MAX_AGE={env['DATABASE_CONN_MAX_AGE']}",
            "patients": patients,
            "referrals_before": len(referrals),
            "referrals_after": Referral.objects.count(),
            **timings,
            "mix": mixes,
            "search": {
                "terms": len(terms),
                "http_single_user": http_search,
                "http_under_10_users": {k: by_kind["registry search (API)"][k] for k in ("p50_ms", "p95_ms", "p99_ms")},
                "sql": sql_search,
                "statements": statements[terms[0]],
                "ratio_p95": round(http_search["p95_ms"] / sql_search["p95_ms"], 2),
                "ratio_p50": round(http_search["p50_ms"] / sql_search["p50_ms"], 2),
                # every SELECT of the request: the token, the user's permissions (two), the count and the page
                "sql_every_statement": every_sql,
                "statements_per_request": len(every_statement[terms[0]]),
            },
            "server_log_errors": server_errors[:10],
        }
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


def markdown(result: dict[str, Any]) -> str:
    """The README's tables: the mix per request kind at each number of users, then the registry search."""
    lines = [
        "| users | request | requests/s | p50, ms | p95, ms | p99, ms | errors | sent again |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mix in result["mix"]:
        for kind, r in [("**all**", mix["overall"]), *mix["by_kind"].items()]:
            lines.append(
                f"| {mix['users']} | {kind} | {r['requests_per_second']:,} | {r['p50_ms']:,} | {r['p95_ms']:,} "
                f"| {r['p99_ms']:,} | {r['errors']} of {r['requests']:,} | {r['retries']} |"
            )
    search = result["search"]

    def row(label: str, r: dict[str, float]) -> str:
        return f"| {label} | {r['p50_ms']:,} | {r['p95_ms']:,} | {r['p99_ms']:,} |"

    lines += [
        "",
        f"| registry search, {result['patients']:,} patients | p50, ms | p95, ms | p99, ms |",
        "|---|---|---|---|",
        row("HTTP `GET /api/v1/patients?q=…`, one user", search["http_single_user"]),
        row("the same within the 10-user mix", search["http_under_10_users"]),
        row("its SQL (count + page) sent directly with psycopg", search["sql"]),
        f"| ratio HTTP / SQL, one user | {search['ratio_p50']} | {search['ratio_p95']} | |",
        row(
            f"every SELECT of the request ({search['statements_per_request']}: token, permissions, count, page)",
            search["sql_every_statement"],
        ),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(run()))
