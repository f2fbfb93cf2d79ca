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
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext

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
    file_param: str = ""  # the parameter naming a stored job file (`job_file_store`), deleted once the job succeeds


_REGISTRY: dict[str, JobKind] = {}


# A job's current step is stored as the handler wrote it (in English: the worker does not know who will look); pages
# show it in the reader's language. A fixed step is a catalogue message (mark it with gettext_noop where it is
# written); a step with numbers in it is read back by a pattern its app registers.
_MESSAGES: list[tuple[re.Pattern[str], Callable[[Mapping[str, str]], str]]] = []


def register_job_message(pattern: str, render: Callable[[Mapping[str, str]], str]) -> None:
    """Show a stored step that matches `pattern` (whole) as `render(its named groups)`, in the active language."""
    _MESSAGES.append((re.compile(pattern), render))


def job_message(message: str) -> str:
    """A job's stored step in the active language (unchanged when nothing knows it)."""
    if not message:
        return ""
    for pattern, render in _MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return render(match.groupdict())
    return gettext(message)


def register_job_kind(
    name: str, *, label: str | Promise, permission: str, user_startable: bool = True, file_param: str = ""
) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        _REGISTRY[name] = JobKind(
            name=name,
            label=label,
            permission=permission,
            handler=handler,
            user_startable=user_startable,
            file_param=file_param,
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
    if _finish(job_id, me, status=JobStatus.SUCCEEDED, result=result) and kind.file_param:
        # a succeeded job is never retried: its upload has served its purpose
        job_file_delete(str(job.params.get(kind.file_param, "")))


def _finish(
    job_id: int, worker: str, *, status: JobStatus, result: dict[str, Any] | None = None, error: str = ""
) -> bool:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error, "message": ""}
    if status == JobStatus.SUCCEEDED:
        fields.update(progress=100, result=result)
    elif result is not None:
        fields.update(result=result)
    # Only while this worker still holds the job: a job declared lost (and perhaps retried) is not overwritten.
    done = Job.objects.filter(pk=job_id, worker=worker, status=JobStatus.RUNNING).update(**fields)
    if not done:
        logger.warning("job %s was taken from worker %s before it finished; its result is dropped", job_id, worker)
    return bool(done)


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


# ---------------------------------------------------------------- files that jobs read (uploads)
#
# An upload a job works on is stored under MEDIA_ROOT/JOB_FILES_DIR, where every worker can read it. It is deleted
# when its job succeeds, and otherwise (failed, so retryable for a while, or never started) after
# IMPORT_FILE_RETENTION_DAYS by `job_files_delete_expired` (daily, celery beat).

JOB_FILES_DIR = "imports"  # the folder the passport import has always used


def job_files_root() -> Path:
    return (Path(settings.MEDIA_ROOT) / JOB_FILES_DIR).resolve()


def job_file_store(source: IO[bytes] | bytes, filename: str) -> str:
    """Keep an upload where every worker can read it, copied in chunks; returns its path under MEDIA_ROOT."""
    safe = "".join(c for c in Path(filename).name if c.isalnum() or c in "._-")[-80:] or "upload"
    relative = f"{JOB_FILES_DIR}/{uuid.uuid4().hex}_{safe}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        target.write_bytes(source)
    else:
        source.seek(0)
        with target.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
    return relative


def job_file_path(relative: str) -> Path:
    """The stored file a job's parameter names; ValueError for anything outside the job files folder."""
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if job_files_root() not in path.parents:
        raise ValueError("a job file must lie in the job files folder")
    return path


def job_file_delete(relative: str) -> None:
    try:
        job_file_path(relative).unlink(missing_ok=True)
    except (ValueError, OSError):
        logger.warning("could not delete the job file %r", relative)


def job_files_delete_expired(*, now: datetime | None = None) -> list[str]:
    """Delete stored job files older than IMPORT_FILE_RETENTION_DAYS that no queued or running job still needs;
    returns their paths under MEDIA_ROOT. A failed job can be retried until then."""
    root = job_files_root()
    if not root.is_dir():
        return []
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    active = Job.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
    needed = {str(value) for params in active.values_list("params", flat=True) for value in (params or {}).values()}
    deleted: list[str] = []
    for path in sorted(root.iterdir()):
        relative = f"{JOB_FILES_DIR}/{path.name}"
        if not path.is_file() or relative in needed:
            continue
        if datetime.fromtimestamp(path.stat().st_mtime, tz=cutoff.tzinfo) < cutoff:
            path.unlink(missing_ok=True)
            deleted.append(relative)
    if deleted:
        logger.info("deleted %d job files older than %d days", len(deleted), settings.IMPORT_FILE_RETENTION_DAYS)
    return deleted
