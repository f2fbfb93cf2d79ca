"""The PDF/HTML reports of a region or the nation: starting the background job and downloading its files."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import get_language

from onconet.analytics import selectors, services
from onconet.analytics.reports import reports_folder
from onconet.core.errors import NotFound
from onconet.core.http import request_user
from onconet.core.params import period_or_none
from onconet.core.selectors import jobs_list


@login_required
def report_start(request: HttpRequest) -> HttpResponse:
    """Start a report job (POST kind=region|national, region, period) and show its progress."""
    if request.method != "POST":
        raise NotFound("Start a report from the dashboard or a region page.")
    user = request_user(request)
    period = period_or_none(request.POST.get("period")) or selectors.default_period()
    job = services.report_start(
        user=user,
        kind=request.POST.get("kind", ""),
        period=period,
        region_code=request.POST.get("region"),
        language=get_language() or "en",
    )
    return redirect("core:job", pk=job.pk)


@login_required
def report_file(request: HttpRequest, job_id: int, name: str) -> HttpResponseBase:
    job = jobs_list(user=request_user(request)).filter(pk=job_id, kind__in=["region_report", "national_report"]).first()
    if job is None or name not in ("report.pdf", "report.html"):
        raise NotFound("No such report.")
    path = reports_folder(job.pk) / name
    if not path.exists():
        raise NotFound("The report is not ready.")
    content_type = "application/pdf" if name.endswith(".pdf") else "text/html; charset=utf-8"
    return FileResponse(path.open("rb"), content_type=content_type)
