"""A worker killed in the middle of a job: the job ends failed and retryable, and nothing half-written stays.

A real Celery worker runs in its own process (on the embedded file broker, or on Redis in CI's second pass)
and imports a large passport workbook — one transaction. The test kills it with SIGKILL while it writes,
then checks the database: no passport, no staff row; the job is marked failed by `jobs_fail_lost` (what beat
and every starting worker run); after a retry a fresh worker imports the workbook exactly once.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from onconet.core import services
from onconet.core.jobs import LOST_MESSAGE, jobs_fail_lost
from onconet.core.models import Job, JobStatus
from onconet.passports.api import start_import_job
from onconet.passports.models import Passport, StaffMember
from onconet.passports.tests.factories import make_standards, valid_rows, xlsx_bytes

ROOT = Path(__file__).resolve().parents[3]
STAFF_ROWS = 12_000  # enough for the import's transaction to last a few seconds on a fast machine


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "ONCONET_VAR_DIR": str(settings.VAR_DIR),  # the same upload folder and file broker as this process
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_LOST_AFTER_SECONDS": "4",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-n", f"{name}@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    connection.close()


def _wait(condition: Any, what: str, timeout: float = 60.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = condition()
        if job is not None:
            return job
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _big_workbook() -> bytes:
    rows = valid_rows()
    template = rows["staff"][0]
    rows["staff"] = [{**copy.deepcopy(template), "staff_id": f"K{i:06d}"} for i in range(STAFF_ROWS)]
    return xlsx_bytes(rows)


def test_worker_killed_mid_import_leaves_a_failed_retryable_job_and_no_half_written_data(
    transactional_db: None, users: dict[str, Any], region: Any, workers: list[subprocess.Popen[bytes]], settings: Any
) -> None:
    settings.JOB_LOST_AFTER_SECONDS = 4  # as the workers are told
    make_standards()
    job = start_import_job(users["reporter"], _big_workbook(), "kaluga.xlsx", 2025, False)
    first = _start_worker("doomed")
    workers.append(first)

    # "writing" is the last step reported before the import's transaction; from here on rows are being written
    running = _wait(
        lambda: Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, message="writing").first(), "the import"
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING, "the import finished before the kill: make the workbook larger"
    assert running.worker.endswith(f":{first.pid}")
    assert job.attempts == 1

    # nothing of the half-done transaction is visible
    assert not Passport.objects.filter(region=region, period=2025).exists()
    assert StaffMember.objects.count() == 0

    # while its heartbeat is fresh the job is not declared lost; once it is stale, it is
    assert jobs_fail_lost() == []
    _wait(lambda: Job.objects.get(pk=job.pk) if jobs_fail_lost() == [job.pk] else None, "the job to be lost", 30)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == LOST_MESSAGE
    assert job.finished_at is not None
    assert not Passport.objects.filter(region=region, period=2025).exists()

    # retried, a new worker imports the workbook once and completely
    services.job_retry(user=users["reporter"], job=job)
    second = _start_worker("fresh")
    workers.append(second)
    done = _wait(lambda: Job.objects.filter(pk=job.pk, status__in=["succeeded", "failed"]).first(), "the retry", 120)
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert done.attempts == 2
    assert done.worker.endswith(f":{second.pid}")
    passport = Passport.objects.get(region=region, period=2025)
    assert StaffMember.objects.filter(passport=passport).count() == STAFF_ROWS
    assert done.result["created"]["staff"] == STAFF_ROWS
