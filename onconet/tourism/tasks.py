from typing import Any

from celery import shared_task

from onconet.tourism.privacy import patients_anonymise_expired


@shared_task(name="onconet.tourism.anonymise_expired", ignore_result=True)
def anonymise_expired() -> dict[str, Any]:
    """Anonymise foreign patients whose retention period has passed (celery beat runs it daily)."""
    return patients_anonymise_expired()
