"""The office's own pages: the work queue, the dashboard, contracts, prices and the interpreters' calendar."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from onconet.core.errors import InvalidInput, NotAllowed
from onconet.core.http import request_user
from onconet.core.params import id_or_none
from onconet.core.scoping import get_visible, require_permission, visible
from onconet.core.spreadsheets import table_response
from onconet.core.uploads import csv_max_bytes, document_max_bytes, read_upload, upload_view
from onconet.tourism import selectors, services
from onconet.tourism.calendars import bookings_ics
from onconet.tourism.letters import missing_translations
from onconet.tourism.models import (
    Contract,
    ExchangeRate,
    MessageTemplate,
    ReferralState,
    Service,
)


@login_required
def office_queue(request: HttpRequest) -> HttpResponse:
    """The work queue: referrals by state, oldest first, with the ones past their service level flagged."""
    user = request_user(request)
    require_permission(user, "tourism.view_referral", action="see referrals")
    state = request.GET.get("state", "")
    overdue_only = request.GET.get("overdue") == "1"
    referrals = list(selectors.referrals_list(user=user, state=state or None))
    late = selectors.overdue_ids(referrals)
    rows = [{"referral": r, "overdue": r.pk in late, "actions": selectors.transitions_for(user, r)} for r in referrals]
    if overdue_only:
        rows = [row for row in rows if row["overdue"]]
    counts = Counter(r.state for r in selectors.referrals_list(user=user))
    return render(
        request,
        "tourism/queue.html",
        {
            "rows": rows,
            "state": state,
            "overdue_only": overdue_only,
            "states": [(value, label, counts.get(value, 0)) for value, label in ReferralState.choices],
            "can_submit": user.has_perm("tourism.add_referral"),
        },
    )


@login_required
def office_dashboard(request: HttpRequest) -> HttpResponse:
    """The office at a glance: queue by state, overdue work, funnel, time to treatment, quotas, alerts, money."""
    user = request_user(request)
    require_permission(user, "tourism.view_referral", action="see the office dashboard")
    referrals = list(selectors.referrals_list(user=user))
    by_state = Counter(r.state for r in referrals)
    late = selectors.overdue_ids(referrals)
    overdue = [r for r in referrals if r.pk in late]
    funnel_rows = selectors.funnel(user=user)
    months = sorted({row["month"] for row in funnel_rows})
    series = {
        stage: [sum(row[stage] for row in funnel_rows if row["month"] == m) for m in months]
        for stage in ("inquiries", "accepted", "treated")
    }
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [str(_("inquiries")), str(_("accepted")), str(_("treated"))]},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value", "minInterval": 1},
        "color": ["#3d405b", "#e07a5f", "#0b5563"],
        "series": [{"name": str(_(stage)), "type": "bar", "data": values} for stage, values in series.items()],
    }
    finance = user.has_perm("tourism.add_payment")  # the finance officer's figures (and the national admin's)
    table, fmt = request.GET.get("table"), request.GET.get("format", "")
    if finance and fmt in ("csv", "xlsx") and table == "revenue":
        return table_response(
            [
                [r["month"], r["partner"], r["currency"], r["amount"], r["converted"]]
                for r in selectors.revenue(user=user)
            ],
            ["month", "partner", "currency", "amount", "eur_at_pinned_rates"],
            fmt=fmt,
            filename="revenue",
        )
    if finance and fmt in ("csv", "xlsx") and table == "receivables":
        return table_response(
            [
                [
                    i["invoice"].number,
                    i["invoice"].referral.partner.name,
                    i["invoice"].due_on,
                    i["balance"],
                    i["invoice"].currency,
                    i["overdue"],
                ]
                for i in selectors.receivables(user=user)
            ],
            ["invoice", "partner", "due_on", "balance", "currency", "overdue"],
            fmt=fmt,
            filename="receivables",
        )
    return render(
        request,
        "tourism/dashboard.html",
        {
            "states": [(value, label, by_state.get(value, 0)) for value, label in ReferralState.choices],
            "overdue": overdue[:20],
            "overdue_count": len(overdue),
            "funnel": funnel_rows,
            "funnel_chart": chart,
            "median_days": selectors.median_days_to_treatment(user=user),
            "quotas": selectors.quota_use(user=user),
            "expiring": selectors.expiring_contracts(user=user),
            "receivables": selectors.receivables(user=user) if finance else None,
            "revenue": selectors.revenue(user=user) if finance else None,
        },
    )


@upload_view(permission="tourism.add_contract", action="attach contract documents", max_bytes=document_max_bytes)
@login_required
def contracts(request: HttpRequest) -> HttpResponse:
    """Contracts with their services, quotas and documents; expiring ones flagged."""
    user = request_user(request)
    require_permission(user, "tourism.view_contract", action="see contracts")
    if request.method == "POST":
        contract = get_visible(user, Contract.objects.all(), pk=id_or_none(request.POST.get("contract")))
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("Choose a file.")
            require_permission(user, "tourism.add_contract", action="attach contract documents")  # before reading
            services.contract_document_add(
                user=user,
                contract=contract,
                title=request.POST.get("title", ""),
                data=read_upload(upload, max_bytes=document_max_bytes()),
                filename=upload.name or "contract",
            )
        except InvalidInput as exc:
            messages.error(request, exc.summary())
        else:
            messages.success(request, _("The document was attached."))
        return redirect("tourism:contracts")
    expiring = {c.pk for c in selectors.expiring_contracts(user=user)}
    rows = visible(user, Contract.objects.select_related("partner")).prefetch_related("services__service", "documents")
    return render(
        request,
        "tourism/contracts.html",
        {
            "contracts": rows,
            "expiring": expiring,
            "can_attach": user.has_perm("tourism.add_contract"),
        },
    )


@upload_view(permission="tourism.add_exchangerate", action="import exchange rates", max_bytes=csv_max_bytes)
@login_required
def prices(request: HttpRequest) -> HttpResponse:
    """The price list, the latest exchange rates (enter or import), and letters missing a translation."""
    user = request_user(request)
    require_permission(user, "tourism.view_service", action="see the price list")
    if request.method == "POST":
        try:
            rates_file = request.FILES.get("file")
            if rates_file is not None:
                count = services.exchange_rates_import_csv(user=user, data=rates_file.read())
                messages.success(request, _("%(n)s rates were imported.") % {"n": count})
            else:
                services.exchange_rate_set(
                    user=user,
                    day=date.fromisoformat(request.POST.get("date", "")),
                    currency=request.POST.get("currency", ""),
                    rate=request.POST.get("rate", ""),
                )
                messages.success(request, _("The rate was saved."))
        except ValueError:
            messages.error(request, _("Dates must be given as YYYY-MM-DD."))
        except (InvalidInput, NotAllowed) as exc:
            messages.error(request, exc.summary())
        return redirect("tourism:prices")
    latest: dict[str, ExchangeRate] = {}
    for rate in ExchangeRate.objects.order_by("currency", "-date"):
        latest.setdefault(rate.currency, rate)
    return render(
        request,
        "tourism/prices.html",
        {
            "services": Service.objects.all(),
            "rates": sorted(latest.values(), key=lambda r: r.currency),
            "can_enter": user.has_perm("tourism.add_exchangerate"),
            "missing": missing_translations(),
            "templates": MessageTemplate.objects.values_list("code", "language"),
        },
    )


@login_required
def interpreters(request: HttpRequest) -> HttpResponse:
    """Each interpreter's languages and bookings for the next two weeks: who is free when."""
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in range(14)]
    rows = selectors.interpreter_calendar(user=request_user(request), days=days)
    return render(request, "tourism/interpreters.html", {"rows": rows, "days": days})


@login_required
def my_bookings_ics(request: HttpRequest) -> HttpResponse:
    """The signed-in interpreter's bookings from today on as an .ics file (empty for anyone without bookings)."""
    user = request_user(request)
    bookings = selectors.interpreter_bookings(user=user, since=timezone.localdate())
    body = bookings_ics(bookings, name=str(_("OncoNet bookings")), host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="onconet-bookings.ics"'
    return response
