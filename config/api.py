"""The JSON API at /api/v1/: one NinjaAPI, a router per app, one error format.

Every error answers `{"detail": "...", "errors": [...]}`: 400 bad input (every problem listed), 401 not
authenticated, 403 not allowed, 404 no such record (or one you may not see), 409 not in this state.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation

from onconet.analytics.api import router as analytics_router
from onconet.core.api import router as core_router
from onconet.core.api_auth import SessionAuth, TokenAuth
from onconet.core.errors import DomainError
from onconet.partnerships.api import router as partnerships_router
from onconet.passports.api import router as passports_router
from onconet.scheduling.api import router as scheduling_router
from onconet.tourism.api import router as tourism_router


class OncoNetAPI(NinjaAPI):
    """Operation ids name an app's API module, not a file inside it: an API split into a package
    (`onconet.partnerships.api.delegations`) keeps the ids clients were generated from."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        module = operation.view_func.__module__
        if ".api." in module:
            module = module.split(".api.", 1)[0] + ".api"
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = OncoNetAPI(
    title="OncoNet API",
    version="1",
    description=(
        "The API of OncoNet, the information system of a national oncology network. "
        "Authenticate with a personal token (`Authorization: Bearer onc_…`, created on the *API tokens* page) "
        "or, from the browser, with the session cookie and the CSRF header."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status_code, exc.detail, [problem.as_dict() for problem in exc.errors])


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", ())]
        # ninja prefixes "body"/"query" and the parameter name; keep where the problem is for the reader.
        errors.append({"field": ".".join(loc), "message": item.get("msg", ""), "type": item.get("type", "")})
    return _error(request, 400, "The request is not valid: see errors.", errors)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "Authentication required: send 'Authorization: Bearer <token>' with a valid, unrevoked API token, or log in.",
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Input the database refuses to store (a value longer than its column, a number out of range): bad input,
    # never a server error. The statement failed, so nothing was written.
    return _error(request, 400, "The database cannot store a value of this request (too long or out of range).")


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # A number beyond any database integer (an id or a filter): the query never ran.
    return _error(request, 400, "A number in the request is out of range.")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # An upload cut off while it streamed in (onconet.core.uploads.LimitedUploadHandler): nothing of it was kept.
    return _error(request, 413, str(exc) or "The request is too large.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


api.add_router("/", core_router)
api.add_router("/", tourism_router)
api.add_router("/", passports_router)
api.add_router("/", analytics_router)
api.add_router("/scheduling", scheduling_router)
api.add_router("/partnerships", partnerships_router)
