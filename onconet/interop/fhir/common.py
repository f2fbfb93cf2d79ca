"""What every FHIR mapping shares: identifier and code systems, validation, references and small shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.resource import Resource

from onconet.core.errors import NotAllowed
from onconet.core.reference_data import lookup_language
from onconet.core.scoping import AnyUser

SYSTEM = f"{settings.FHIR_BASE_SYSTEM}/sid"  # identifier systems: {SYSTEM}/foreign-patient, …/facility, …
CODES = f"{settings.FHIR_BASE_SYSTEM}/CodeSystem"  # our own code systems: {CODES}/facility-kind, …
GENDER = {"M": "male", "F": "female", "X": "other", "U": "unknown"}


def need(user: AnyUser, permission: str, what: str) -> None:
    if not user.is_authenticated or not user.has_perm(permission):
        raise NotAllowed(f"You are not allowed to read {what}.")


def validated(model: type[Resource], data: dict[str, Any]) -> dict[str, Any]:
    """The resource as JSON-ready data, after fhir.resources has validated it (raises on an invalid resource)."""
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def day_bounds(day: dt.date) -> tuple[str, str]:
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start.isoformat(), (start + dt.timedelta(days=1)).isoformat()


def bcp47(code: str) -> str:
    """A language code as BCP-47 wants it: ISO 639-1 where the language has one (srp → sr), else ISO 639-3."""
    lang = lookup_language(code)
    if lang is None:
        return code.lower()
    return str(getattr(lang, "alpha_2", None) or lang.alpha_3)


def languages(codes: Any) -> list[dict[str, Any]]:
    return [
        {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]}
        for code in dict.fromkeys(bcp47(c) for c in codes or [])
    ]


def money_value(amount: Any, currency: str) -> dict[str, Any]:
    return {"value": amount, "currency": currency}


def partner_reference(partner: Any) -> dict[str, Any]:
    return {"identifier": {"system": f"{SYSTEM}/partner", "value": str(partner.pk)}, "display": partner.name}


def patient_reference(patient: Any, user: AnyUser) -> dict[str, Any]:
    """A literal reference for those who may read the patient, else the registry id (which reveals nothing more)."""
    if user.has_perm("tourism.view_foreignpatient"):
        return {"reference": f"Patient/{patient.pk}"}
    return {"identifier": {"system": f"{SYSTEM}/foreign-patient", "value": str(patient.pk)}}


def service_coding(service: Any) -> dict[str, Any]:
    return {"coding": [{"system": f"{CODES}/service", "code": service.code, "display": service.name}]}
