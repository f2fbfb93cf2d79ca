"""Background jobs: a registry of job kinds and the runner that the Celery task calls.

A job kind is a function `handler(job, progress) -> result` registered under a name. The runner claims the
job for its worker process, calls the handler while a thread writes a heartbeat, and stores the result or
the error. Handlers write their data in one transaction (all or nothing) and must be idempotent.

A worker killed in the middle of a job loses its transaction (the database rolls it back) and stops its
heartbeat: `jobs_fail_lost` (every minute, and whenever a worker starts) marks such a job failed, so that
it can be retried. A message delivered twice (acks_late redelivers an unacknowledged one) cannot run a job
twice: only a queued job, or a running one whose heartbeat is stale, can be claimed, and only the claiming
worker may finish it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise

from onconet.core.errors import DomainError, InvalidInput
from onconet.core.models import Job, JobStatus

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """This process, as it is recorded on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Progress:
    """Reports a running job's progress; each call is one small UPDATE, visible at once to the pages.

    Inside the handler's own transaction an update would be invisible until the commit (and would lock the
    job's row against the heartbeat), so there the step is only remembered and written after the commit.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._last = -1
        self._depth = len(connection.atomic_blocks)  # transactions open around the runner (a test's, say)

    def __call__(self, percent: float, message: str = "") -> None:
        value = max(0, min(99, int(percent)))  # 100 % is reserved for "finished"
        if value == self._last and not message:
            return
        if len(connection.atomic_blocks) > self._depth:
            return
        self._last = value
        Job.objects.filter(pk=self.job_id).update(
            progress=value, message=str(message)[:255], heartbeat_at=timezone.now()
        )


@contextmanager
def _heartbeat(job_id: int, worker: str) -> Iterator[None]:
    """Write the job's heartbeat from a thread (its own database connection) while the handler runs."""
    stop = threading.Event()
    interval = max(0.2, float(settings.JOB_HEARTBEAT_SECONDS))

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    Job.objects.filter(pk=job_id, worker=worker, status=JobStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # SQLite is busy with the handler's transaction: beat again later
                    logger.debug("job %s: heartbeat skipped", job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


Handler = Callable[[Job, Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str | Promise
    permission: str
    handler: Handler
    user_startable: bool = True  # False: only a service starts it (e.g. after storing an upload)


_REGISTRY: dict[str, JobKind] = {}


def register_job_kind(
    name: str, *, label: str | Promise, permission: str, user_startable: bool = True
) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        _REGISTRY[name] = JobKind(
            name=name, label=label, permission=permission, handler=handler, user_startable=user_startable
        )
        return handler

    return decorate


def get_job_kind(name: str) -> JobKind:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise InvalidInput(f'Unknown job kind "{name}". Known kinds: {known}.') from None


def job_kinds() -> list[JobKind]:
    return sorted(_REGISTRY.values(), key=lambda kind: kind.name)


def _lost_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.JOB_LOST_AFTER_SECONDS)


def execute_job(job_id: int) -> None:
    """Run one job to the end. Safe to call twice: a finished job, or one another live worker runs, is left alone."""
    now = timezone.now()
    me = worker_name()
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=_lost_before(now))
    claimed = Job.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, error="", worker=me, heartbeat_at=now
    )
    if not claimed:
        logger.info("job %s is finished, gone or running elsewhere; nothing to do", job_id)
        return
    job = Job.objects.get(pk=job_id)
    try:
        with _heartbeat(job_id, me):
            kind = get_job_kind(job.kind)
            result = kind.handler(job, Progress(job_id))
    except DomainError as exc:
        # A refusal a person can act on: keep every listed problem with the job.
        errors = [problem.as_dict() for problem in exc.errors]
        _finish(job_id, me, status=JobStatus.FAILED, error=exc.detail, result={"errors": errors} if errors else None)
        return
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, me, status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return
    _finish(job_id, me, status=JobStatus.SUCCEEDED, result=result)


def _finish(
    job_id: int, worker: str, *, status: JobStatus, result: dict[str, Any] | None = None, error: str = ""
) -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error, "message": ""}
    if status == JobStatus.SUCCEEDED:
        fields.update(progress=100, result=result)
    elif result is not None:
        fields.update(result=result)
    # Only while this worker still holds the job: a job declared lost (and perhaps retried) is not overwritten.
    done = Job.objects.filter(pk=job_id, worker=worker, status=JobStatus.RUNNING).update(**fields)
    if not done:
        logger.warning("job %s was taken from worker %s before it finished; its result is dropped", job_id, worker)


LOST_MESSAGE = (
    "The worker running this job stopped before it finished (killed, out of memory or its machine lost); "
    "nothing it was writing was kept. Retry the job."
)


def jobs_to_resend(*, now: datetime | None = None) -> list[int]:
    """Queued jobs whose message was sent JOB_RESEND_AFTER_SECONDS ago and not picked up (a broker that was down or
    lost its queue); they are marked as sent now, and the caller sends them. At most one resend per period."""
    now = now or timezone.now()
    stale = Job.objects.filter(status=JobStatus.QUEUED).filter(
        Q(sent_at__lt=now - timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS)) | Q(sent_at=None)
    )
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        stale.filter(pk__in=ids).update(sent_at=now)
        logger.warning("jobs %s waited too long in the queue; sending them again", ids)
    return ids


def jobs_fail_lost(*, now: datetime | None = None) -> list[int]:
    """Mark running jobs whose worker stopped beating as failed (retryable); returns their ids."""
    cutoff = _lost_before(now or timezone.now())
    lost = Job.objects.filter(status=JobStatus.RUNNING).filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None))
    ids = list(lost.values_list("pk", flat=True))
    if ids:  # the same conditions again: a job that beat in the meantime is left running
        lost.filter(pk__in=ids).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=LOST_MESSAGE, message=""
        )
        logger.warning("jobs %s lost their worker; marked failed", ids)
    return ids
