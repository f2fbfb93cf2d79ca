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

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from onconet.core.audit import AuditAction, audit_record
from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.models import User
from onconet.core.services import api_token_authenticate
from onconet.interop.fhir import DATE_PARAMS, RESOURCES, validated

FHIR_JSON = "application/fhir+json; charset=utf-8"
DEFAULT_COUNT, MAX_COUNT = 20, 200
MAX_BUNDLE_BYTES = 15 * 1024 * 1024  # three 10 MiB-at-most documents do not fit: base64 grows them by a third
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict"}


def respond(data: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=FHIR_JSON)


def outcome(status: int, message: str) -> HttpResponse:
    from fhir.resources.operationoutcome import OperationOutcome

    data = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": ISSUE_CODES.get(status, "exception"), "diagnostics": message}],
    }
    return respond(validated(OperationOutcome, data), status)


def fhir_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authenticate (session or bearer token) and turn domain errors into OperationOutcomes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = api_token_authenticate(header[7:].strip())
            if user is None:
                return outcome(401, "The token is unknown, revoked or expired.")
            request.user = user
        if not request.user.is_authenticated:
            return outcome(401, "Sign in, or send a personal API token as 'Authorization: Bearer …'.")
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
        try:
            out.append((op, dt.date.fromisoformat(text[:10])))
        except ValueError:
            raise InvalidInput(f'{param}: "{value}" is not a date such as ge2026-01-31.') from None
    return out


@require_GET
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
        ids = [i for i in request.GET["_id"].split(",") if i.isdigit()]
        qs = qs.filter(pk__in=ids)
    for value in request.GET.getlist("identifier"):
        if kind.identifier is None:
            raise InvalidInput(f"{resource} cannot be searched by identifier.")
        system, _, code = value.rpartition("|") if "|" in value else ("", "", value)
        qs = kind.identifier(qs, system or None, code)
    date_param = DATE_PARAMS.get(resource)
    if date_param and kind.date is not None:
        for op, day in _date_filters(request.GET.getlist(date_param), date_param):
            qs = kind.date(qs, op, day)
    try:
        count = int(request.GET.get("_count", DEFAULT_COUNT))
        page = int(request.GET.get("_page", 1))
    except ValueError:
        raise InvalidInput("_count and _page must be whole numbers.") from None
    if not 0 <= count <= MAX_COUNT or page < 1:
        raise InvalidInput(f"_count must be between 0 and {MAX_COUNT}, and _page at least 1.")
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
    from fhir.resources.bundle import Bundle

    return respond(validated(Bundle, bundle))


@require_GET
@fhir_view
def read(request: HttpRequest, resource: str, pk: str) -> HttpResponse:
    kind = _kind(resource)
    record = kind.records(request.user).filter(pk=pk).first() if pk.isdigit() else None
    if record is None:
        raise NotFound(f"{resource}/{pk} is not known, or not visible to you.")
    return respond(kind.to_fhir(record, request.user))


@require_GET
@fhir_view
def everything(request: HttpRequest, pk: str) -> HttpResponse:
    """Patient/$everything: all we hold about one foreign patient that the caller may read, as a collection Bundle —
    the patient, the referrals (ServiceRequest), their documents, the appointments of the courses, the invoices
    and their lines. Each access is audited (it is a data export)."""
    from fhir.resources.bundle import Bundle

    user = request.user
    patient = RESOURCES["Patient"].records(user).filter(pk=pk).first() if pk.isdigit() else None
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


@require_GET
@fhir_view
def metadata(request: HttpRequest) -> HttpResponse:
    from fhir.resources.capabilitystatement import CapabilityStatement

    resources = []
    for name, kind in sorted(RESOURCES.items()):
        params: list[dict[str, str]] = [{"name": "_id", "type": "token"}, {"name": "_count", "type": "number"}]
        if kind.identifier is not None:
            params.append({"name": "identifier", "type": "token", "documentation": kind.search.get("identifier", "")})
        if name in DATE_PARAMS:
            params.append({"name": DATE_PARAMS[name], "type": "date"})
        resources.append(
            {"type": name, "interaction": [{"code": "read"}, {"code": "search-type"}], "searchParam": params}
        )
    data = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(),
        "kind": "instance",
        "fhirVersion": "5.0.0",
        "format": ["json"],
        "implementation": {"description": "OncoNet", "url": request.build_absolute_uri("/fhir/")},
        "rest": [{"mode": "server", "resource": resources}],
    }
    return respond(validated(CapabilityStatement, data))


@csrf_exempt  # only bearer tokens may write here (no ambient credentials, so no cross-site forgery)
@require_POST
def transaction_bundle(request: HttpRequest) -> HttpResponse:
    """POST /fhir/ with a transaction Bundle: a partner's referral (Patient + ServiceRequest + DocumentReference)."""
    from fhir.resources.bundle import Bundle

    from onconet.interop.importer import referral_bundle_import

    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return outcome(401, "Send referrals with a personal API token: 'Authorization: Bearer …'.")
    user = api_token_authenticate(header[7:].strip())
    if user is None:
        return outcome(401, "The token is unknown, revoked or expired.")
    if len(request.body) > MAX_BUNDLE_BYTES:
        return outcome(400, f"The Bundle is larger than {MAX_BUNDLE_BYTES // 1024 // 1024} MiB.")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return outcome(400, "The body is not JSON.")
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


def _information(text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": text}],
    }


def invalid(exc: InvalidInput) -> HttpResponse:
    """Every problem of the input as an issue with its FHIRPath expression."""
    from fhir.resources.operationoutcome import OperationOutcome

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
