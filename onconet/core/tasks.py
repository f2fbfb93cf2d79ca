from celery import shared_task

from onconet.core.jobs import execute_job


@shared_task(name="onconet.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> None:
    """Run a Job record's work in the worker."""
    execute_job(job_id)
