"""The indicator definitions: the list of every indicator and one indicator's page with its benchmarks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onconet.analytics import selectors
from onconet.analytics.indicators import DEFINITIONS_BY_CODE
from onconet.analytics.models import Benchmark
from onconet.analytics.views.common import dimension_label
from onconet.core.errors import NotFound


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/definitions.html", {"rows": selectors.definition_rows()})


@login_required
def definition(request: HttpRequest, code: str) -> HttpResponse:
    found = DEFINITIONS_BY_CODE.get(code)
    if found is None:
        raise NotFound("No such indicator.")
    return render(
        request,
        "analytics/definition.html",
        {
            "definition": found,
            "benchmarks": Benchmark.objects.filter(indicator=code),
            "dimensions": [(v, dimension_label(v)) for v in found.dimension_values()],
        },
    )
