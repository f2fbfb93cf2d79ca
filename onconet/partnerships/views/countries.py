"""Country profiles: the list with the CSV import of indicators, and one country's profile."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onconet.core.errors import InvalidInput
from onconet.core.http import request_user
from onconet.core.scoping import require_permission
from onconet.core.uploads import csv_max_bytes, upload_view
from onconet.partnerships import selectors, services
from onconet.partnerships.forms import IndicatorImportForm
from onconet.partnerships.models import Topic


@upload_view(
    permission="partnerships.add_countryindicator", action="import country indicators", max_bytes=csv_max_bytes
)
@login_required
def countries(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = selectors.countries_with_profiles(user=user)
    can_import = user.has_perm("partnerships.add_countryindicator")
    form = IndicatorImportForm()
    problems: list[dict[str, Any]] = []
    if request.method == "POST":
        require_permission(user, "partnerships.add_countryindicator", action="import country indicators")
        form = IndicatorImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                n = services.country_indicators_import(user=user, data=form.cleaned_data["file"].read())
            except InvalidInput as exc:
                problems = [p.as_dict() for p in exc.errors]
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("%(n)s indicator values were imported.") % {"n": n})
                return redirect("partnerships:countries")
    return render(
        request,
        "partnerships/countries.html",
        {"tab": "countries", "rows": rows, "form": form, "can_import": can_import, "problems": problems},
        status=400 if problems else 200,
    )


@login_required
def country(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    profile = selectors.country_profile(user=user, code=code)
    indicators: dict[str, list[Any]] = defaultdict(list)
    for i in profile.indicators:
        indicators[i.indicator].append(i)
    return render(
        request,
        "partnerships/country.html",
        {
            "tab": "countries",
            "profile": profile,
            "indicators": sorted(indicators.items()),
            "topics": Topic.choices,
        },
    )
