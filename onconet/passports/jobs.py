"""Background job kinds of the passports app: importing a workbook with a progress bar."""

from __future__ import annotations

from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from onconet.core.errors import InvalidInput
from onconet.core.jobs import Progress, job_file_path, job_file_store, register_job_kind
from onconet.core.models import Job
from onconet.core.scoping import require_permission
from onconet.passports.services import passport_import
from onconet.passports.workbook import read_workbook


def store_upload(source: IO[bytes] | bytes, filename: str) -> str:
    """Keep an uploaded workbook where every worker can read it; returns its path under MEDIA_ROOT. It is deleted
    when its import succeeds, or after IMPORT_FILE_RETENTION_DAYS."""
    return job_file_store(source, filename)


@register_job_kind(
    "passport_import",
    label=_("Passport import"),
    permission="passports.change_passport",
    user_startable=False,
    file_param="path",
)
def passport_import_job(job: Job, progress: Progress) -> dict[str, Any]:

    params = job.params
    if job.created_by is not None:  # still allowed, before a byte of the workbook is read
        require_permission(job.created_by, "passports.change_passport", action="import passports")
    path = job_file_path(params["path"])
    if not path.is_file():
        raise InvalidInput(
            str(
                _("The uploaded workbook is no longer kept (uploads are deleted after %(days)s days); upload it again.")
                % {"days": settings.IMPORT_FILE_RETENTION_DAYS}
            )
        )
    progress(2, gettext_noop("reading the workbook"))
    book = read_workbook(path, params.get("filename", path.name))
    result = passport_import(
        book=book,
        period=int(params["period"]) if params.get("period") is not None else None,
        user=job.created_by,
        dry_run=bool(params.get("dry_run")),
        progress=progress,
    )
    return result.as_dict()
