"""The read-only FHIR R5 endpoint at /fhir/: capability statement, search (identifier, dates, _count paging) and
read for the registered resource types, and a Bundle of everything held about one foreign patient.

Authentication: the browser session or a personal API token (`Authorization: Bearer …`). Errors are FHIR
OperationOutcomes with the HTTP status of the problem; a record outside the user's scope answers 404.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.bundle import Bundle
from fhir.resources.capabilitystatement import CapabilityStatement
from fhir.resources.operationoutcome import OperationOutcome

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.middleware import _holds_nul
from onconet.core.models import User
from onconet.core.params import BIGINT_MAX, BadParameter, id_or_none, int_or_none, parse_date, parse_int, parse_page
from onconet.core.services import api_token_authenticate, two_factor_pending
from onconet.interop.fhir import DATE_PARAMS, RESOURCES, validated
from onconet.interop.importer import referral_bundle_import

FHIR_JSON = "application/fhir+json; charset=utf-8"
DEFAULT_COUNT, MAX_COUNT = 20, 200
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    411: "required",
    413: "too-long",
}


def respond(data: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=FHIR_JSON)


def outcome(status: int, message: str) -> HttpResponse:

    data = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": ISSUE_CODES.get(status, "exception"), "diagnostics": message}],
    }
    return respond(validated(OperationOutcome, data), status)


def methods(*allowed: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like Django's require_http_methods, but the refusal is a 405 OperationOutcome (with its Allow header)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                message = gettext("%(method)s is not supported here; use %(allowed)s.")
                response = outcome(405, message % {"method": request.method, "allowed": ", ".join(allowed)})
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def fhir_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authenticate (session or bearer token) and turn domain errors into OperationOutcomes.

    A request with an `Authorization` header is authenticated by its bearer token alone: a header that is not a
    valid token answers 401, whatever session comes with it. A session counts once its second factor is confirmed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "Authorization" in request.headers:
            scheme, _, credential = request.headers["Authorization"].partition(" ")
            user = api_token_authenticate(credential.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return outcome(401, "The token is unknown, revoked or expired.")
            request.user = user
        elif not request.user.is_authenticated:
            return outcome(401, "Sign in, or send a personal API token as 'Authorization: Bearer …'.")
        elif two_factor_pending(request.user):
            return outcome(403, "Confirm your one-time code first (two-factor authentication).")
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return outcome(exc.status_code, exc.summary())
        except OverflowError:  # an id or number beyond any database integer
            return outcome(400, "A number in the request is out of range.")

    return wrapper


def _kind(name: str) -> Any:
    kind = RESOURCES.get(name)
    if kind is None:
        raise NotFound(f"OncoNet serves no {name} resources; see /fhir/metadata.")
    return kind


def _date_filters(values: list[str], param: str) -> list[tuple[str, dt.date]]:
    out = []
    for value in values:
        op, text = (value[:2], value[2:]) if value[:2] in ("eq", "ge", "le", "gt", "lt") else ("eq", value)
        try:  # the day of a dateTime too: ge2026-01-31T10:00 is ge2026-01-31
            out.append((op, parse_date(text[:10], field=param)))
        except BadParameter:
            raise InvalidInput(f'{param}: "{value[:40]}" is not a date such as ge2026-01-31.') from None
    return out


@methods("GET")
@fhir_view
def search(request: HttpRequest, resource: str) -> HttpResponse:
    kind = _kind(resource)
    user = request.user
    qs = kind.records(user)
    allowed = {"_count", "_page", "_id", "identifier", DATE_PARAMS.get(resource, "")} - {""}
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise InvalidInput(f"Unsupported search parameters for {resource}: {', '.join(unknown)}.")
    if "_id" in request.GET:
        ids = [id_or_none(i) for i in request.GET["_id"].split(",")]  # an id that is no number matches nothing
        qs = qs.filter(pk__in=[i for i in ids if i is not None])
    for value in request.GET.getlist("identifier"):
        if kind.identifier is None:
            raise InvalidInput(f"{resource} cannot be searched by identifier.")
        system, _, code = value.rpartition("|") if "|" in value else ("", "", value)
        qs = kind.identifier(qs, system or None, code)
    date_param = DATE_PARAMS.get(resource)
    if date_param and kind.date is not None:
        for op, day in _date_filters(request.GET.getlist(date_param), date_param):
            qs = kind.date(qs, op, day)
    count = parse_int(request.GET.get("_count", str(DEFAULT_COUNT)), field="_count", minimum=0, maximum=MAX_COUNT)
    page = parse_page(request.GET.get("_page", "1"), field="_page")
    total = qs.count()
    records = list(qs[(page - 1) * count : page * count]) if count else []
    base = request.build_absolute_uri(request.path)
    params = {k: v for k, v in request.GET.lists() if k != "_page"}

    def link(relation: str, number: int) -> dict[str, str]:
        return {"relation": relation, "url": f"{base}?{urlencode({**params, '_page': [str(number)]}, doseq=True)}"}

    links = [link("self", page)]
    if count and page * count < total:
        links.append(link("next", page + 1))
    if page > 1:
        links.append(link("previous", page - 1))
    root = request.build_absolute_uri("/fhir/")
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.now().isoformat(),
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{root}{resource}/{r.pk}",
                "resource": kind.to_fhir(r, user),
                "search": {"mode": "match"},
            }
            for r in records
        ],
    }

    return respond(validated(Bundle, bundle))


@csrf_exempt  # it writes nothing; an OperationOutcome is the answer to any method
@fhir_view
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """A path under /fhir/ that is no interaction of ours (after authentication, like every other)."""
    shown = rest if len(rest) <= 80 else rest[:80] + "…"
    raise NotFound(f"/fhir/{shown} is no FHIR interaction OncoNet serves; see /fhir/metadata.")


@methods("GET")
@fhir_view
def read(request: HttpRequest, resource: str, pk: str) -> HttpResponse:
    kind = _kind(resource)
    number = id_or_none(pk)  # /fhir/Patient/² is no record, like any unknown id
    record = kind.records(request.user).filter(pk=number).first() if number is not None else None
    if record is None:
        raise NotFound(f"{resource}/{pk} is not known, or not visible to you.")
    return respond(kind.to_fhir(record, request.user))


@methods("GET")
@fhir_view
def everything(request: HttpRequest, pk: str) -> HttpResponse:
    """Patient/$everything: all we hold about one foreign patient that the caller may read, as a collection Bundle —
    the patient, the referrals (ServiceRequest), their documents, the appointments of the courses, the invoices
    and their lines. Each access is audited (it is a data export)."""

    user = request.user
    number = id_or_none(pk)
    patient = RESOURCES["Patient"].records(user).filter(pk=number).first() if number is not None else None
    if patient is None:
        raise NotFound(f"Patient/{pk} is not known, or not visible to you.")
    root = request.build_absolute_uri("/fhir/")
    entries = [{"fullUrl": f"{root}Patient/{patient.pk}", "resource": RESOURCES["Patient"].to_fhir(patient, user)}]
    related = {  # what each resource needs to be read, and how it belongs to the patient
        "ServiceRequest": ({"tourism.view_referral"}, {"patient": patient}),
        "DocumentReference": (
            {"tourism.view_patientdocument", "tourism.view_referral"},
            {"referral__patient": patient},
        ),
        "Appointment": ({"scheduling.view_schedule"}, {"course__referral__patient": patient}),
        "Invoice": ({"tourism.view_invoice"}, {"referral__patient": patient}),
        "ChargeItem": ({"tourism.view_invoice"}, {"quote__referral__patient": patient}),
    }
    for name, (permissions, lookup) in related.items():
        if not user.has_perms(permissions):
            continue
        kind = RESOURCES[name]
        entries += [
            {"fullUrl": f"{root}{name}/{record.pk}", "resource": kind.to_fhir(record, user)}
            for record in kind.records(user).filter(**lookup)
        ]
    audit_record(
        actor=user if isinstance(user, User) else None,
        action=AuditAction.EXPORT,
        obj=patient,
        message=f"FHIR $everything ({len(entries)} resources)",
        request=request,
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": entries,
    }
    return respond(validated(Bundle, bundle))


@methods("GET")
@fhir_view
def metadata(request: HttpRequest) -> HttpResponse:

    resources = []
    for name, kind in sorted(RESOURCES.items()):
        params: list[dict[str, str]] = [
            {"name": "_id", "type": "token"},
            {"name": "_count", "type": "number"},
            {"name": "_page", "type": "number"},
        ]
        if kind.identifier is not None:
            params.append({"name": "identifier", "type": "token", "documentation": kind.search.get("identifier", "")})
        if name in DATE_PARAMS:
            params.append({"name": DATE_PARAMS[name], "type": "date"})
        resource: dict[str, Any] = {
            "type": name,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": params,
        }
        if name == "Patient":
            resource["operation"] = [
                {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}
            ]
        resources.append(resource)
    data = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(),
        "kind": "instance",
        "fhirVersion": "5.0.0",
        "format": ["json"],
        "implementation": {"description": "OncoNet", "url": request.build_absolute_uri("/fhir/")},
        # POST /fhir/ takes a partner's referral as a transaction Bundle (Patient, ServiceRequest, DocumentReference)
        "rest": [{"mode": "server", "resource": resources, "interaction": [{"code": "transaction"}]}],
    }
    return respond(validated(CapabilityStatement, data))


@csrf_exempt  # only bearer tokens may write here (no ambient credentials, so no cross-site forgery)
@methods("POST")
def transaction_bundle(request: HttpRequest) -> HttpResponse:
    """POST /fhir/ with a transaction Bundle: a partner's referral (Patient + ServiceRequest + DocumentReference)."""

    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return outcome(401, "Send referrals with a personal API token: 'Authorization: Bearer …'.")
    user = api_token_authenticate(header[7:].strip())
    if user is None:
        return outcome(401, "The token is unknown, revoked or expired.")
    body = _bundle_body(request)
    if isinstance(body, HttpResponse):
        return body
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return outcome(400, "The body is not JSON.")
    if _holds_nul(data):  # the NUL middleware leaves bodies past DATA_UPLOAD_MAX_MEMORY_SIZE to this view
        return outcome(400, "The Bundle contains a NUL character (\\u0000), which no field accepts.")
    try:
        imported = referral_bundle_import(user=user, data=data)
    except InvalidInput as exc:
        return invalid(exc)
    except DomainError as exc:
        return outcome(exc.status_code, exc.summary())
    entries: list[dict[str, Any]] = []
    for entry in data.get("entry", []):
        kind = entry.get("resource", {}).get("resourceType")
        if kind == "Patient":
            status = "201 Created" if imported.patient_created else "200 OK"
            entries.append({"response": {"status": status, "location": f"Patient/{imported.patient.pk}"}})
        elif kind == "ServiceRequest":
            note = f"Referral R-{imported.referral.pk} is in the office's pipeline (state {imported.referral.state})."
            entries.append({"response": {"status": "201 Created", "outcome": _information(note)}})
        else:
            entries.append({"response": {"status": "201 Created"}})
    bundle = {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
    return respond(validated(Bundle, bundle))


def _bundle_body(request: HttpRequest) -> bytes | HttpResponse:
    """The body, read from the stream up to FHIR_MAX_BUNDLE_MB (not through request.body, which Django caps at
    DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MiB, far below a Bundle carrying a 10 MiB document in base64); 411 without a
    Content-Length, 413 past the limit — checked on the header first, so an oversized body is never read."""
    limit_mb = int(settings.FHIR_MAX_BUNDLE_MB)
    limit = limit_mb * 1024 * 1024
    too_big = gettext("The Bundle is larger than %(limit)s MiB (FHIR_MAX_BUNDLE_MB).") % {"limit": limit_mb}
    length = int_or_none(request.META.get("CONTENT_LENGTH"), minimum=0, maximum=BIGINT_MAX)
    if length is None:
        return outcome(411, gettext("Send the Bundle with a Content-Length header."))
    if length > limit:
        return outcome(413, too_big)
    body = request.read(limit + 1)  # the stream stops at Content-Length; the bound holds even if it did not
    if len(body) > limit:
        return outcome(413, too_big)
    return body


def _information(text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": text}],
    }


def invalid(exc: InvalidInput) -> HttpResponse:
    """Every problem of the input as an issue with its FHIRPath expression."""

    issues = []
    for problem in exc.errors or []:
        where = getattr(problem, "location", {}).get("expression") or getattr(problem, "field", "") or "Bundle"
        issues.append(
            {
                "severity": "error",
                "code": "invalid",
                "diagnostics": getattr(problem, "message", str(problem)),
                "expression": [where],
            }
        )
    if not issues:
        issues.append({"severity": "error", "code": "invalid", "diagnostics": exc.detail})
    return respond(validated(OperationOutcome, {"resourceType": "OperationOutcome", "issue": issues}), 400)


__all__ = ["NotAllowed", "everything", "metadata", "read", "search"]
