"""Patient: the registry of foreign patients, as the office and the partner see it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.patient import Patient

from onconet.core.params import id_or_none
from onconet.core.scoping import AnyUser, visible
from onconet.interop.fhir.common import GENDER, SYSTEM, bcp47, need, validated
from onconet.tourism.models import ForeignPatient

# ---------------------------------------------------------------- Patient (the foreign registry)


def patient(p: ForeignPatient, user: AnyUser) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = [{"system": f"{SYSTEM}/foreign-patient", "value": str(p.pk)}]
    if user.has_perm("tourism.view_passport_number"):
        identifiers.append(
            {
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PPN"}]},
                "system": f"{SYSTEM}/passport/{p.citizenship.code}",
                "value": p.passport_number,
            }
        )
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    names: list[dict[str, Any]] = [{"use": "official", "family": p.family_name, "given": p.given_name.split()}]
    if p.name_native:
        names.append({"use": "usual", "text": p.name_native})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(p.pk),
        "identifier": identifiers,
        "name": names,
        "gender": GENDER.get(p.sex, "unknown"),
        "birthDate": p.date_of_birth.isoformat(),
        "telecom": telecom or None,
        "address": [{"text": p.address, "country": p.citizenship.code}] if p.address else None,
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]},
                "preferred": code == bcp47(p.preferred_language),
            }
            for code in dict.fromkeys(bcp47(c) for c in [p.preferred_language, *p.languages])
        ],
        # A logical reference: partner organisations are not (yet) served as Organization resources.
        "managingOrganization": {
            "identifier": {"system": f"{SYSTEM}/partner", "value": str(p.partner_id)},
            "display": p.partner.name,
        },
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-citizenship",
                "extension": [
                    {
                        "url": "code",
                        "valueCodeableConcept": {
                            "coding": [{"system": "urn:iso:std:iso:3166", "code": p.citizenship.code}]
                        },
                    }
                ],
            }
        ],
    }
    return validated(Patient, data)


def patients(user: AnyUser) -> QuerySet[ForeignPatient]:
    need(user, "tourism.view_foreignpatient", "patients")
    return visible(user, ForeignPatient.objects.select_related("citizenship", "partner")).order_by("pk")


def patients_by_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    pk = id_or_none(value)
    if system == f"{SYSTEM}/foreign-patient" or (system is None and pk is not None):
        return qs.filter(pk=pk) if pk is not None else qs.none()
    if system and system.startswith(f"{SYSTEM}/passport/"):
        return qs.filter(citizenship__code=system.rsplit("/", 1)[-1].upper(), passport_number=value)
    if system is None:
        return qs.filter(passport_number=value)
    return qs.none()
