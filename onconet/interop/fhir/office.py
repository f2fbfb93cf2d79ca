"""The international office: its price list (HealthcareService), staff (Practitioner, PractitionerRole), contracts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from fhir.resources.contract import Contract
from fhir.resources.healthcareservice import HealthcareService
from fhir.resources.practitioner import Practitioner
from fhir.resources.practitionerrole import PractitionerRole

from onconet.core.errors import NotAllowed
from onconet.core.models import User
from onconet.core.roles import OFFICE_ROLES, Role
from onconet.core.scoping import AnyUser, visible
from onconet.interop.fhir.common import (
    CODES,
    SYSTEM,
    languages,
    money_value,
    need,
    partner_reference,
    service_coding,
    validated,
)
from onconet.tourism import models as office
from onconet.tourism.letters import OFFICE_LANGUAGES, PARTNER_LANGUAGES
from onconet.tourism.money import money

# ---------------------------------------------------------------- the international office: services, staff, money
#
# Codes of our own CodeSystems (f"{CODES}/…"): service (price-list codes), service-kind, protocol, staff-role,
# contract-term, partner-role. Partner organisations are not served, so they are referenced logically (by
# identifier), as Patient.managingOrganization does; our contracting party is a display-only reference.

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]  # the office works Monday to Friday (days-of-week codes)
STAFF_ROLES = {
    Role.INTERPRETER: ("interpreter", "Interpreter"),
    Role.MEDICAL_REVIEWER: ("reviewer", "Medical reviewer"),
}
# ContractStatus → R5 contract-status (required binding):
#   active    → executed    "activated for the period stipulated, both parties have signed"
#   draft     → negotiable  "provisions are being proposed and considered" — not yet in force
#   suspended → disputed    "pended to rectify a failure to fulfil a provision"; reversible (→ resolved), unlike
#                           cancelled/revoked, which are final
#   expired   → terminated  "the contract reaches its expiry date"
CONTRACT_STATUS = {"active": "executed", "draft": "negotiable", "suspended": "disputed", "expired": "terminated"}


def healthcare_service(s: office.Service, user: AnyUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": str(s.pk),
        "identifier": [{"system": f"{SYSTEM}/service", "value": s.code}],
        "active": True,
        "name": s.name,
        "category": [
            {"coding": [{"system": f"{CODES}/service-kind", "code": s.kind, "display": str(s.get_kind_display())}]}
        ],
        "type": [service_coding(s)],
        "characteristic": [{"coding": [{"system": f"{CODES}/protocol", "code": s.protocol}]}] if s.protocol else None,
        "extraDetails": f"Base price {s.base_price} RUB; contracts set their own prices or discounts.",
        # the languages the office writes letters to patients in
        "communication": languages([*OFFICE_LANGUAGES, *PARTNER_LANGUAGES]),
        "availability": [{"availableTime": [{"daysOfWeek": WEEKDAYS}]}],
    }
    return validated(HealthcareService, data)


def services(user: AnyUser) -> QuerySet[office.Service]:
    need(user, "tourism.view_service", "the price list")
    return visible(user, office.Service.objects.all()).order_by("pk")


def service_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(code=value) if system in (None, f"{SYSTEM}/service") else qs.none()


def practitioner(u: User, user: AnyUser) -> dict[str, Any]:
    name: dict[str, Any] = {
        "use": "official",
        "text": u.get_full_name() or u.username,
        "family": u.last_name or None,
        "given": u.first_name.split() or None,
    }
    data: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(u.pk),
        "identifier": [{"system": f"{SYSTEM}/staff", "value": u.username}],
        "active": u.is_active,
        "name": [name],
        "telecom": [{"system": "email", "value": u.email, "use": "work"}] if u.email else None,
        "communication": [{"language": language} for language in languages(u.languages)] or None,
    }
    return validated(Practitioner, data)


def practitioner_role(u: User, user: AnyUser) -> dict[str, Any]:
    code, display = STAFF_ROLES[Role(u.role)]
    data: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": str(u.pk),
        "identifier": [{"system": f"{SYSTEM}/staff-role", "value": f"{u.username}/{code}"}],
        "active": u.is_active,
        "practitioner": {"reference": f"Practitioner/{u.pk}", "display": u.get_full_name() or u.username},
        "code": [{"coding": [{"system": f"{CODES}/staff-role", "code": code, "display": display}]}],
        "communication": languages(u.languages) or None,
    }
    return validated(PractitionerRole, data)


def staff(user: AnyUser) -> QuerySet[User]:
    """Interpreters and medical reviewers, for the office and the national admin (who manages users) — not for
    partner agents, analysts or regional reporters."""
    if not isinstance(user, User) or not (user.has_perm("core.view_user") or user.role in OFFICE_ROLES):
        raise NotAllowed("You are not allowed to read the office's staff.")
    return visible(user, User.objects.filter(role__in=list(STAFF_ROLES))).order_by("pk")


def staff_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    if system not in (None, f"{SYSTEM}/staff", f"{SYSTEM}/staff-role"):
        return qs.none()
    username, _, code = value.partition("/")
    if code:
        roles = [role for role, (role_code, _display) in STAFF_ROLES.items() if role_code == code]
        qs = qs.filter(role__in=roles)
    return qs.filter(username=username)


def contract(c: office.Contract, user: AnyUser) -> dict[str, Any]:
    lines = sorted(c.services.all(), key=lambda line: line.service.code)
    party = [
        {
            "reference": [partner_reference(c.partner)],
            "role": {"coding": [{"system": f"{CODES}/partner-role", "code": "customer", "display": "Customer"}]},
        }
    ]
    terms: list[dict[str, Any]] = [
        {
            "type": {"coding": [{"system": f"{CODES}/contract-term", "code": "prepayment"}]},
            "text": f"{c.prepayment_share * 100:.1f} % of each invoice is paid before treatment starts.",
            "offer": {"party": party},
        }
    ]
    for line in lines:
        s = line.service
        entity = (
            {"entityReference": {"reference": f"HealthcareService/{s.pk}", "display": s.name}}
            if user.has_perm("tourism.view_service")
            else {"entityCodeableConcept": service_coding(s)}
        )
        if line.price is not None:
            priced: dict[str, Any] = {
                "unitPrice": money_value(line.price, c.currency),
                "net": money_value(line.price, c.currency),
            }
            text = f"{s.code}: {line.price} {c.currency}"
        else:  # a discount on the base price in roubles, converted at the quote date's rate
            discount = line.discount_percent if line.discount_percent is not None else Decimal(0)
            factor = (Decimal(100) - discount) / Decimal(100)
            priced = {
                "unitPrice": money_value(s.base_price, "RUB"),
                "factor": factor,
                "net": money_value(money(s.base_price * factor), "RUB"),
            }
            text = f"{s.code}: base price less {line.discount_percent} %, in {c.currency} at the quote date's rate"
        if line.monthly_quota is not None:
            text += f"; at most {line.monthly_quota} a month"
        terms.append(
            {
                "identifier": {"system": f"{SYSTEM}/contract-service", "value": f"{c.number}/{s.code}"},
                "type": {"coding": [{"system": f"{CODES}/contract-term", "code": "service-price"}]},
                "text": text,
                "offer": {"party": party},
                "asset": [{"type": [service_coding(s)], "valuedItem": [{**entity, **priced}]}],
            }
        )
    data: dict[str, Any] = {
        "resourceType": "Contract",
        "id": str(c.pk),
        "identifier": [{"system": f"{SYSTEM}/contract", "value": c.number}],
        "status": CONTRACT_STATUS[c.status],
        "title": f"{c.number}: {c.our_party} and {c.partner.name}",
        "applies": {"start": c.valid_from.isoformat(), "end": c.valid_until.isoformat()},
        "term": terms,
    }
    return validated(Contract, data)


def contracts(user: AnyUser) -> QuerySet[office.Contract]:
    need(user, "tourism.view_contract", "contracts")
    qs = office.Contract.objects.select_related("partner").prefetch_related("services__service")
    return visible(user, qs).order_by("pk")


def contract_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(number=value) if system in (None, f"{SYSTEM}/contract") else qs.none()
