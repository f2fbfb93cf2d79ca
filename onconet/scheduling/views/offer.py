"""The published capacity offer: foreign courses a month the office may sell, per facility and machine kind."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from onconet.core.http import request_user
from onconet.scheduling import charts, selectors
from onconet.scheduling.models import MachineKind
from onconet.scheduling.selectors import require_view


@login_required
def offer(request: HttpRequest) -> HttpResponse:
    """The published capacity offer: foreign courses a month the office may sell, per machine kind, with 95 % CI."""
    user = request_user(request)
    require_view(user)
    rows = list(selectors.offers())
    labels_by_kind = dict(MachineKind.choices)
    scopes: list[tuple[str, str]] = []  # ("<facility pk>:<kind>", label), in table order
    for r in rows:
        key = f"{r.facility_id}:{r.kind}"
        if not scopes or scopes[-1][0] != key:
            scopes.append((key, f"{r.facility.code} · {labels_by_kind.get(r.kind, r.kind)}"))
    scope = request.GET.get("scope") or f"{request.GET.get('facility', '')}:{request.GET.get('kind', '')}"
    if scope not in {k for k, _label in scopes}:
        scope = scopes[0][0] if scopes else ""
    chosen = [r for r in rows if f"{r.facility_id}:{r.kind}" == scope]
    labels = (str(_("foreign courses a month")), str(_("95 % CI from")), str(_("95 % CI to")))
    return render(
        request,
        "scheduling/offer.html",
        {
            "tab": "offer",
            "rows": rows,
            "scopes": scopes,
            "scope": scope,
            "chosen": chosen[0] if chosen else None,
            "chosen_rows": chosen,
            "chart": charts.offer_chart(chosen, labels) if chosen else None,
            "can_simulate": user.has_perm("scheduling.run_simulation"),
        },
    )
