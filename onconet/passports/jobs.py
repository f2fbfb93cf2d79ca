"""Background job kinds of the passports app: importing a workbook with a progress bar."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from onconet.core.jobs import Progress, register_job_kind
from onconet.core.models import Job
from onconet.passports.workbook import read_workbook

UPLOAD_DIR = "imports"


def store_upload(data: bytes, filename: str) -> str:
    """Keep an uploaded workbook where every worker can read it; returns its path under MEDIA_ROOT."""
    safe = "".join(c for c in Path(filename).name if c.isalnum() or c in "._-")[-80:] or "workbook"
    relative = f"{UPLOAD_DIR}/{uuid.uuid4().hex}_{safe}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative


@register_job_kind(
    "passport_import", label=_("Passport import"), permission="passports.change_passport", user_startable=False
)
def passport_import_job(job: Job, progress: Progress) -> dict[str, Any]:
    from onconet.passports.services import passport_import

    params = job.params
    root = (Path(settings.MEDIA_ROOT) / UPLOAD_DIR).resolve()
    path = (Path(settings.MEDIA_ROOT) / params["path"]).resolve()
    if root not in path.parents:
        raise ValueError("the workbook must lie in the upload folder")
    progress(2, "reading the workbook")
    book = read_workbook(path.read_bytes(), params.get("filename", path.name))
    result = passport_import(
        book=book,
        period=int(params["period"]),
        user=job.created_by,
        dry_run=bool(params.get("dry_run")),
        progress=progress,
    )
    return result.as_dict()
