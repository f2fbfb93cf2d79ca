"""Background jobs: queueing and retrying one; whether the Celery broker that carries them is reachable."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, InvalidInput, NotAllowed
from onconet.core.jobs import get_job_kind
from onconet.core.models import AuditAction, Job, User
from onconet.core.scoping import require_permission
from onconet.core.tasks import run_job

# ---------------------------------------------------------------- jobs


def job_start(*, user: User, kind: str, params: dict[str, Any] | None = None, internal: bool = False) -> Job:
    """Queue a background job; the worker picks it up once this transaction commits.

    `internal` is for services that prepared the job's parameters themselves (e.g. a stored upload);
    other kinds take no parameters from outside.
    """

    job_kind = get_job_kind(kind)
    require_permission(user, job_kind.permission, action=f"start {job_kind.label} jobs")
    if not job_kind.user_startable and not internal:
        raise InvalidInput(f'Jobs of kind "{kind}" are started by the page or API that prepares them.')
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user, sent_at=timezone.now())
    audit_record(actor=user, action=AuditAction.CREATE, obj=job)
    # robust: a broker that is down for a moment does not fail the request; the job stays queued and the
    # every-minute watch (core.tasks.watch_jobs) sends it again
    transaction.on_commit(lambda: run_job.delay(job.pk), robust=True)
    return job


def job_retry(*, user: User, job: Job) -> Job:
    """Queue a failed job again."""

    if job.status != "failed":
        raise DomainError(f"Only a failed job can be retried; this one is {job.status}.")
    if job.created_by_id != user.pk and not user.is_superuser:
        raise NotAllowed("Only the person who started a job, or an admin, may retry it.")
    Job.objects.filter(pk=job.pk).update(
        status="queued", progress=0, error="", finished_at=None, worker="", heartbeat_at=None, sent_at=timezone.now()
    )
    job.refresh_from_db()
    audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=job, message="retried")
    transaction.on_commit(lambda: run_job.delay(job.pk), robust=True)
    return job


# ---------------------------------------------------------------- operations


def broker_status(*, timeout: int = 2) -> str:
    """ "ok" when the Celery broker accepts a connection, else a short reason."""
    # imported here: the Celery application belongs to the project configuration (config), which sits above the apps
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
