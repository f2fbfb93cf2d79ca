from celery import shared_task

from onconet.scheduling.jobs import daily_replan


@shared_task(name="onconet.scheduling.daily_replan")
def daily_replan_task() -> int:
    """Propose the day's plan for every facility with machines (run by Celery beat early each morning)."""
    return len(daily_replan())
