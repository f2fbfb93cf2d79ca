"""Pages of partner organisations: the list and one partner with its contacts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onconet.core.errors import InvalidInput
from onconet.core.http import request_user
from onconet.core.models import Country
from onconet.core.scoping import get_visible, require_permission
from onconet.tourism import selectors, services
from onconet.tourism.models import (
    Partner,
    PartnerKind,
)


@login_required
def partners(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "tourism.view_partner", action="see partner organisations")
    query = request.GET.get("q", "").strip()
    country = request.GET.get("country", "")
    kind = request.GET.get("kind", "")
    sort = request.GET.get("sort", "name")
    sorts = {
        "name": "name",
        "-name": "-name",
        "country": "country__name",
        "-country": "-country__name",
        "kind": "kind",
        "-kind": "-kind",
        "contacts": "contact_count",
        "-contacts": "-contact_count",
    }
    qs = selectors.partners_list(user=user, country=country or None, kind=kind or None, query=query or None)
    qs = qs.order_by(sorts.get(sort, "name"), "name")
    countries = Country.objects.filter(partners__in=qs.values("pk")).distinct()
    return render(
        request,
        "tourism/partners.html",
        {
            "partners": qs,
            "q": query,
            "country": country,
            "kind": kind,
            "kinds": PartnerKind.choices,
            "countries": countries,
        },
    )


@login_required
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    partner = get_visible(user, Partner.objects.select_related("country"), pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.partner_contact_add(
                user=user,
                partner=partner,
                name=request.POST.get("name", ""),
                position=request.POST.get("position", ""),
                email=request.POST.get("email", ""),
                phone=request.POST.get("phone", ""),
                language=request.POST.get("language", ""),
                request=request,
            )
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("The contact was added."))
            return redirect("tourism:partner", pk=partner.pk)
    return render(
        request,
        "tourism/partner_detail.html",
        {
            "partner": partner,
            "contacts": selectors.partner_contacts(user=user, partner=partner),
            "can_see_contacts": user.has_perm("tourism.view_partnercontact"),
            "can_add_contact": user.has_perm("tourism.add_partnercontact"),
            "error": error,
        },
    )
