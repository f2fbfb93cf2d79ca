"""Request logging and the mapping of domain errors to pages."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from onconet.core.errors import NotAllowed, NotFound

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
        from django.conf import settings

        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        self.exempt = tuple(settings.CSP_EXEMPT_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and not request.path.startswith(self.exempt):
            response.setdefault("Content-Security-Policy", self.policy)
        return response


class NulInputMiddleware:
    """Refuses API and FHIR requests whose query or JSON body holds a NUL character: no database text column can
    store one (PostgreSQL refuses it outright), and no legitimate value contains it. Pages need no such guard:
    Django's form fields already refuse NUL characters."""

    PREFIXES = ("/api/", "/fhir/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.PREFIXES) and self._has_nul(request):
            from django.http import JsonResponse

            problem = {"field": "", "message": "contains a NUL character (\\u0000)"}
            return JsonResponse(
                {"detail": "The request contains a NUL character, which no field accepts.", "errors": [problem]},
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        if request.method not in ("POST", "PUT", "PATCH") or "json" not in (request.content_type or ""):
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
    """A signed-in user whose role requires two-factor authentication reaches nothing but the two-factor pages
    (and logout) until this session has confirmed a one-time code. API and FHIR calls with a personal token are
    let through (a token is its own credential); with the session they are refused like pages."""

    OPEN = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/i18n/", "/jsi18n/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from onconet.core.services import OTP_SESSION_KEY, two_factor_required

        user = getattr(request, "user", None)
        if (
            user is not None
            and two_factor_required(user)
            and not request.session.get(OTP_SESSION_KEY)
            and not request.path.startswith(self.OPEN)
            and not request.headers.get("Authorization", "").startswith("Bearer ")
        ):
            if request.path.startswith(("/api/", "/fhir/")):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": "Confirm your one-time code first (two-factor authentication).", "errors": []},
                    status=403,
                )
            from django.shortcuts import redirect

            return redirect(f"/accounts/two-factor/?next={request.get_full_path()}")
        return self.get_response(request)
