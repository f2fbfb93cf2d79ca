"""Rate limits of the API (`/api/`) and FHIR (`/fhir/`): per source address, and per credential (the token in the
`Authorization` header, or the signed-in user of a browser session).

The counting is django-ratelimit's (fixed windows in the shared cache, atomic increments); this module only says
what is counted and how a refusal reads: 429 with `Retry-After`, as the API's JSON error or a FHIR OperationOutcome.
The limits hold across processes only when the cache is shared (Redis: `CACHE_URL`/`REDIS_URL`); with the
default in-process cache each web process counts for itself.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_ratelimit.core import get_usage

PREFIXES = ("/api/", "/fhir/")


def _address(group: str, request: HttpRequest) -> str:
    # the same reading of the client's address as sign-in throttling's (django-ipware, TRUSTED_PROXY_COUNT)
    return get_client_ip_address(request) or ""


def _credential(group: str, request: HttpRequest) -> str:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        # the token itself is never kept: its hash names the bucket (a junk token still counts for its address)
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous:" + _address(group, request)


LIMITS: tuple[tuple[str, str, Callable[[str, HttpRequest], str]], ...] = (
    ("api-address", "API_RATE_LIMIT_PER_ADDRESS", _address),
    ("api-credential", "API_RATE_LIMIT_PER_CREDENTIAL", _credential),
)


class ApiRateLimitMiddleware:
    """Refuses API and FHIR requests past API_RATE_LIMIT_PER_ADDRESS or API_RATE_LIMIT_PER_CREDENTIAL (rates such
    as "600/m"; empty turns a limit off) with 429 and the seconds to wait in `Retry-After`. It runs before
    authentication is decided, so a flood of bad tokens is limited too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PREFIXES):
            wait = self._wait(request)
            if wait is not None:
                return _refusal(request, wait)
        return self.get_response(request)

    @staticmethod
    def _wait(request: HttpRequest) -> int | None:
        waits = []
        for group, setting, key in LIMITS:
            rate = getattr(settings, setting, "") or None
            usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
            if usage is not None and usage["should_limit"]:
                waits.append(max(1, math.ceil(usage["time_left"])))
        return max(waits) if waits else None


def _refusal(request: HttpRequest, wait: int) -> HttpResponse:
    detail = f"Too many requests: wait {wait} seconds and try again."
    response: HttpResponse
    if request.path.startswith("/fhir/"):
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "throttled", "diagnostics": detail}],
        }
        response = JsonResponse(outcome, status=429, content_type="application/fhir+json")
    else:
        response = JsonResponse({"detail": detail, "errors": []}, status=429)
    response["Retry-After"] = str(wait)
    return response
