"""Courses: the list with its filters, adding one, the CSV import with its problems by line, cancelling one."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, InvalidInput, is_refusal
from onconet.core.http import request_user
from onconet.core.scoping import get_visible, require_permission
from onconet.core.uploads import csv_max_bytes, upload_view
from onconet.scheduling import selectors, services
from onconet.scheduling.forms import CourseForm, CourseImportForm
from onconet.scheduling.models import CourseStatus, Origin
from onconet.scheduling.selectors import require_view
from onconet.scheduling.views.params import PAGE_SIZE, int_param

LINE = re.compile(r"^line (\d+): (.*)$")


def _import_problems(error: InvalidInput) -> list[dict[str, Any]]:
    rows = []
    for problem in error.errors:
        match = LINE.match(problem.message)
        rows.append(
            {
                "line": int(match.group(1)) if match else None,
                "field": problem.field,
                "value": problem.value,
                "message": match.group(2) if match else problem.message,
            }
        )
    return rows


@upload_view(permission="scheduling.add_course", action="add courses", max_bytes=csv_max_bytes)
@login_required
def courses(request: HttpRequest) -> HttpResponse:
    """Courses waiting for or holding a machine (pseudonymous ids), a form to add one, a CSV import."""
    user = request_user(request)
    require_view(user)
    form = CourseForm(user=user)
    import_form = CourseImportForm()
    import_error: InvalidInput | None = None
    if request.method == "POST":
        require_permission(user, "scheduling.add_course", action="add courses")
        if request.POST.get("action") == "import":
            import_form = CourseImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                try:
                    created = services.courses_import_csv(user=user, data=import_form.cleaned_data["file"].read())
                except InvalidInput as exc:
                    import_error = exc
                else:
                    messages.success(request, _("%(n)s courses were imported.") % {"n": len(created)})
                    return redirect("scheduling:courses")
        else:
            form = CourseForm(request.POST, user=user)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    course = services.course_create(
                        user=user,
                        facility=data["facility"],
                        protocol=data["protocol"],
                        ready_date=data["ready_date"],
                        urgency=data["urgency"],
                        code=data["code"],
                    )
                except InvalidInput as exc:
                    form.add_service_errors(exc)
                else:
                    messages.success(request, _("Course %(code)s was added.") % {"code": course.code})
                    return redirect("scheduling:courses")
    facility = int_param(request.GET.get("facility"))
    status = request.GET.get("status", "")
    origin = request.GET.get("origin", "")
    qs = selectors.courses_list(
        user=user,
        facility=facility,
        status=status if status in CourseStatus.values else None,
        origin=origin if origin in Origin.values else None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scheduling/courses.html",
        {
            "tab": "courses",
            "page": page,
            "form": form,
            "import_form": import_form,
            "import_error": import_error,
            "import_problems": _import_problems(import_error) if import_error else [],
            "can_add": user.has_perm("scheduling.add_course"),
            "facilities": selectors.facilities_with_machines(user=user),
            "facility": facility,
            "status": status,
            "origin": origin,
            "statuses": CourseStatus.choices,
            "origins": Origin.choices,
            "cancellable": {CourseStatus.WAITING, CourseStatus.BOOKED, CourseStatus.UNDER_WAY},
        },
    )


@login_required
@require_POST
def course_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_view(user)
    course = get_visible(user, selectors.courses_list(user=user), pk=pk)
    try:
        services.course_cancel(user=user, course=course)
    except DomainError as exc:
        if is_refusal(exc):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(
            request, _("Course %(code)s was cancelled; its bookings were released.") % {"code": course.code}
        )
    return redirect("scheduling:courses")
