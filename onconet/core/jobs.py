"""Background jobs: a registry of job kinds and the runner that the Celery task calls.

A job kind is a function `handler(job, progress) -> result` registered under a name. The runner marks the
job running, calls the handler, and stores the result or the error. Handlers must be idempotent: a job
whose worker died is delivered again (acks_late) and runs from the start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise

from onconet.core.errors import DomainError, InvalidInput
from onconet.core.models import Job, JobStatus

logger = logging.getLogger(__name__)


class Progress:
    """Reports a running job's progress; each call is one small UPDATE, visible at once to the pages."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._last = -1

    def __call__(self, percent: float, message: str = "") -> None:
        value = max(0, min(99, int(percent)))  # 100 % is reserved for "finished"
        if value == self._last and not message:
            return
        self._last = value
        Job.objects.filter(pk=self.job_id).update(progress=value, message=str(message)[:255])


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


def execute_job(job_id: int) -> None:
    """Run one job to the end. Safe to call twice: a finished job is left alone."""
    claimed = Job.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, error=""
    )
    if not claimed:
        logger.info("job %s is finished or gone; nothing to do", job_id)
        return
    job = Job.objects.get(pk=job_id)
    try:
        kind = get_job_kind(job.kind)
        result = kind.handler(job, Progress(job_id))
    except DomainError as exc:
        # A refusal a person can act on: keep every listed problem with the job.
        errors = [problem.as_dict() for problem in exc.errors]
        _finish(job_id, status=JobStatus.FAILED, error=exc.detail, result={"errors": errors} if errors else None)
        return
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return
    _finish(job_id, status=JobStatus.SUCCEEDED, result=result)


def _finish(job_id: int, *, status: JobStatus, result: dict[str, Any] | None = None, error: str = "") -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error, "message": ""}
    if status == JobStatus.SUCCEEDED:
        fields.update(progress=100, result=result)
    elif result is not None:
        fields.update(result=result)
    Job.objects.filter(pk=job_id).update(**fields)
