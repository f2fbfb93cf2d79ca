import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from onconet.core.jobs import execute_job, job_files_delete_expired, jobs_fail_lost, jobs_to_resend


@shared_task(name="onconet.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> None:
    """Run a Job record's work in the worker."""
    execute_job(job_id)


@shared_task(name="onconet.jobs_watch", ignore_result=True)
def watch_jobs() -> dict[str, list[int]]:
    """Every minute (celery beat): mark running jobs whose worker died as failed, and send again the queued jobs
    no worker has picked up (their first message was lost)."""
    lost = jobs_fail_lost()
    resent = jobs_to_resend()
    for job_id in resent:
        run_job.delay(job_id)
    return {"lost": lost, "resent": resent}


@shared_task(name="onconet.job_files_delete_expired", ignore_result=True)
def delete_expired_job_files() -> list[str]:
    """Daily (celery beat): delete stored uploads older than IMPORT_FILE_RETENTION_DAYS that no job still needs."""
    return job_files_delete_expired()


@worker_ready.connect
def _fail_lost_jobs_at_start(**_: Any) -> None:
    """A worker that starts (perhaps in place of one that was killed) first clears jobs left by dead ones."""
    try:
        watch_jobs()
    except Exception:  # the database may be unreachable for a moment; beat tries again within a minute
        logging.getLogger(__name__).exception("could not check for lost jobs at worker start")
