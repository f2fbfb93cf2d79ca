"""The national load test's registry search against its SQL: the statements one search runs, timed over HTTP (one
user) and sent directly with psycopg.

Django and psycopg are imported inside the functions: the module is imported before bench/national_load.py sets up
Django.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlencode

from bench.load import percentiles

SEARCH_ROUNDS = 10  # the single-user search and its SQL: every term this many times


def search_sql(token: str, terms: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The statements the API search runs for each term, captured in-process through the same view: those of the
    search itself (count and page), and every SELECT of the request (with the token and permission look-ups)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    search, every = {}, {}
    for term in terms:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/patients", {"q": term}, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content[:300]
        sqls = [q["sql"] for q in captured.captured_queries]
        search[term] = [sql for sql in sqls if "tourism_foreignpatient" in sql]
        every[term] = [sql for sql in sqls if sql.startswith("SELECT")]
    return search, every


def time_sql(url: str, statements: dict[str, list[str]], terms: list[str]) -> list[float]:
    import psycopg

    samples = []
    with psycopg.connect(url, autocommit=True) as conn:
        for _round in range(SEARCH_ROUNDS):
            for term in terms:
                started = time.perf_counter()
                for sql in statements[term]:
                    conn.execute(sql.encode()).fetchall()
                samples.append((time.perf_counter() - started) * 1000)
    return samples


def time_http(port: int, token: str, terms: list[str]) -> list[float]:
    samples = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _round in range(SEARCH_ROUNDS):
        for term in terms:
            started = time.perf_counter()
            conn.request(
                "GET", "/api/v1/patients?" + urlencode({"q": term}), headers={"Authorization": f"Bearer {token}"}
            )
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"search {term!r} answered {response.status}")
            samples.append((time.perf_counter() - started) * 1000)
    conn.close()
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    cuts = percentiles(samples)
    return {
        "requests": len(samples),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }
