from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from onconet.core.jobs import execute_job, jobs_fail_lost


@shared_task(name="onconet.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> None:
    """Run a Job record's work in the worker."""
    execute_job(job_id)


@shared_task(name="onconet.jobs_fail_lost", ignore_result=True)
def fail_lost_jobs() -> list[int]:
    """Mark running jobs whose worker died as failed (celery beat runs this every minute)."""
    return jobs_fail_lost()


@worker_ready.connect
def _fail_lost_jobs_at_start(**_: Any) -> None:
    """A worker that starts (perhaps in place of one that was killed) first clears jobs left running by dead ones."""
    try:
        jobs_fail_lost()
    except Exception:  # the database may be unreachable for a moment; beat tries again within a minute
        import logging

        logging.getLogger(__name__).exception("could not check for lost jobs at worker start")
