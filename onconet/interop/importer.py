"""A partner's referral as a FHIR R5 transaction Bundle — Patient + ServiceRequest + DocumentReference(s) — into
the referral pipeline, all or nothing.

- Patient: name (official: family + given, Latin script), gender (male/female), birthDate, a passport identifier
  (type PPN, system `…/sid/passport/CC` or the citizenship extension for CC), communication languages (the
  preferred one first). A patient the partner registered before (same passport) is reused.
- ServiceRequest: `code` with a coding of our price list (`…/CodeSystem/service`), `reason` with ICD-10 codings
  (`http://hl7.org/fhir/sid/icd-10`), `occurrencePeriod.end` = the latest start, `note` = the clinical summary.
- DocumentReference: `content[].attachment` with base64 `data` (PDF, PNG or JPEG, checked by content), `title`,
  and `category` coded with our document kinds (medical_record, imaging, pathology, passport, other).

Every problem is reported at once with its FHIRPath location; nothing is written unless everything is valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from fhir.resources.bundle import Bundle
from pydantic import ValidationError

from onconet.core.errors import FieldProblem, InvalidInput, NotAllowed
from onconet.core.models import User
from onconet.interop.fhir import CODES, ICD10, SYSTEM
from onconet.tourism import services as office
from onconet.tourism.models import ForeignPatient
from onconet.tourism.selectors import agent_partner

PASSPORT_TYPE = "PPN"
SEX = {"male": "M", "female": "F"}


@dataclass
class Imported:
    patient: Any
    patient_created: bool
    referral: Any
    documents: list[Any]


def _problem(where: str, message: str) -> FieldProblem:
    return FieldProblem(message, where, location={"expression": where})


def _path(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a FHIRPath-like expression: ("entry", 2, "resource") → Bundle.entry[2].resource."""
    out = "Bundle"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _written(problem: Any) -> FieldProblem:
    """A problem the office's services found, located at the Bundle with its field and value."""
    value = f" ({problem.value})" if getattr(problem, "value", None) else ""
    return _problem("Bundle", f"{getattr(problem, 'field', '')}: {getattr(problem, 'message', problem)}{value}")


def _codes(concepts: list[Any], system: str) -> list[str]:
    return [c.code for concept in concepts for c in (concept.coding or []) if c.system == system and c.code]


def referral_bundle_import(*, user: User, data: Any) -> Imported:
    """Import a partner agent's transaction Bundle; raises InvalidInput listing every problem."""
    if not user.has_perm("tourism.add_referral") or agent_partner(user) is None:
        raise NotAllowed("Only a partner agent may send referrals as FHIR Bundles.")
    try:
        bundle = Bundle.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The Bundle is not valid FHIR R5.",
            errors=[_problem(_path(error["loc"]), str(error["msg"])[:300]) for error in exc.errors()],
        ) from None
    except (ValueError, TypeError) as exc:
        raise InvalidInput("The Bundle is not valid FHIR R5.", errors=[_problem("Bundle", str(exc)[:300])]) from None
    problems: list[FieldProblem] = []
    if bundle.type != "transaction":
        problems.append(_problem("Bundle.type", f'must be "transaction", got "{bundle.type}"'))
    by_type: dict[str, list[tuple[int, Any]]] = {}
    for i, entry in enumerate(bundle.entry or []):
        if entry.resource is None:
            problems.append(_problem(f"Bundle.entry[{i}]", "has no resource"))
            continue
        by_type.setdefault(entry.resource.get_resource_type(), []).append((i, entry.resource))
    for name, expected in (("Patient", 1), ("ServiceRequest", 1)):
        if len(by_type.get(name, [])) != expected:
            problems.append(_problem("Bundle.entry", f"needs exactly one {name}, got {len(by_type.get(name, []))}"))
    others = sorted(set(by_type) - {"Patient", "ServiceRequest", "DocumentReference"})
    if others:
        problems.append(_problem("Bundle.entry", f"unexpected resources: {', '.join(others)}"))
    if problems:
        raise InvalidInput("The referral Bundle cannot be imported.", errors=problems)

    p_index, patient = by_type["Patient"][0]
    s_index, request = by_type["ServiceRequest"][0]
    here = f"Bundle.entry[{p_index}].resource"
    official = next((n for n in patient.name or [] if n.use in (None, "official")), None)
    family = official.family if official else None
    given = " ".join(official.given or []) if official else ""
    if not family or not given:
        problems.append(_problem(f"{here}.name", "needs an official name with family and given names (Latin script)"))
    sex = SEX.get(patient.gender or "")
    if sex is None:
        problems.append(_problem(f"{here}.gender", "must be male or female"))
    if patient.birthDate is None:
        problems.append(_problem(f"{here}.birthDate", "is required"))
    passport = next(
        (
            ident
            for ident in patient.identifier or []
            if ident.type and any(c.code == PASSPORT_TYPE for c in ident.type.coding or [])
        ),
        None,
    )
    citizenship = ""
    if passport is None or not passport.value:
        problems.append(_problem(f"{here}.identifier", "needs the passport (identifier.type PPN)"))
    elif passport.system and passport.system.startswith(f"{SYSTEM}/passport/"):
        citizenship = passport.system.rsplit("/", 1)[-1].upper()
    else:
        problems.append(_problem(f"{here}.identifier", f"the passport's system must be {SYSTEM}/passport/<country>"))
    languages = [
        c.code
        for comm in sorted(patient.communication or [], key=lambda item: not item.preferred)
        for c in (comm.language.coding or [])
        if c.code
    ]
    if not languages:
        problems.append(_problem(f"{here}.communication", "give at least one language the patient speaks"))

    here = f"Bundle.entry[{s_index}].resource"
    services = _codes([request.code.concept] if request.code and request.code.concept else [], f"{CODES}/service")
    if len(services) != 1:
        problems.append(_problem(f"{here}.code", f"needs one coding of {CODES}/service"))
    reasons = [r.concept for r in request.reason or [] if r.concept]
    icd10 = _codes(reasons, ICD10)
    if not icd10:
        problems.append(_problem(f"{here}.reason", f"needs at least one ICD-10 coding ({ICD10})"))
    try:
        office.validate_icd10(icd10)
    except InvalidInput as exc:  # located at the reason that carries the code, not at the whole Bundle
        for bad in exc.errors:
            at = next((i for i, reason in enumerate(reasons) if bad.value in _codes([reason], ICD10)), 0)
            problems.append(_problem(f"{here}.reason[{at}]", f"not an ICD-10 code: {bad.value}"))
    latest: dt.date | None = None
    if request.occurrencePeriod and request.occurrencePeriod.end:
        latest = request.occurrencePeriod.end.date() if isinstance(request.occurrencePeriod.end, dt.datetime) else None
    summary = "\n".join(n.text for n in request.note or [] if n.text)
    subject = request.subject.reference if request.subject else None
    patient_entry = (bundle.entry or [])[p_index]
    if subject not in {patient_entry.fullUrl, f"Patient/{patient.id}" if patient.id else None} - {None}:
        problems.append(_problem(f"{here}.subject", "must refer to the Patient of this Bundle (its fullUrl)"))

    documents: list[tuple[str, bytes, str, str]] = []
    for d_index, doc in by_type.get("DocumentReference", []):
        here = f"Bundle.entry[{d_index}].resource"
        kind = next(iter(_codes(doc.category or [], f"{CODES}/document-kind")), "other")
        for c_index, content in enumerate(doc.content or []):
            attachment = content.attachment
            if attachment is None or not attachment.data:
                problems.append(_problem(f"{here}.content[{c_index}].attachment.data", "is required (base64)"))
                continue
            raw = bytes(attachment.data)  # fhir.resources has decoded (and checked) the base64 already
            title = attachment.title or doc.description or f"document-{d_index}"
            documents.append((here, raw, title, kind))
    if problems:
        raise InvalidInput("The referral Bundle cannot be imported.", errors=problems)

    assert family is not None
    assert sex is not None
    assert passport is not None
    partner = agent_partner(user)
    assert partner is not None
    number = "".join((passport.value or "").split()).upper()
    with transaction.atomic():
        existing = ForeignPatient.objects.filter(
            partner=partner, citizenship__code=citizenship, passport_number=number
        ).first()
        created = existing is None
        try:
            record = existing or office.patient_register(
                user=user,
                partner=partner,
                family_name=family,
                given_name=given,
                date_of_birth=patient.birthDate,
                sex=sex,
                citizenship=citizenship,
                passport_number=number,
                preferred_language=languages[0],
                languages=languages,
            )
            referral = office.referral_submit(
                user=user,
                patient=record,
                service_code=services[0],
                icd10_codes=icd10,
                clinical_summary=summary,
                latest_start=latest,
            )
            stored = []
            for where, raw, title, kind in documents:
                try:
                    stored.append(
                        office.document_upload(user=user, referral=referral, data=raw, filename=title, kind=kind)
                    )
                except InvalidInput as exc:
                    raise InvalidInput(exc.detail, errors=[_problem(where, exc.detail)]) from None
        except InvalidInput as exc:  # leaving the atomic block by this exception rolls everything back
            raise InvalidInput(
                "The referral Bundle cannot be imported.",
                errors=[e if getattr(e, "location", {}).get("expression") else _written(e) for e in exc.errors]
                or [_problem("Bundle", exc.detail)],
            ) from None
    return Imported(record, created, referral, stored)
