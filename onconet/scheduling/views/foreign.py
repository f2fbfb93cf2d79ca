"""The office's foreign courses: prepaid referrals waiting to be sent to planning, sending one, the foreign
courses in planning."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, is_refusal
from onconet.core.http import request_user
from onconet.core.scoping import get_visible, require_permission
from onconet.scheduling import selectors, services
from onconet.scheduling.forms import ForeignPlanForm
from onconet.scheduling.models import CourseStatus
from onconet.scheduling.selectors import require_view
from onconet.tourism.models import Referral


@login_required
def foreign(request: HttpRequest) -> HttpResponse:
    """Prepaid referrals not yet in planning, with a form to send each to a facility; foreign courses in planning."""
    user = request_user(request)
    require_view(user)
    can_send = user.has_perm("scheduling.add_foreign_course")
    referrals = list(selectors.prepaid_referrals(user=user)) if can_send else []
    return render(
        request,
        "scheduling/foreign.html",
        {
            "tab": "foreign",
            "referrals": referrals,
            "form": ForeignPlanForm(user=user),
            "courses": selectors.foreign_courses(user=user)
            .exclude(status=CourseStatus.CANCELLED)
            .order_by("status", "start_date", "code"),
            "can_send": can_send,
            "counts": selectors.foreign_courses(user=user).aggregate(
                waiting=Count("pk", filter=Q(status=CourseStatus.WAITING)),
                booked=Count("pk", filter=Q(status__in=[CourseStatus.BOOKED, CourseStatus.UNDER_WAY])),
            ),
        },
    )


@login_required
@require_POST
def referral_plan(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Send a prepaid referral to planning at a facility (the office)."""

    user = request_user(request)
    require_permission(user, "scheduling.add_foreign_course", action="send referrals to planning")
    referral = get_visible(user, Referral.objects.select_related("service"), pk=referral_id)
    form = ForeignPlanForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, _("Choose a facility with machines."))
        return redirect("scheduling:foreign")
    try:
        course = services.foreign_course_create(user=user, referral=referral, facility=form.cleaned_data["facility"])
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(
            request,
            _("R-%(referral)s was sent to planning at %(facility)s as course %(code)s.")
            % {"referral": referral.pk, "facility": course.facility.code, "code": course.code},
        )
    return redirect("scheduling:foreign")
