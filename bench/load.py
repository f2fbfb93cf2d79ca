"""A small closed-loop load generator for loopback benchmarks: N workers with keep-alive connections send
requests for a fixed time and record every latency (exact percentiles, unlike wrk's fixed buckets).

`run_load` sends one GET again and again; `run_mix` lets each virtual user pick its next request from a weighted
mix of actions (pages, searches, reads, writes), with per-kind and overall results."""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    connections: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "connections": self.connections,
            "requests": self.requests,
            "errors": self.errors,
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": round(self.p50_ms, 1),
            "p95_ms": round(self.p95_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
        }


def run_load(url: str, *, connections: int, seconds: float, headers: dict[str, str] | None = None) -> LoadResult:
    """GET `url` from `connections` workers for `seconds`; only 127.0.0.1/localhost is allowed."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("load tests only target this machine")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                if response.status != 200:  # a redirect to the login page is a failure too
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = percentiles(latencies)
    return LoadResult(connections, len(latencies), errors[0], elapsed, cuts[49], cuts[94], cuts[98])


def percentiles(samples: Sequence[float]) -> list[float]:
    """The 99 cut points (index 49 is p50, 94 p95, 98 p99), exact over every sample."""
    if len(samples) > 1:
        return statistics.quantiles(samples, n=100, method="inclusive")
    return [samples[0] if samples else 0.0] * 99


def _local(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("load tests only target this machine")
    return parts.hostname or "127.0.0.1", parts.port or 80


# ---------------------------------------------------------------- a weighted mix of requests


@dataclass(frozen=True)
class Call:
    """One HTTP request: any answer but a 2xx counts as an error."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Action:
    """A kind of request in the mix; `make` builds the next one (terms, ids, payloads vary with `rng`)."""

    kind: str
    weight: float
    make: Callable[[random.Random], Call]


@dataclass
class KindResult:
    kind: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    retries: int = 0  # requests sent again on a new connection after the server had closed the kept-alive one
    statuses: Counter[int] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)

    def as_dict(self, seconds: float) -> dict[str, object]:
        cuts = percentiles(self.latencies_ms)
        return {
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "error_rate": round(self.errors / len(self.latencies_ms), 4) if self.latencies_ms else 0.0,
            "retries": self.retries,
            "requests_per_second": round(len(self.latencies_ms) / seconds, 1) if seconds else 0.0,
            "p50_ms": round(cuts[49], 1),
            "p95_ms": round(cuts[94], 1),
            "p99_ms": round(cuts[98], 1),
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            **({"error_samples": self.error_samples} if self.error_samples else {}),
        }


@dataclass
class MixResult:
    users: int
    seconds: float
    client_cpu_cores: float  # CPU time of the load generator itself per wall second (1.0 = one core)
    kinds: dict[str, KindResult]

    def as_dict(self) -> dict[str, object]:
        overall = KindResult("overall")
        for result in self.kinds.values():
            overall.latencies_ms.extend(result.latencies_ms)
            overall.errors += result.errors
            overall.retries += result.retries
            overall.statuses.update(result.statuses)
        return {
            "users": self.users,
            "seconds": round(self.seconds, 1),
            "client_cpu_cores": round(self.client_cpu_cores, 2),
            "overall": overall.as_dict(self.seconds),
            "by_kind": {kind: result.as_dict(self.seconds) for kind, result in self.kinds.items()},
        }


def run_mix(
    base_url: str, actions: Sequence[Action], *, users: int, seconds: float, seed: int = 0, warmup: float = 0.0
) -> MixResult:
    """`users` virtual users, each with its own keep-alive connection, send requests drawn from `actions` (by
    weight) back to back for `seconds` — a closed loop without think time. Requests that start in the first
    `warmup` seconds are sent but not recorded."""
    host, port = _local(base_url)
    kinds = {action.kind: KindResult(action.kind) for action in actions}
    weights = [action.weight for action in actions]
    lock = threading.Lock()
    begin = time.perf_counter()
    record_from = begin + warmup
    deadline = record_from + seconds

    def send(conn: http.client.HTTPConnection, call: Call) -> tuple[int, bytes]:
        conn.request(call.method, call.path, body=call.body, headers=call.headers)
        response = conn.getresponse()
        return response.status, response.read()

    def user(number: int) -> None:
        rng = random.Random(seed * 10_000 + number)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        reused = False  # whether the connection has already carried a request
        mine = {action.kind: KindResult(action.kind) for action in actions}
        while True:
            started = time.perf_counter()
            if started >= deadline:
                break
            action = rng.choices(actions, weights)[0]
            call = action.make(rng)
            status, problem, retried = 0, "", False
            try:
                try:
                    status, body = send(conn, call)
                except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
                    # A server may close an idle keep-alive connection at any time (gunicorn does when it replaces
                    # a process after GUNICORN_MAX_REQUESTS); a request that meets the close got no answer, and
                    # clients send it again on a new connection (RFC 9112, 9.3.1) — a GET always, a POST only if
                    # it could not even be sent. Counted as a retry, not an error.
                    idempotent = call.method in ("GET", "HEAD")
                    if not reused or not (idempotent or isinstance(exc, BrokenPipeError)):
                        raise
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=60)
                    retried = True
                    status, body = send(conn, call)
                reused = True
                if not 200 <= status < 300:  # a redirect to the login page is an error too
                    problem = f"{status} {call.method} {call.path}: {body[:300].decode(errors='replace')}"
            except (OSError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__} {call.method} {call.path}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                reused = False
            if started < record_from:
                continue
            result = mine[action.kind]
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] += 1
            result.retries += retried
            if problem:
                result.errors += 1
                if len(result.error_samples) < 3:
                    result.error_samples.append(problem)
        conn.close()
        with lock:
            for kind, result in mine.items():
                total = kinds[kind]
                total.latencies_ms.extend(result.latencies_ms)
                total.errors += result.errors
                total.retries += result.retries
                total.statuses.update(result.statuses)
                total.error_samples.extend(result.error_samples[: max(0, 3 - len(total.error_samples))])

    cpu = time.process_time()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    now = time.perf_counter()
    return MixResult(users, now - record_from, (time.process_time() - cpu) / (now - begin), kinds)
