"""Scale-out: two web servers and two workers on one PostgreSQL and one broker lose nothing and do nothing twice.

The production set-up of docs/operations.md, started for real: `onconet collectstatic` and `onconet check`, then two
gunicorn servers (`deploy/gunicorn.conf.py`, two processes × two threads each, DEBUG=0) and two Celery workers
with their own names, all on this test's PostgreSQL database, the broker of CELERY_BROKER_URL (Redis in CI;
RabbitMQ works the same) and one shared MEDIA_ROOT. The test sends, through both servers at once, passport
imports as background jobs, network censuses and facility registrations — and for every job a second message
at once, as a redelivery after a lost acknowledgement would be — then checks:

- every request answered 2xx, and every write exists exactly once;
- every job succeeded exactly once: one attempt, the rows it writes and its audit entry once, and its duplicate
  message was delivered but ran nothing; the broker delivered every message to one worker, once;
- both workers ran jobs, and each server reads what was written through the other one;
- both servers serve the collected static files, and every process stops gracefully.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from conftest import make_user
from onconet.core.models import AuditEntry, Facility, Job, JobStatus, Region
from onconet.core.roles import Role
from onconet.core.services import api_token_create
from onconet.core.tasks import run_job
from onconet.passports.models import BedGroup, Equipment, Passport, StaffMember
from onconet.passports.tests.factories import make_standards, valid_rows, xlsx_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

ROOT = Path(__file__).resolve().parents[3]
PERIOD = 2025
IMPORTS = 12  # passport workbooks, one region each, imported by the workers
CENSUSES = 6  # network census jobs
FACILITIES = 20  # facilities registered directly through the API
FACILITY_REGION = "RU-KLU"  # not among the imported regions, so its facilities are only the test's own
STARTUP_TIMEOUT = 90.0
JOBS_TIMEOUT = 90.0
TASK_RECEIVED = re.compile(r"Task onconet\.run_job\[([0-9a-f-]+)\] received")


# ---------------------------------------------------------------- the processes


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""  # web servers
    node: str = ""  # workers: the Celery node name

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = "\n".join(self.log_text().splitlines()[-40:])
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{tail}")


@dataclass
class Stack:
    web: list[Service] = field(default_factory=list)
    workers: list[Service] = field(default_factory=list)

    @property
    def services(self) -> list[Service]:
        return [*self.web, *self.workers]


def _database_url() -> str:
    """This test's database (pytest-django's test_<name>), which the subprocesses must share."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _production_env(tmp: Path) -> dict[str, str]:
    """What an operator sets: production mode, the shared database and broker, one shared media folder.

    Nothing of the test process's own set-up leaks in (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which
    `onconet check` rightly refuses in production)."""
    inherited = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",  # the production settings, not the test ones
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),  # the same for every process, as it must be
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",  # plain HTTP on the loopback; production sits behind TLS
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "ONCONET_VAR_DIR": str(tmp / "var"),  # uploads (MEDIA_ROOT) must be one folder that every process sees
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",  # the workers log every task they receive
        "PYTHONUNBUFFERED": "1",
    }


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _wait_until(condition: Any, what: str, timeout: float, services: list[Service]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for service in services:
            service.check_alive()
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _healthy(service: Service) -> bool:
    try:
        return _request(service, "GET", "/healthz")[0] == 200
    except OSError:
        return False


def _stop(services: list[Service]) -> None:
    """SIGTERM everyone (gunicorn and Celery both shut down gracefully on it), then wait, then kill."""
    for service in services:
        if service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    for service in services:
        try:
            service.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait(timeout=10)


def _wait_for_other_sessions_to_end(timeout: float = 15.0) -> None:
    """pytest-django drops the test database afterwards, which PostgreSQL refuses while anyone is connected."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (others,) = cursor.fetchone()
        if others == 0:
            return
        time.sleep(0.1)


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    from config.celery import app

    env = _production_env(tmp_path)
    python = sys.executable
    # The production commands of docs/operations.md, in its order (`onconet migrate` is pytest-django's here).
    _run([python, "-m", "onconet.cli", "collectstatic", "--noinput", "-v0"], env)
    _run([python, "-m", "onconet.cli", "check"], env)
    # Messages left in the queue by earlier tests (jobs whose worker never came) are not this test's jobs.
    app.control.purge()

    result = Stack()
    run_id = uuid.uuid4().hex[:8]
    try:
        for label in ("a", "b"):
            port = _free_port()
            web_env = {
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "2",
                "GUNICORN_GRACEFUL_TIMEOUT": "5",
                "GUNICORN_ACCESS_LOG": "-",
            }
            log = tmp_path / f"web-{label}.log"
            command = [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
            process = _start(command, web_env, log)
            result.web.append(Service(f"web {label}", process, log, url=f"http://127.0.0.1:{port}"))
        for label in ("a", "b"):
            node = f"scale-{label}-{run_id}@{socket.gethostname()}"
            log = tmp_path / f"worker-{label}.log"
            command = [python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-n", node]
            command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
            process = _start(command, env, log)
            result.workers.append(Service(f"worker {label}", process, log, node=node))

        _wait_until(
            lambda: all(_healthy(web) for web in result.web), "both web servers", STARTUP_TIMEOUT, result.services
        )
        _wait_until(
            lambda: all(f"{worker.node} ready." in worker.log_text() for worker in result.workers),
            "both workers",
            STARTUP_TIMEOUT,
            result.services,
        )
        yield result
    finally:
        _stop(result.services)
        _wait_for_other_sessions_to_end()
        connection.close()


# ---------------------------------------------------------------- HTTP


def _request(
    service: Service,
    method: str,
    path: str,
    *,
    token: str = "",
    body: bytes | None = None,
    content_type: str = "",
) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(service.url + path, data=body, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, raw, kind = response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers.get_content_type()
    return status, json.loads(raw) if kind == "application/json" and raw else raw


def _post_json(service: Service, path: str, token: str, payload: dict[str, Any]) -> tuple[int, Any]:
    return _request(
        service, "POST", path, token=token, body=json.dumps(payload).encode(), content_type="application/json"
    )


def _post_file(
    service: Service, path: str, token: str, fields: dict[str, str], filename: str, data: bytes
) -> tuple[int, Any]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return _request(
        service,
        "POST",
        path,
        token=token,
        body=b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# ---------------------------------------------------------------- the test


@dataclass(frozen=True)
class Sent:
    what: str  # "import", "census" or "facility"
    key: str  # the region of an import, the code of a facility
    server: int  # index of the web server that took the request
    status: int
    body: Any
    duplicate: str = ""  # the task id of the job's second message


def test_two_web_servers_and_two_workers_lose_nothing_and_do_nothing_twice(stack: Stack, reference: None) -> None:
    make_standards()
    admin = make_user(Role.NATIONAL_ADMIN, "scale-admin")
    analyst = make_user(Role.NATIONAL_ANALYST, "scale-analyst")
    admin_token = api_token_create(user=admin, name="scale-out")[1]
    analyst_token = api_token_create(user=analyst, name="scale-out")[1]
    regions = list(Region.objects.exclude(code=FACILITY_REGION).order_by("code").values_list("code", flat=True))
    regions = regions[:IMPORTS]

    def send(index: int, what: str, key: str) -> Sent:
        server = index % 2  # alternately through web server a and web server b
        web = stack.web[server]
        if what == "import":
            workbook = xlsx_bytes(valid_rows(region=key, period=PERIOD))
            fields = {"period": str(PERIOD), "dry_run": "false"}
            status, body = _post_file(
                web, "/api/v1/passports/import-jobs", admin_token, fields, f"{key}.xlsx", workbook
            )
        elif what == "census":
            status, body = _post_json(web, "/api/v1/jobs", analyst_token, {"kind": "network_census"})
        else:
            payload = {"region": FACILITY_REGION, "code": key, "name": f"Scale-out clinic {key}", "kind": "hospital"}
            status, body = _post_json(web, "/api/v1/facilities", admin_token, payload)
        duplicate = ""
        if status == 202:
            # A second message for the same job at once, as a redelivery after a lost acknowledgement would
            # be (acks_late): it may reach the other worker while the first still runs the job.
            duplicate = run_job.delay(body["id"]).id
        return Sent(what, key, server, status, body, duplicate)

    imports = [("import", code) for code in regions]
    censuses = [("census", f"census-{i}") for i in range(CENSUSES)]
    facilities = [("facility", f"SCALE-{i:02d}") for i in range(FACILITIES)]
    # the kinds of request interleaved, so that jobs are queued while the workers are already busy
    work = [item for group in zip_longest(imports, censuses, facilities) for item in group if item is not None]
    with ThreadPoolExecutor(max_workers=6) as pool:  # several requests in flight on both servers at once
        sent = list(pool.map(lambda pair: send(pair[0], *pair[1]), enumerate(work)))

    # every request answered 2xx — 202 for a queued job, 201 for a new facility — through both servers
    refused = [(s.what, s.key, s.status, s.body) for s in sent if s.status not in (201, 202)]
    assert refused == []
    assert {s.server for s in sent} == {0, 1}
    jobs_sent = {s.body["id"]: s for s in sent if s.what in ("import", "census")}
    assert len(jobs_sent) == IMPORTS + CENSUSES, "two requests were given the same job"

    # nothing lost: every job ends, and ends once
    def all_finished() -> bool:
        finished = Job.objects.filter(pk__in=jobs_sent, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED])
        return finished.count() == len(jobs_sent)

    def received() -> Counter[str]:
        return Counter(task for worker in stack.workers for task in TASK_RECEIVED.findall(worker.log_text()))

    _wait_until(all_finished, "every job to finish", JOBS_TIMEOUT, stack.services)
    duplicates = {s.duplicate for s in jobs_sent.values()}
    _wait_until(lambda: duplicates <= set(received()), "the duplicate messages", JOBS_TIMEOUT, stack.services)
    ours = Job.objects.filter(created_by__in=[admin, analyst])
    assert sorted(ours.values_list("pk", flat=True)) == sorted(jobs_sent), "a job was created twice, or not at all"
    pids = {f":{worker.process.pid}": worker.name for worker in stack.workers}
    ran_on: Counter[str] = Counter()
    for job in ours:
        assert job.status == JobStatus.SUCCEEDED, f"job {job.pk} ({job.kind}) {job.status}: {job.error}"
        assert job.attempts == 1, f"job {job.pk} ({job.kind}) ran {job.attempts} times"
        assert job.progress == 100
        worker = next((name for suffix, name in pids.items() if job.worker.endswith(suffix)), None)
        assert worker is not None, f"job {job.pk} ran on {job.worker!r}, none of the test's workers"
        ran_on[worker] += 1
    assert set(ran_on) == {"worker a", "worker b"}, f"one worker did all the work: {ran_on}"

    # the broker delivered every message — the web servers' and the duplicates — to one worker, once. (Not "exactly
    # 36": a message that an earlier test's killed worker left unacknowledged comes back to any worker once the
    # broker's visibility timeout has passed; it can only claim a job that is still queued, so it too runs none twice.)
    delivered = received()
    assert [task for task, n in delivered.items() if n > 1] == []
    assert len(set(delivered) - duplicates) >= len(jobs_sent)

    # the data the import jobs write exists exactly once
    for job_id, request in jobs_sent.items():
        job = Job.objects.get(pk=job_id)
        if request.what == "census":
            assert job.kind == "network_census"
            assert job.result["totals"]["regions"] == Region.objects.count()
            continue
        assert job.kind == "passport_import"
        assert job.result["created"] == {"facilities": 3, "staff": 3, "equipment": 2, "beds": 2, "compliance": 2}
        passport = Passport.objects.get(region__code=request.key, period=PERIOD)
        assert StaffMember.objects.filter(passport=passport).count() == 3
        assert Equipment.objects.filter(passport=passport).count() == 2
        assert BedGroup.objects.filter(passport=passport).count() == 2
        assert Facility.objects.filter(region=passport.region).count() == 3
        imports = AuditEntry.objects.filter(
            object_type="passports.passport", object_id=str(passport.pk), message="workbook import"
        )
        assert imports.count() == 1, f"{request.key} was imported {imports.count()} times"
    assert Passport.objects.filter(period=PERIOD).count() == IMPORTS

    # the facilities written through the API exist exactly once
    codes = sorted(key for what, key in work if what == "facility")
    created = Facility.objects.filter(region__code=FACILITY_REGION, code__startswith="SCALE-")
    assert sorted(created.values_list("code", flat=True)) == codes

    # each server reads what was written through the other one
    for request in sent:
        other = stack.web[1 - request.server]
        if request.what == "facility":
            status, body = _request(other, "GET", f"/api/v1/facilities/{request.body['id']}", token=admin_token)
            assert (status, body["code"], body["name"]) == (200, request.key, f"Scale-out clinic {request.key}")
        else:
            token = admin_token if request.what == "import" else analyst_token
            status, body = _request(other, "GET", f"/api/v1/jobs/{request.body['id']}", token=token)
            assert (status, body["status"]) == (200, "succeeded")
    for web in stack.web:
        status, body = _request(web, "GET", f"/api/v1/passports?period={PERIOD}", token=admin_token)
        assert (status, body["count"]) == (200, IMPORTS)
        # static files come from `onconet collectstatic`'s folder, served by WhiteNoise in every process
        status, css = _request(web, "GET", "/static/onconet/onconet.css")
        assert status == 200
        assert css == (ROOT / "static" / "onconet" / "onconet.css").read_bytes()
        # a page renders its hashed static URLs from the manifest that collectstatic wrote
        status, page = _request(web, "GET", "/accounts/login/")
        assert status == 200
        assert re.search(rb"/static/onconet/onconet\.[0-9a-f]{12}\.css", page)

    # every process stops gracefully on SIGTERM (what systemd or a rolling restart sends), having logged no error
    _stop(stack.services)
    assert {service.name: service.process.returncode for service in stack.services} == {
        service.name: 0 for service in stack.services
    }
    for service in stack.services:
        assert "Traceback" not in service.log_text(), f"{service.name}:\n{service.log_text()}"
