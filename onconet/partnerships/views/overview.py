"""The overview page: upcoming delegations, open and overdue actions, expiring accreditations, late milestones,
agreements by status and the delegations-by-year chart."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from onconet.core.http import request_user
from onconet.partnerships import selectors
from onconet.partnerships.models import EXPIRY_ALERT_DAYS, ActionStatus, AgreementStatus, Milestone
from onconet.partnerships.views.charts import delegations_by_year


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user.has_perm("partnerships.view_delegation"):
        selectors.require(user, "partnerships.view_accreditation", "see partnerships")
        return redirect("partnerships:accreditations")  # a regional reporter keeps its facilities' certificates
    today = timezone.localdate()
    delegations = list(selectors.delegations_list(user=user))
    open_actions = selectors.follow_ups_list(user=user, status=ActionStatus.OPEN)
    labels = dict(AgreementStatus.choices)
    return render(
        request,
        "partnerships/home.html",
        {
            "tab": "home",
            "upcoming": selectors.upcoming_delegations(user=user, today=today)[:8],
            "overdue": [a for a in open_actions if a.due_date < today],
            "mine": selectors.overdue_actions(user=user, today=today),
            "open_count": open_actions.count(),
            "expiring": selectors.expiring_accreditations(user=user, today=today),
            "late_milestones": Milestone.objects.filter(actual_date__isnull=True, planned_date__lt=today)
            .select_related("agreement")
            .order_by("planned_date")
            if user.has_perm("partnerships.view_agreement")
            else [],
            "agreement_counts": [
                {"status": row["status"], "label": labels.get(row["status"], row["status"]), "n": row["n"]}
                for row in selectors.agreements_list(user=user).values("status").annotate(n=Count("id"))
            ]
            if user.has_perm("partnerships.view_agreement")
            else [],
            "chart": delegations_by_year(delegations),
            "alert_days": EXPIRY_ALERT_DAYS,
        },
    )
