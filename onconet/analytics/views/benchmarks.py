"""The benchmarks (targets an indicator is compared with): the list, its download and, for those who may, editing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from onconet.analytics import services
from onconet.analytics.indicators import DEFINITIONS
from onconet.analytics.models import Benchmark, Comparison
from onconet.analytics.views.common import table_download
from onconet.core.errors import InvalidInput
from onconet.core.http import request_user
from onconet.core.scoping import require_permission


@login_required
def benchmarks(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "analytics.view_benchmark", action="see benchmarks")
    error = None
    if request.method == "POST":
        try:
            if "delete" in request.POST:
                services.benchmark_delete(user=user, code=request.POST["delete"])
            else:
                services.benchmark_save(
                    user=user,
                    code=request.POST.get("code", ""),
                    indicator=request.POST.get("indicator", ""),
                    dimension=request.POST.get("dimension", ""),
                    comparison=request.POST.get("comparison", ""),
                    value=request.POST.get("value", ""),
                    source=request.POST.get("source", ""),
                    note=request.POST.get("note", ""),
                    for_planning=request.POST.get("for_planning") == "on",
                )
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("The benchmarks were saved."))
            return redirect("analytics:benchmarks")
    rows = Benchmark.objects.all()
    download = table_download(
        request.GET.get("format"),
        [[b.code, b.indicator, b.dimension, b.comparison, b.value, b.for_planning, b.source, b.note] for b in rows],
        ["code", "indicator", "dimension", "comparison", "value", "for_planning", "source", "note"],
        "benchmarks",
    )
    if download:
        return download
    return render(
        request,
        "analytics/benchmarks.html",
        {
            "benchmarks": rows,
            "can_edit": user.has_perm("analytics.change_benchmark"),
            "error": error,
            "indicators": DEFINITIONS,
            "comparisons": Comparison.choices,
        },
    )
