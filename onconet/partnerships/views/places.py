"""Cities and organisations added from the delegation form's side panel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onconet.core.errors import InvalidInput
from onconet.core.http import request_user
from onconet.partnerships import services
from onconet.partnerships.forms import CityForm, OrganisationForm


@login_required
@require_POST
def place_add(request: HttpRequest, what: str) -> HttpResponse:
    """Add a city or an organisation from the delegation form's side panel."""
    user = request_user(request)
    services.require_manage(user, "record places and organisations")
    form: Any = (
        CityForm(request.POST, prefix="city") if what == "city" else OrganisationForm(request.POST, prefix="org")
    )
    if form.is_valid():
        try:
            if what == "city":
                made: Any = services.city_get_or_create(user=user, **form.cleaned_data)
            else:
                made = services.organisation_get_or_create(user=user, **form.cleaned_data)
        except InvalidInput as exc:
            messages.error(request, exc.summary())
        else:
            messages.success(request, _("%(name)s can now be chosen.") % {"name": made.name})
    else:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("partnerships:delegations")
