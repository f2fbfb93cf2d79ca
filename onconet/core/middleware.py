"""Request logging and the mapping of domain errors to pages."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from onconet.core.errors import NotAllowed, NotFound
from onconet.core.params import BIGINT_MAX, int_or_none
from onconet.core.services import two_factor_pending

request_logger = logging.getLogger("onconet.requests")


class RequestLogMiddleware:
    """Logs one structured line per request: method, path, status, duration, user, request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        request_logger.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user": user.get_username() if user is not None and user.is_authenticated else None,
            },
        )
        response["X-Request-ID"] = request_id
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        if isinstance(exception, OverflowError):  # an id beyond any integer column: no such record
            raise Http404("No such record.") from exception
        if isinstance(exception, NotAllowed):
            response = TemplateResponse(request, "403.html", {"detail": exception.detail}, status=403)
            return response.render()
        return None


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every page: scripts, styles, images and fonts from this origin only, no
    inline script or style, no framing, forms posting only here. The interactive API docs (Swagger UI, which needs
    inline script) are the one exception, listed in CSP_EXEMPT_PATHS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:

        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        self.exempt = tuple(settings.CSP_EXEMPT_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and not request.path.startswith(self.exempt):
            response.setdefault("Content-Security-Policy", self.policy)
        return response


class NulInputMiddleware:
    """Refuses API and FHIR requests whose query or JSON body holds a NUL character, and pages whose query does: no
    database text column can store one and PostgreSQL refuses it even in a filter, and no legitimate value contains
    it. The bodies of pages need no such guard: Django's form fields already refuse NUL characters."""

    PREFIXES = ("/api/", "/fhir/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.PREFIXES) and self._has_nul(request):
            problem = {"field": "", "message": "contains a NUL character (\\u0000)"}
            return JsonResponse(
                {"detail": "The request contains a NUL character, which no field accepts.", "errors": [problem]},
                status=400,
            )
        if "\x00" in request.path or any("\x00" in v for values in request.GET.lists() for v in values[1]):
            # Pages read their path and filters directly, not through form fields (which refuse NULs).
            message = gettext("The address contains a NUL character (U+0000), which no page accepts.")
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        if request.method not in ("POST", "PUT", "PATCH") or "json" not in (request.content_type or ""):
            return False

        cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = int_or_none(request.META.get("CONTENT_LENGTH"), minimum=0, maximum=BIGINT_MAX) or 0
        if cap is not None and length > cap:
            # request.body would refuse it (an HTML 400 from here); the one view that takes bodies this large, the
            # FHIR transaction endpoint, reads its body itself, bounded by FHIR_MAX_BUNDLE_MB, and checks for NULs.
            return False
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return b"\x00" in request.body  # not JSON: the view answers that; a raw NUL is refused here
        return _holds_nul(data)


def _holds_nul(node: object) -> bool:
    if isinstance(node, str):
        return "\x00" in node
    if isinstance(node, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_holds_nul(v) for v in node)
    return False


class TwoFactorMiddleware:
    """Keeps the two credentials apart, and the second factor in front of everything.

    An API or FHIR request that carries an `Authorization` header is authenticated by that header alone: the
    session's user is set aside here, so no endpoint can fall back to it (a wrong token answers 401 even beside a
    signed-in session). Pages never take tokens. A session whose user's role needs two-factor authentication
    (TWO_FACTOR_ROLES) and has not confirmed a code (django-otp's `is_verified()`) reaches nothing but the two-factor
    pages and logout: pages redirect there, API and FHIR calls answer 403."""

    OPEN = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/i18n/", "/jsi18n/", "/healthz")
    TOKEN_PATHS = ("/api/", "/fhir/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:

        if request.path.startswith(self.TOKEN_PATHS) and "Authorization" in request.headers:
            request.user = AnonymousUser()
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and not request.path.startswith(self.OPEN) and two_factor_pending(user):
            if request.path.startswith(self.TOKEN_PATHS):
                return JsonResponse(
                    {"detail": "Confirm your one-time code first (two-factor authentication).", "errors": []},
                    status=403,
                )

            return redirect(f"/accounts/two-factor/?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
