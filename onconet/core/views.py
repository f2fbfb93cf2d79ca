"""Pages of the core app. Thin: parse the request, call a selector or a service, render."""

from __future__ import annotations

import base64
import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from onconet.core import selectors, services
from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.forms import FacilityForm, LoginForm, ThrottledPasswordChangeForm
from onconet.core.http import request_user
from onconet.core.jobs import job_kinds
from onconet.core.models import AuditAction, Facility, FacilityKind, FederalDistrict, Region, User
from onconet.core.scoping import get_visible, require_permission
from onconet.core.selectors import FACILITY_SORTS

PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """The one sign-in page (the admin's login sends people here). django-axes counts wrong passwords and locks a
    username from one address; every failure is audited."""

    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        services.login_succeeded(user=form.get_user(), request=self.request)
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = form.data.get("username", "")
        if username and form.has_error(NON_FIELD_ERRORS):  # the password was checked (and failed, or was locked)
            services.login_failed(username=str(username), request=self.request)
        return super().form_invalid(form)


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """What django-axes answers when a sign-in is refused for too many failures (AXES_LOCKOUT_CALLABLE): the login
    page saying so, as 429 Too Many Requests."""
    match = getattr(request, "resolver_match", None)
    if original_response is not None and match is not None and match.view_name in ("login", "password_change"):
        original_response.status_code = 429  # our own sign-in or password page, which already explains the lock
        return original_response
    form = LoginForm(request)
    form.add_error(None, LoginForm.error_messages["locked"] % {"minutes": settings.LOGIN_LOCKOUT_MINUTES})
    return render(request, "core/login.html", {"form": form, "next": ""}, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    """The password change: a wrong old password counts as a failed sign-in (django-axes) and is audited."""

    template_name = "core/password_change.html"
    success_url = "/accounts/password/done/"
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: Any) -> HttpResponse:
        if form.has_error("old_password"):
            services.login_failed(username=self.request.user.get_username(), request=self.request)
        response = super().form_invalid(form)
        if form.has_error("old_password", "locked"):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit_record(actor=request_user(request), action=AuditAction.LOGOUT, obj=request.user, request=request)
        return super().post(request, *args, **kwargs)


@login_required
def regions(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "core.view_region", action="see regions")
    query = request.GET.get("q", "").strip()
    district = request.GET.get("district", "")
    sort = request.GET.get("sort", "code")
    sorts = {
        "code": "code",
        "-code": "-code",
        "name": "name",
        "-name": "-name",
        "population": "population",
        "-population": "-population",
        "facilities": "facility_count",
        "-facilities": "-facility_count",
        "district": "federal_district__name_en",
        "-district": "-federal_district__name_en",
    }
    qs = selectors.regions_list(user=user, query=query, federal_district=district or None).order_by(
        sorts.get(sort, "code"), "code"
    )
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "core/regions.html",
        {"page": page, "q": query, "district": district, "districts": FederalDistrict.objects.all()},
    )


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    regions = Region.objects.select_related("federal_district", "country")
    if not user.has_perm("core.view_region"):
        regions = regions.none()  # not in the user's directory: like a missing record
    region = get_visible(user, regions, code__iexact=code)
    facilities = selectors.facilities_list(user=user, region_code=region.code, sort="name")
    return render(request, "core/region_detail.html", {"region": region, "facilities": facilities})


@login_required
def facilities(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "core.view_facility", action="see facilities")
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    region = request.GET.get("region", "").strip()
    sort = request.GET.get("sort", "region")
    qs = selectors.facilities_list(
        user=user, region_code=region or None, kind=kind or None, query=query or None, sort=sort
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/facilities.html",
        {
            "page": page,
            "q": query,
            "kind": kind,
            "region": region,
            "kinds": FacilityKind.choices,
            "sorts": FACILITY_SORTS,
            "can_add": user.has_perm("core.add_facility"),
        },
    )


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    facility = get_visible(user, selectors.facilities_list(user=user), pk=pk)
    hosted = selectors.facilities_list(user=user).filter(located_in=facility)
    operated = selectors.facilities_list(user=user).filter(parent=facility)
    history = selectors.audit_entries(user=user, object_type="core.facility", object_id=str(facility.pk))[:20]
    return render(
        request,
        "core/facility_detail.html",
        {
            "facility": facility,
            "hosted": hosted,
            "operated": operated,
            "history": history,
            "can_edit": user.has_perm("core.change_facility"),
        },
    )


def _facility_data(form: FacilityForm) -> services.FacilityData:
    data = form.cleaned_data
    return services.FacilityData(
        code=data["code"],
        name=data["name"],
        kind=data["kind"],
        parent_id=data["parent"].pk if data["parent"] else None,
        located_in_id=data["located_in"].pk if data["located_in"] else None,
        address=data["address"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        is_active=data["is_active"],
    )


@login_required
def facility_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "core.add_facility", action="add facilities")
    region_code = request.GET.get("region") or request.POST.get("region") or (user.region.code if user.region else "")
    region = get_visible(user, Region.objects.all(), code__iexact=region_code)
    form = FacilityForm(request.POST or None, user=user, region_id=region.pk)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_create(user=user, region=region, data=_facility_data(form), request=request)
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Facility %(name)s was added.") % {"name": facility.name})
            return redirect("core:facility", pk=facility.pk)
    return render(request, "core/facility_form.html", {"form": form, "region": region, "facility": None})


@login_required
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    facility = get_visible(user, Facility.objects.select_related("region"), pk=pk)
    require_permission(user, "core.change_facility", action="change facilities")
    initial = {
        "code": facility.code,
        "name": facility.name,
        "kind": facility.kind,
        "parent": facility.parent_id,
        "located_in": facility.located_in_id,
        "address": facility.address,
        "latitude": facility.latitude,
        "longitude": facility.longitude,
        "is_active": facility.is_active,
    }
    form = FacilityForm(
        request.POST or None, initial=initial, user=user, region_id=facility.region_id, exclude_pk=facility.pk
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.facility_update(user=user, facility=facility, data=_facility_data(form), request=request)
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("core:facility", pk=facility.pk)
    return render(request, "core/facility_form.html", {"form": form, "region": facility.region, "facility": facility})


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(selectors.jobs_list(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    startable = [kind for kind in job_kinds() if kind.user_startable and user.has_perm(kind.permission)]
    return render(request, "core/jobs.html", {"page": page, "startable_jobs": startable})


@login_required
@require_POST
def job_start(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    try:
        job = services.job_start(user=user, kind=request.POST.get("kind", ""))
    except (InvalidInput, NotAllowed) as exc:
        messages.error(request, exc.detail)
        return redirect("core:jobs")
    return redirect("core:job", pk=job.pk)


def _job_or_404(request: HttpRequest, pk: int) -> Any:
    job = selectors.jobs_list(user=request_user(request)).filter(pk=pk).first()
    if job is None:
        raise NotFound("No job matches the given id.")
    return job


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "core/job_detail.html", {"job": job})


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment that the job page polls (HTMX) until the job is finished."""
    job = _job_or_404(request, pk)
    return render(request, "core/_job_progress.html", {"job": job})


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        services.job_retry(user=request_user(request), job=job)
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("core:job", pk=job.pk)


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "core.view_auditentry", action="read the audit log")
    filters = {key: request.GET.get(key, "").strip() for key in ("actor", "action", "object_type", "q")}
    qs = selectors.audit_entries(
        user=user,
        actor=filters["actor"] or None,
        action=filters["action"] or None,
        object_type=filters["object_type"] or None,
        query=filters["q"] or None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    types = selectors.audit_entries(user=user).order_by().values_list("object_type", flat=True).distinct()
    return render(
        request,
        "core/audit.html",
        {
            "page": page,
            "filters": filters,
            "actions": AuditAction.choices,
            "object_types": sorted(set(types)),
        },
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    created = None
    error = None
    if request.method == "POST":
        if "revoke" in request.POST:
            try:
                services.api_token_revoke(user=user, token_id=int(request.POST["revoke"]))
                messages.success(request, _("The token was revoked."))
            except (ValueError, NotFound):
                messages.error(request, _("No such token."))
            return redirect("core:tokens")
        try:
            _token, created = services.api_token_create(user=user, name=request.POST.get("name", ""))
        except InvalidInput as exc:
            error = exc.errors[0].message if exc.errors else exc.detail
    return render(
        request,
        "core/tokens.html",
        {"tokens": user.api_tokens.all(), "created": created, "error": error},
    )


@require_GET
def healthz(request: HttpRequest) -> HttpResponseBase:
    """200 when the database and the broker answer, else 503 naming what failed."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    checks["broker"] = services.broker_status()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith("/"):
        return "/"
    return target


@never_cache  # the key and the recovery codes must stay out of every cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator (first time: then the recovery codes, shown once) or confirm this session's code."""
    user = request_user(request)
    device = services.two_factor_device(user=user, request=request)
    target = _safe_next(request)
    error = ""
    if request.method == "POST":
        result = services.two_factor_verify(user=user, code=request.POST.get("code", ""), request=request)
        if result.verified and result.recovery_codes:
            return render(request, "core/two_factor_recovery.html", {"codes": result.recovery_codes, "next": target})
        if result.verified:
            if result.recovery_codes_left is not None:
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(count)s are left. If your authenticator is lost, "
                        "ask a national admin to reset it."
                    )
                    % {"count": result.recovery_codes_left},
                )
            return redirect(target)
        if result.wait_until is not None:
            seconds = max(1, math.ceil((result.wait_until - timezone.now()).total_seconds()))
            error = _("Too many wrong codes. Wait %(seconds)s seconds, then enter the current code.") % {
                "seconds": seconds
            }
        else:
            error = _("That code is not right (or was already used). Enter the current code from your app.")
    device = services.two_factor_device(user=user, request=request)  # after a POST: confirmed, or still this key
    context: dict[str, Any] = {"setup": not device.confirmed, "error": error, "next": target}
    if not device.confirmed:  # the key is shown only until the authenticator is confirmed
        secret = base64.b32encode(device.bin_key).decode()
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        context["uri"] = device.config_url
    return render(request, "core/two_factor.html", context, status=400 if error else 200)


@login_required
@require_GET
def sign_in_security(request: HttpRequest) -> HttpResponse:
    """For national admins: the sign-in locks in force (to lift one) and the reset of a user's authenticator."""
    user = request_user(request)
    lockouts = selectors.lockouts_current(user=user)
    return render(request, "core/sign_in_security.html", {"lockouts": lockouts})


@login_required
@require_POST
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    username = request.POST.get("username", "")
    try:
        services.login_unlock(actor=user, username=username, request=request)
    except InvalidInput as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("%(username)s may sign in again.") % {"username": username.strip()})
    return redirect("core:sign_in_security")


@login_required
@require_POST
def two_factor_reset(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_permission(user, "core.change_user", action="reset two-factor devices")
    username = request.POST.get("username", "").strip()
    target = User.objects.filter(username=username).first()
    if target is None:
        messages.error(request, _("No user is called %(username)s.") % {"username": username})
    else:
        services.two_factor_reset(actor=user, user=target, request=request)
        messages.success(
            request,
            _("The authenticator of %(username)s was reset: a new one is set up at the next sign-in.")
            % {"username": target.get_username()},
        )
    return redirect("core:sign_in_security")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a malformed request it refuses before any view, e.g. a Host header this server does not
    answer) in the API's own format: JSON for /api/, an OperationOutcome for /fhir/, the plain page elsewhere."""
    detail = "Bad request: the request is malformed (for example its Host header), so no view read it."
    if request.path.startswith("/fhir/"):
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "diagnostics": detail}],
        }
        return JsonResponse(outcome, status=400, content_type="application/fhir+json")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "errors": []}, status=400)
    return defaults.bad_request(request, exception)
