"""Background job kinds of analytics: the region report and the national summary (PDF and HTML)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from onconet.analytics.reports import build, reports_folder
from onconet.core.jobs import Progress, register_job_kind
from onconet.core.models import Job


def _links(job: Job, files: dict[str, str]) -> dict[str, Any]:
    return {
        "links": [
            {"label": "PDF", "url": reverse("analytics:report_file", args=[job.pk, files["pdf"]])},
            {"label": "HTML", "url": reverse("analytics:report_file", args=[job.pk, files["html"]])},
        ]
    }


@register_job_kind(
    "region_report", label=_("Region report"), permission="passports.view_passport", user_startable=False
)
def region_report_job(job: Job, progress: Progress) -> dict[str, Any]:
    progress(10, gettext_noop("drawing"))
    files = build("region", job.params, job.params.get("language", "en"), reports_folder(job.pk))
    return _links(job, files)


@register_job_kind(
    "national_report",
    label=_("National summary report"),
    permission="analytics.view_national_analytics",
    user_startable=False,
)
def national_report_job(job: Job, progress: Progress) -> dict[str, Any]:
    progress(10, gettext_noop("drawing"))
    files = build("national", job.params, job.params.get("language", "en"), reports_folder(job.pk))
    return _links(job, files)
